import { describe, expect, it } from "vitest";
import { MultipartError, MultipartReader, formDataBoundary } from "../../../src/common/multipart-reader";

const enc = new TextEncoder();
const dec = new TextDecoder();
const LIMITS = { maxHeaderBytes: 1024, maxParts: 100 };

/** A stream handing out `bytes` cut at the given offsets (each piece a copy, added to `sent`). */
function streamOf(
  bytes: Uint8Array,
  cuts: number[] = [],
  sent: Uint8Array[] = [],
): ReadableStreamDefaultReader<Uint8Array> {
  const edges = [0, ...cuts.filter((c) => c > 0 && c < bytes.byteLength), bytes.byteLength];
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i + 1 >= edges.length) return controller.close();
      const piece = bytes.slice(edges[i], edges[i + 1]);
      sent.push(piece);
      controller.enqueue(piece);
      i++;
    },
  }).getReader();
}

/**
 * A release callback that poisons what it is given, as a pool reusing the buffer would: a reader
 * that released a piece it still reads from, or a view it has yet to hand out, parses garbage.
 */
function poisoningRelease(): { release: (piece: Uint8Array) => void; count: (piece: Uint8Array) => number } {
  const released = new Map<Uint8Array, number>();
  return {
    release: (piece) => {
      piece.fill(0xee);
      released.set(piece, (released.get(piece) ?? 0) + 1);
    },
    count: (piece) => released.get(piece) ?? 0,
  };
}

interface ParsedPart {
  name: string | null;
  filename: string | null;
  contentType: string | null;
  body: string;
}

/**
 * The parts of `bytes` read in pieces cut at `cuts`, each source piece poisoned as soon as the
 * reader releases it; once the body is read, every piece must have been released exactly once.
 */
async function parse(bytes: Uint8Array, boundary: string, cuts: number[] = [], limits = LIMITS): Promise<ParsedPart[]> {
  const sent: Uint8Array[] = [];
  const poison = poisoningRelease();
  const reader = new MultipartReader(streamOf(bytes, cuts, sent), boundary, limits, poison.release);
  const parts: ParsedPart[] = [];
  for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
    const pieces: Uint8Array[] = [];
    for (let piece = await reader.nextBodyPiece(); piece; piece = await reader.nextBodyPiece())
      pieces.push(piece.slice());
    parts.push({ ...part, body: Buffer.concat(pieces).toString("latin1") });
  }
  const releases = sent.map(poison.count);
  if (releases.some((n) => n !== 1)) throw new Error(`source pieces released ${releases.join(",")} times`);
  return parts;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "parsed";
  } catch (err) {
    return err instanceof MultipartError ? err.message : `not a MultipartError: ${String(err)}`;
  }
}

/** Bodies whose content is hard for a boundary scanner: CRs, LFs and near-delimiters. */
const TRICKY = [
  "",
  "plain",
  "\r",
  "\r\n",
  "ends with CR\r",
  "ends with CRLF\r\n",
  "\r\n-",
  "\r\n--",
  "\r\n--bound",
  "--bound",
  "a\r\n--boundar\r\nb",
  "x--boundary\r\n inside a line",
];

function body(parts: { name: string; filename?: string; content: string }[], boundary = "boundary"): string {
  return (
    parts
      .map(
        (p) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"` +
          (p.filename !== undefined ? `; filename="${p.filename}"` : "") +
          `\r\n\r\n${p.content}\r\n`,
      )
      .join("") + `--${boundary}--\r\n`
  );
}

describe("formDataBoundary", () => {
  it("reads the boundary of multipart/form-data, quoted or not, any case", () => {
    expect(formDataBoundary("multipart/form-data; boundary=abc")).toBe("abc");
    expect(formDataBoundary('Multipart/Form-Data; charset=utf-8; BOUNDARY="a b;c"')).toBe("a b;c");
  });

  it("refuses other types, a missing boundary and one longer than 70 characters", () => {
    expect(formDataBoundary("multipart/mixed; boundary=abc")).toBeNull();
    expect(formDataBoundary("multipart/form-data")).toBeNull();
    expect(formDataBoundary(`multipart/form-data; boundary=${"x".repeat(71)}`)).toBeNull();
    expect(formDataBoundary(null)).toBeNull();
  });
});

