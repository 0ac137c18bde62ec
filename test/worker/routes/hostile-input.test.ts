/**
 * Hostile input: every case a clear 4xx (or a bounded answer) at once, with nothing stored or
 * half-stored, and the service still answers a normal upload afterwards.
 */
import { env, exports } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import worker from "../../../src/index";
import { describe, expect, it } from "vitest";
import { MAX_FILES_PER_ASSEMBLE } from "../../../src/upload/limits";
import { hostileRequests } from "../../support/hostile-requests";
import { assemble, BASE, chunkForm, fixture, mintToken, postChunks, uploadFile, waitForFile } from "../helpers";

const SUM = "b".repeat(40);

async function storedKeys(prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BUCKET.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

async function uploadBreakpad(token: string, project = "app") {
  const { checksum, entry } = await uploadFile(token, "acme", fixture("breakpad-linux.sym"), "breakpad-linux.sym");
  const state = await waitForFile(token, "acme", project, checksum, entry);
  expect(state.state).toBe("ok");
  return { checksum, id: String(state.dif?.id) };
}

describe("hostile input", () => {
  describe("assemble: bounded work per request, answered at once", () => {
    it(`refuses more than ${MAX_FILES_PER_ASSEMBLE} files before calling any object`, async () => {
      const token = await mintToken("acme");
      const files: Record<string, unknown> = {};
      for (let i = 0; i < 5000; i++) files[i.toString(16).padStart(40, "0")] = { name: "a", chunks: [] };
      const res = await assemble(token, "acme", "app", files);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "Too many files in one request (5000 > 1000)" });
      // The request of the incident: 100,000 files, 6.8 MB of JSON, refused by its size.
      for (let i = 5000; i < 100_000; i++) files[i.toString(16).padStart(40, "0")] = { name: "a", chunks: [] };
      const huge = await assemble(token, "acme", "app", files);
      expect(await huge.json()).toEqual({ error: "Request too large" });
      expect(await env.ASSEMBLE_STATUS.list()).toMatchObject({ keys: [] });
    });

    it("refuses more chunks per file than a 2 GiB file has, and more chunk references per request", async () => {
      const token = await mintToken("acme");
      const chunks = Array.from({ length: 4097 }, (_, i) => i.toString(16).padStart(40, "0"));
      const res = await assemble(token, "acme", "app", { [SUM]: { name: "a", chunks } });
      expect(await res.json()).toEqual({ error: "Too many chunks for one file (4097 > 4096)" });
      const many: Record<string, unknown> = {};
      for (let f = 0; f < 17; f++)
        many[f.toString(16).padStart(40, "c")] = { name: "a", chunks: chunks.slice(0, 4096) };
      const res2 = await assemble(token, "acme", "app", many);
      expect(res2.status).toBe(400);
      expect(await res2.json()).toEqual({ error: "Too many chunks in one request (more than 65536)" });
    });

    it("refuses a body over 4 MiB, declared or streamed, without reading it all", async () => {
      const token = await mintToken("acme");
      const declared = await exports.default.fetch(`${BASE}/api/0/projects/acme/app/files/difs/assemble/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-length": String(200 * 1024 * 1024) },
        body: "{}",
      });
      expect(declared.status).toBe(400);
      expect(await declared.json()).toEqual({ error: "Request too large" });
      // 200 MB streamed without a length: cut off after the first 4 MiB.
      let sent = 0;
      const block = new Uint8Array(1024 * 1024).fill(0x20);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 200 * 1024 * 1024) return controller.close();
          sent += block.byteLength;
          controller.enqueue(block);
        },
      });
      const streamed = await exports.default.fetch(`${BASE}/api/0/projects/acme/app/files/difs/assemble/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body,
        duplex: "half",
      } as RequestInit);
      expect(streamed.status).toBe(400);
      expect(await streamed.json()).toEqual({ error: "Request too large" });
      expect(sent).toBeLessThan(16 * 1024 * 1024);
    });

    const names: [string, string][] = [
      ["NUL", "lib\u0000.so"],
      ["control characters", "a\u001b[31m.so"],
      ["an RTL override", "gol\u202eexe.so"],
      ["path traversal", "../../etc/passwd"],
      ["a 10 KB name", "x".repeat(10 * 1024)],
    ];
    for (const [what, name] of names) {
      it(`refuses a name with ${what}, and stores nothing`, async () => {
        const token = await mintToken("acme");
        const res = await assemble(token, "acme", "app", { [SUM]: { name, chunks: [] } });
        expect(res.status).toBe(400);
        expect(Object.keys(await res.json<object>())).toEqual(["error"]);
        expect(await env.ASSEMBLE_STATUS.list()).toMatchObject({ keys: [] });
      });
    }

    it("answers deep nesting and duplicate keys with a bounded 400", async () => {
      const token = await mintToken("acme");
      const deep = await assemble(token, "acme", "app", `{"${SUM}":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
      expect(deep.status).toBe(400);
      expect((await deep.text()).length).toBeLessThan(400);
      const dup = await assemble(
        token,
        "acme",
        "app",
        `{"${SUM}":{"name":"a","chunks":[]},"${SUM}":{"name":"a","chunks":1}}`,
      );
      expect(dup.status).toBe(400);
      expect(await dup.json()).toEqual({ error: "1 is not of type 'array'" });
    });
  });

  describe("Authorization", () => {
    const headers: [string, string][] = [
      ["malformed", "Bearer"],
      ["huge", `Bearer ${"A".repeat(64 * 1024)}`],
      ["of another scheme", "Basic dXNlcjpwYXNz"],
    ];
    for (const [what, header] of headers) {
      it(`answers 401 to a ${what} header`, async () => {
        const res = await exports.default.fetch(`${BASE}/api/0/organizations/acme/chunk-upload/`, {
          headers: { authorization: header },
        });
        expect(res.status).toBe(401);
      });
    }

    it("answers 401 to a repeated header, even when both copies are valid", async () => {
      const token = await mintToken("acme");
      const headers = new Headers();
      headers.append("authorization", `Bearer ${token}`);
      headers.append("authorization", `Bearer ${token}`);
      const res = await exports.default.fetch(`${BASE}/api/0/organizations/acme/chunk-upload/`, { headers });
      expect(res.status).toBe(401);
    });

    it("slows guessing of the admin secret per client, and a right secret costs nothing", async () => {
      const mint = (secret: string, client: string) =>
        exports.default.fetch(`${BASE}/api/0/admin/tokens/`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${secret}`,
            "cf-connecting-ip": client,
            "content-type": "application/json",
          },
          body: JSON.stringify({ org: "acme", scopes: ["org:ci"] }),
        });
      for (let i = 0; i < 20; i++) expect((await mint(env.ADMIN_TOKEN as string, "198.51.100.1")).status).toBe(201);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await mint("wrong", "198.51.100.2")).status);
      expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429]);
      const limited = await mint(env.ADMIN_TOKEN as string, "198.51.100.2");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await mint(env.ADMIN_TOKEN as string, "198.51.100.3")).status).toBe(201);
    });
  });

  describe("chunk upload", () => {
    it("refuses 10,000 tiny parts, unnamed parts and nested multipart, storing nothing", async () => {
      const token = await mintToken("acme");
      const tiny = chunkForm(
        Array.from({ length: 10_000 }, (_, i) => ({ name: SUM, body: new Uint8Array([i & 255]) })),
      );
      expect(await (await postChunks(token, "acme", tiny)).json()).toEqual({ error: "Too many chunks" });
      // A part without a file name is a form field, not a chunk (Sentry ignores those too).
      const unnamed = chunkForm([{ name: "", body: new Uint8Array([1]) }]);
      expect((await postChunks(token, "acme", unnamed)).status).toBe(200);
      const inner = new Request("http://x/", {
        method: "POST",
        body: chunkForm([{ name: SUM, body: new Uint8Array([1]) }]),
      });
      const nested = chunkForm([{ name: SUM, body: new Uint8Array(await inner.arrayBuffer()) }]);
      expect(await (await postChunks(token, "acme", nested)).json()).toEqual({ error: "Checksum mismatch" });
      expect(await storedKeys()).toEqual([]);
    });
  });

  it("answers 10,000 seeded hostile requests with clear 4xx, stores nothing, then takes a normal upload", async () => {
    const token = await mintToken("acme");
    const normal = await uploadBreakpad(token);
    const before = await storedKeys();
    const statusKeysBefore = (await env.ASSEMBLE_STATUS.list()).keys.length;

    const requests = hostileRequests({ base: BASE, org: "acme", project: "app", token, fileId: normal.id }, 14, 10_000);
    const surprises: string[] = [];
    const started = Date.now();
    const kinds = new Map<string, number>();
    const spent = new Map<string, number>();
    let sent = 0;
    // Sixteen clients (most requests wait on Durable Objects or R2), each taking the next request as soon as its last one is answered.
    const client = async () => {
      for (let next = requests.next(); !next.done; next = requests.next()) {
        const r = next.value;
        sent++;
        const t0 = performance.now();
        // The Worker's own fetch, in this isolate: the same code and bindings as exports.default, without the
        // test runner's per-request proxying (which alone costs ~25 ms a request here).
        const res = await worker.fetch(new Request(r.url, r.init), env, createExecutionContext());
        const text = await res.text();
        kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        spent.set(r.kind, (spent.get(r.kind) ?? 0) + performance.now() - t0);
        if (!r.allowed.includes(res.status)) surprises.push(`${r.kind}: ${res.status} ${text.slice(0, 200)}`);
        else if (res.status >= 400 && res.status !== 416) {
          const body = JSON.parse(text) as object;
          if (Object.keys(body).length !== 1) surprises.push(`${r.kind}: body ${text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    const ms = Object.fromEntries(
      [...spent].map(([kind, total]) => [kind, Math.round(total / (kinds.get(kind) ?? 1))]),
    );
    console.log(
      `10,000 hostile requests in ${Date.now() - started} ms; count and mean ms per kind`,
      Object.fromEntries(kinds),
      ms,
    );
    expect(surprises.slice(0, 10)).toEqual([]);
    expect(sent).toBe(10_000);
    expect(kinds.size).toBe(8);

    expect(await storedKeys()).toEqual(before);
    expect((await env.ASSEMBLE_STATUS.list()).keys.length).toBe(statusKeysBefore);
    // A normal upload still works (another project: a fresh assembly, not a cached answer).
    await uploadBreakpad(token, "after");
  }, 600_000);
});
