/**
 * A seeded generator of hostile requests against every entry point: malformed, huge and
 * repeated Authorization headers; wrong admin secrets; assemble bodies with too many files or
 * chunks, hostile names, deep nesting, duplicate keys, garbage and oversized bodies; multipart
 * bodies with thousands of parts, unnamed or nested parts, lying or missing lengths; Range
 * headers with many, overlapping or reversed ranges; symbolicate requests one past each limit;
 * path traversal in URLs. Each request says which statuses are acceptable answers: a clear 4xx,
 * or for a Range a 200/206/416. Same seed, same requests.
 */
import { mulberry32 } from "./prng.mjs";

export interface HostileRequest {
  kind: string;
  url: string;
  init: RequestInit;
  allowed: number[];
}

export interface Target {
  base: string;
  org: string;
  project: string;
  /** A token with read and write scopes for `org`. */
  token: string;
  /** The `id` of a stored debug file of `project`, for Range requests. */
  fileId: string;
}

const HEX = "0123456789abcdef";

export function* hostileRequests(target: Target, seed: number, count: number): Generator<HostileRequest> {
  const rand = mulberry32(seed);
  // The largest variants (10,000 parts, 100,000 levels, 4 MiB bodies) come one time in ten, so
  // that every kind is covered often and 10,000 requests stay within CI time.
  const heavy = () => rand() < 0.1;
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const sha1 = () => Array.from({ length: 40 }, () => HEX[int(16)]).join("");
  const auth = { authorization: `Bearer ${target.token}` };
  const assembleUrl = `${target.base}/api/0/projects/${target.org}/${target.project}/files/difs/assemble/`;
  const chunkUrl = `${target.base}/api/0/organizations/${target.org}/chunk-upload/`;
  const symbolicateUrl = `${target.base}/api/0/projects/${target.org}/${target.project}/symbolicate/`;
  const downloadUrl = `${target.base}/api/0/projects/${target.org}/${target.project}/files/dsyms/?id=${target.fileId}`;
  // Built once: the oversized bodies are the same bytes every time.
  const bigAssemble = `{"${sha1()}":{"name":"x","chunks":[],"pad":"${"x".repeat(4 * 1024 * 1024)}"}}`;

  const hostileName = (): string =>
    pick([
      "lib\u0000.so",
      "a\u0007b\u001b[31m.so",
      "gol\u202eexe.so",
      "\u2066evil\u2069.so",
      "../../../etc/passwd",
      "..\\..\\windows\\system32",
      "x".repeat(10 * 1024),
      "a\u0085b",
      "..",
    ]);

  const assembleBody = (): { body: string; contentType?: string } => {
    switch (int(10)) {
      case 0: {
        const files: Record<string, unknown> = {};
        for (let i = 0; i < 1001 + int(50); i++) files[sha1()] = { name: "a", chunks: [] };
        return { body: JSON.stringify(files) };
      }
      case 1:
        return { body: JSON.stringify({ [sha1()]: { name: "a", chunks: Array.from({ length: 4097 }, sha1) } }) };
      case 2:
        return { body: JSON.stringify({ [sha1()]: { name: hostileName(), chunks: [] } }) };
      case 3: {
        const depth = heavy() ? 100_000 : 100 + int(1000);
        return { body: `{"${sha1()}":${"[".repeat(depth)}${"]".repeat(depth)}}` };
      }
      case 4: {
        const key = sha1();
        return { body: `{"${key}":{"name":"a","chunks":[]},"${key}":{"name":"a\\u0000","chunks":["zz"]}}` };
      }
      case 5:
        return { body: Array.from({ length: int(200) }, () => String.fromCharCode(int(256))).join("") };
      case 6:
        return heavy() ? { body: bigAssemble } : { body: `{"${sha1()}":{"name":"${"y".repeat(2000)}","chunks":[]}}` };
      case 7:
        return { body: JSON.stringify({ [sha1()]: { name: 5, chunks: "x", debug_id: {} } }) };
      case 8:
        return { body: JSON.stringify({ [sha1()]: { name: "a", chunks: [sha1().toUpperCase()] } }) };
      default:
        return { body: JSON.stringify({ [sha1().slice(0, 39)]: { name: "a", chunks: [] } }) };
    }
  };

  const multipart = (parts: { name?: string; filename?: string; type?: string; body: string }[]): string => {
    const boundary = "hostile-boundary";
    const body = parts
      .map(
        (p) =>
          `--${boundary}\r\nContent-Disposition: form-data` +
          (p.name !== undefined ? `; name="${p.name}"` : "") +
          (p.filename !== undefined ? `; filename="${p.filename}"` : "") +
          `\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n${p.body}\r\n`,
      )
      .join("");
    return `${body}--${boundary}--\r\n`;
  };
  const multipartHeaders = (body: string) => ({
    ...auth,
    "content-type": "multipart/form-data; boundary=hostile-boundary",
    "content-length": String(new TextEncoder().encode(body).byteLength),
  });

  for (let n = 0; n < count; n++) {
    switch (int(8)) {
      case 0: {
        const header = pick([
          "Bearer",
          "Bearer ",
          "Basic dXNlcjpwYXNz",
          `Bearer ${"A".repeat(8 * 1024)}`,
          `Bearer ${target.token}, Bearer ${target.token}`,
          `Bearer ${target.token}\u0000`.replace("\u0000", "%00"),
          `bearer  ${sha1()}`,
          `Bearer ${target.token}x`,
          "Token abc def",
        ]);
        yield { kind: "authorization", url: chunkUrl, init: { headers: { authorization: header } }, allowed: [401] };
        break;
      }
      case 1:
        yield {
          kind: "admin secret",
          url: `${target.base}/api/0/admin/tokens/`,
          init: {
            method: "POST",
            headers: {
              authorization: `Bearer ${pick(["", "x", sha1(), "test-admin-tokeN", "A".repeat(3000)])}`,
              "cf-connecting-ip": `203.0.113.${int(200)}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({ org: target.org, scopes: ["org:ci"] }),
          },
          allowed: [401, 429],
        };
        break;
      case 2: {
        const { body } = assembleBody();
        yield {
          kind: "assemble body",
          url: assembleUrl,
          init: { method: "POST", headers: { ...auth, "content-type": "application/json" }, body },
          allowed: [400],
        };
        break;
      }
      case 3: {
        let body: string;
        switch (int(5)) {
          case 0:
            body = multipart(
              Array.from({ length: heavy() ? 10_000 : 65 + int(100) }, (_, i) => ({
                name: "file",
                filename: sha1(),
                body: `${i}`,
              })),
            );
            break;
          case 1:
            body = multipart([
              { name: "file", body: "no filename" },
              { filename: sha1(), body: "no field name" },
              { name: "file", filename: "", body: "x" },
            ]);
            break;
          case 2:
            body = multipart([
              {
                name: "file",
                filename: sha1(),
                type: "multipart/mixed; boundary=inner",
                body: multipart([{ name: "file", filename: sha1(), body: "inner" }]),
              },
            ]);
            break;
          case 3:
            body = multipart([{ name: "file_gzip", filename: sha1(), body: "not gzip at all" }]);
            break;
          default:
            body = `--hostile-boundary\r\nContent-Disposition: form-data; name="file"; filename="${sha1()}"\r\n\r\ntruncated`;
        }
        // Parts without a file name are form fields, not chunks: ignored, so such a body stores nothing.
        yield {
          kind: "multipart",
          url: chunkUrl,
          init: { method: "POST", headers: multipartHeaders(body), body },
          allowed: [200, 400],
        };
        break;
      }
      case 4:
        if (rand() < 0.5) {
          // No Content-Length: the body is a stream.
          const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("--x--")), c.close()) });
          yield {
            kind: "chunk length",
            url: chunkUrl,
            init: {
              method: "POST",
              headers: { ...auth, "content-type": "multipart/form-data; boundary=x" },
              body,
              duplex: "half",
            } as RequestInit,
            allowed: [411],
          };
        } else {
          // A declared 200 MB: refused unread where the header reaches the Worker; a runtime that
          // recomputes the length from the real body gets an empty form, which stores nothing.
          const headers = {
            ...auth,
            "content-type": "multipart/form-data; boundary=x",
            "content-length": String(200 * 1024 * 1024),
          };
          yield {
            kind: "chunk length",
            url: chunkUrl,
            init: { method: "POST", headers, body: "--x--" },
            allowed: [200, 400],
          };
        }
        break;
      case 5: {
        const ranges = pick([
          () => `bytes=${Array.from({ length: 1000 }, (_, i) => `${i}-${i + 1}`).join(",")}`,
          () => "bytes=0-10,5-15,0-",
          () => "bytes=100-10",
          () => `bytes=${int(1 << 30)}-`,
          () => "bytes=-0",
          () => "bytes=--1",
          () => `items=0-1`,
          () => `bytes=0-${"9".repeat(400)}`,
        ])();
        yield {
          kind: "range",
          url: downloadUrl,
          init: { headers: { ...auth, range: ranges } },
          allowed: [200, 206, 416],
        };
        break;
      }
      case 6: {
        const frame = { instruction_addr: "0x1000" };
        const body = pick([
          () => ({ stacktraces: Array.from({ length: 257 }, () => ({ frames: [] })), modules: [] }),
          () => ({ stacktraces: [{ frames: Array.from({ length: 20_001 }, () => frame) }], modules: [] }),
          () => ({
            stacktraces: [],
            modules: Array.from({ length: 5001 }, () => ({ type: "elf", image_addr: "0x0" })),
          }),
          () => ({ stacktraces: [{ frames: [{ instruction_addr: "0x1", addr_mode: "rel:x" }] }] }),
          () => ({ stacktraces: "nope" }),
          () => [],
        ])();
        yield {
          kind: "symbolicate",
          url: symbolicateUrl,
          init: {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify(body),
          },
          allowed: [400],
        };
        break;
      }
      default: {
        const path = pick([
          `/api/0/projects/${target.org}/..%2f..%2fadmin/files/dsyms/`,
          `/api/0/projects/${target.org}/%00/files/dsyms/`,
          `/api/0/projects/${target.org}/${"p".repeat(10 * 1024)}/files/dsyms/`,
          `/api/0/projects/${target.org}/%E2%80%AEppa/files/dsyms/`,
          `/api/0/projects/../../${target.org}/${target.project}/files/dsyms/?id=../../x`,
          `/debuginfod/${target.org}/${target.project}/buildid/..%2f..%2f/debuginfo`,
          `/api/0/projects/${target.org}/${target.project}/files/dsyms/?id=%00`,
        ]);
        yield { kind: "path", url: `${target.base}${path}`, init: { headers: auth }, allowed: [400, 404] };
      }
    }
  }
}