describe("MultipartReader", () => {
  it("reads what Node's own FormData serializer writes", async () => {
    const form = new FormData();
    form.append("file", new Blob([enc.encode("first\r\n--chunk")]), "0123abcd");
    form.append("field", "a value");
    form.append("file_gzip", new Blob([new Uint8Array([0x1f, 0x8b, 13, 10, 45, 45])]), "feed");
    const request = new Request("http://127.0.0.1/", { method: "POST", body: form });
    const boundary = formDataBoundary(request.headers.get("content-type"))!;
    const parts = await parse(new Uint8Array(await request.arrayBuffer()), boundary);
    expect(parts.map(({ name, filename }) => ({ name, filename }))).toEqual([
      { name: "file", filename: "0123abcd" },
      { name: "field", filename: null },
      { name: "file_gzip", filename: "feed" },
    ]);
    expect(parts[0]!.body).toBe("first\r\n--chunk");
    expect(parts[0]!.contentType).toBe("application/octet-stream");
    expect(parts[1]!.body).toBe("a value");
    expect(parts[2]!.body).toBe("\x1f\x8b\r\n--");
  });

  it("finds the same parts whatever the body is cut into, at every offset", async () => {
    const parts = TRICKY.map((content, i) => ({ name: `f${i}`, filename: `n${i}`, content }));
    const bytes = enc.encode(body(parts));
    const expected = parts.map((p) => ({ name: p.name, filename: p.filename, contentType: null, body: p.content }));
    expect(await parse(bytes, "boundary")).toEqual(expected);
    for (let cut = 1; cut < bytes.byteLength; cut++) {
      expect(await parse(bytes, "boundary", [cut])).toEqual(expected);
    }
    // Every byte its own read, and cuts at two offsets around each delimiter.
    expect(await parse(bytes, "boundary", [...bytes.keys()])).toEqual(expected);
    const text = dec.decode(bytes);
    for (let at = text.indexOf("\r\n--boundary"); at >= 0; at = text.indexOf("\r\n--boundary", at + 1)) {
      for (let a = at - 2; a < at + 16; a++) {
        for (let b = a + 1; b < at + 18; b++) expect(await parse(bytes, "boundary", [a, b])).toEqual(expected);
      }
    }
  });

  it("ignores the preamble and the epilogue, and allows padding after a delimiter", async () => {
    const text =
      "preamble, even with --boundary inside a line\r\n--boundary \t\r\n" +
      'Content-Disposition: form-data; name="a"\r\n\r\nA\r\n--boundary--  epilogue\r\n--boundary\r\nnot a part';
    expect(await parse(enc.encode(text), "boundary")).toEqual([
      { name: "a", filename: null, contentType: null, body: "A" },
    ]);
  });

  it("reads a part with no headers and a body with no part", async () => {
    expect(await parse(enc.encode("--b\r\n\r\nbare\r\n--b--"), "b")).toEqual([
      { name: null, filename: null, contentType: null, body: "bare" },
    ]);
    expect(await parse(enc.encode("--b--\r\n"), "b")).toEqual([]);
  });

  it("skips the unread rest of a part", async () => {
    const bytes = enc.encode(
      body([
        { name: "a", content: "x".repeat(10_000) },
        { name: "b", content: "B" },
      ]),
    );
    const sent: Uint8Array[] = [];
    const poison = poisoningRelease();
    const reader = new MultipartReader(streamOf(bytes, [100, 5000], sent), "boundary", LIMITS, poison.release);
    expect((await reader.nextPart())!.name).toBe("a");
    expect((await reader.nextBodyPiece())!.byteLength).toBeGreaterThan(0);
    expect((await reader.nextPart())!.name).toBe("b");
    expect(dec.decode((await reader.nextBodyPiece())!)).toBe("B");
    expect(await reader.nextBodyPiece()).toBeNull();
    expect(await reader.nextPart()).toBeNull();
    expect(sent.map(poison.count)).toEqual([1, 1, 1]);
  });

  it("hands out a view before releasing its piece, and keeps a held view intact", async () => {
    // A consumer that keeps views (as a chunk does until it is stored) and holds them: the views
    // it was handed stay readable while the reader moves on, whatever the cuts.
    const content = "0123456789".repeat(50);
    const bytes = enc.encode(body([{ name: "a", filename: "x", content }]));
    for (const step of [1, 7, 64, 333]) {
      const cuts = Array.from({ length: Math.ceil(bytes.byteLength / step) }, (_, i) => i * step);
      const poison = poisoningRelease();
      const held = new Set<ArrayBufferLike>();
      const reader = new MultipartReader(streamOf(bytes, cuts), "boundary", LIMITS, (piece) => {
        if (!held.has(piece.buffer)) poison.release(piece);
      });
      const views: Uint8Array[] = [];
      await reader.nextPart();
      for (let view = await reader.nextBodyPiece(); view; view = await reader.nextBodyPiece()) {
        expect(view.includes(0xee)).toBe(false);
        views.push(view);
        // The consumer's hold: its source piece is kept from the poison.
        held.add(view.buffer);
      }
      expect(dec.decode(Buffer.concat(views))).toBe(content);
    }
  });

  it("refuses a body without the closing delimiter, wherever it stops", async () => {
    const full = body([{ name: "a", filename: "f", content: "content" }]);
    const end = full.indexOf("--boundary--");
    for (let cut = 0; cut < end + 11; cut++) {
      expect(await failure(parse(enc.encode(full.slice(0, cut)), "boundary"))).toMatch(
        /ends inside|no multipart boundary/,
      );
    }
  });

  it("refuses a malformed delimiter line, bad headers, huge headers and too many parts", async () => {
    expect(await failure(parse(enc.encode("no delimiter at all"), "b"))).toBe("no multipart boundary in the body");
    // A longer boundary starting with this one: RFC 2046 forbids such content, so it is malformed.
    expect(await failure(parse(enc.encode("--bX\r\n\r\nx\r\n--b--"), "b"))).toBe("malformed boundary line");
    expect(await failure(parse(enc.encode("--b junk\r\n\r\nx\r\n--b--"), "b"))).toBe("malformed boundary line");
    expect(await failure(parse(enc.encode("--b\r\nno colon here\r\n\r\nx\r\n--b--"), "b"))).toBe(
      "malformed part header",
    );
    const huge = `--b\r\nX-Pad: ${"p".repeat(2000)}\r\n\r\nx\r\n--b--`;
    expect(await failure(parse(enc.encode(huge), "b"))).toBe("part headers too large");
    expect(
      await failure(
        parse(
          enc.encode(huge),
          "b",
          [...Array(200).keys()].map((i) => i * 10),
        ),
      ),
    ).toBe("part headers too large");
    const many = body(Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, content: "" })));
    expect(await failure(parse(enc.encode(many), "boundary"))).toBe("too many parts");
  });

  it("treats a nested multipart as the opaque content of its part", async () => {
    const inner = body([{ name: "file", filename: "inner", content: "inner" }], "inner");
    const outer = `--outer\r\nContent-Disposition: form-data; name="file"; filename="x"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n${inner}\r\n--outer--`;
    const parts = await parse(enc.encode(outer), "outer");
    expect(parts).toEqual([
      { name: "file", filename: "x", contentType: "multipart/mixed; boundary=inner", body: inner },
    ]);
  });

  it("reads filenames with escapes and semicolons", async () => {
    const text = '--b\r\ncontent-disposition: form-data; name="file"; filename="a\\"b;c"\r\n\r\nx\r\n--b--';
    expect((await parse(enc.encode(text), "b"))[0]!.filename).toBe('a"b;c');
  });
});
