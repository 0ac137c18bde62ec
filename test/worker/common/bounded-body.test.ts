/**
 * Bulk request bodies inside workerd: read in whole 1 MiB pieces (the BYOB `readAtLeast` path), byte
 * for byte, still bounded; bodies that are not byte streams, and small bodies, keep the default
 * reads. The chunk-upload route's own behaviour is in routes/chunk-upload.test.ts.
 */
import { describe, expect, it } from "vitest";
import { BodyLimitError, bodyPieces, boundedBody, PIECE_BYTES } from "../../../src/common/bounded-body";
import { concatBytes, randomBytes } from "../helpers";

const bounds = { maxBytes: 64 * 1024 * 1024, idleMs: 5000, deadlineMs: 30_000 };

/** The pieces a bounded body hands out, in order. */
async function pieces(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
  return out;
}

/** Equality of large byte arrays without comparing them element by element in the matcher. */
async function digest(bytes: Uint8Array): Promise<string> {
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `${bytes.byteLength}:${[...sum].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function post(body: BodyInit): Request {
  return new Request("http://127.0.0.1/", { method: "POST", body });
}

describe("bounded bulk bodies in workerd", () => {
  it("reads a request body in large pieces, byte for byte", async () => {
    const sent = randomBytes(3 * PIECE_BYTES + 12345);
    const got = await pieces(boundedBody(post(sent).body, { ...bounds, largePieces: true }).stream);
    expect(await digest(concatBytes(got))).toBe(await digest(sent));
    // Whole pieces but the last: not the runtime's 4 KiB reads.
    expect(got.map((p) => p.byteLength)).toEqual([PIECE_BYTES, PIECE_BYTES, PIECE_BYTES, 12345]);
  });

  it("reads into the buffers its consumer released", async () => {
    const sent = randomBytes(6 * PIECE_BYTES);
    const reader = boundedBody(post(sent).body, { ...bounds, largePieces: true }).stream.getReader();
    const before = bodyPieces.stats();
    const got: Uint8Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      got.push(r.value.slice()); // copied out, then released: the next read may reuse the buffer
      buffers.add(r.value.buffer);
      bodyPieces.release(r.value);
    }
    expect(await digest(concatBytes(got))).toBe(await digest(sent));
    const after = bodyPieces.stats();
    expect(after.reused - before.reused).toBeGreaterThan(0);
    // Fewer buffers than pieces were allocated, and no piece was handed out twice at once.
    expect(after.created - before.created).toBeLessThan(got.length);
  });

  it("hands out a short last piece in a buffer of its own size", async () => {
    const sent = randomBytes(1000);
    const got = await pieces(boundedBody(post(sent).body, { ...bounds, largePieces: true }).stream);
    expect(await digest(concatBytes(got))).toBe(await digest(sent));
    expect(got.every((p) => p.buffer.byteLength === p.byteLength)).toBe(true);
  });

  it("still stops a body larger than its bound", async () => {
    const guard = boundedBody(post(randomBytes(3 * PIECE_BYTES)).body, {
      ...bounds,
      maxBytes: PIECE_BYTES,
      largePieces: true,
    });
    await expect(pieces(guard.stream)).rejects.toBeInstanceOf(BodyLimitError);
    expect(guard.passed()).toBe("too_large");
  });

  it("reads a body that is not a byte stream the default way", async () => {
    const sent = randomBytes(100_000);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < sent.byteLength; at += 1000) controller.enqueue(sent.slice(at, at + 1000));
        controller.close();
      },
    });
    const got = await pieces(boundedBody(source, { ...bounds, largePieces: true }).stream);
    expect(await digest(concatBytes(got))).toBe(await digest(sent));
    expect(got.length).toBe(100);
  });

  it("keeps the default reads for a small JSON body", async () => {
    const sent = randomBytes(300_000);
    const got = await pieces(boundedBody(post(sent).body, bounds).stream);
    expect(await digest(concatBytes(got))).toBe(await digest(sent));
    expect(got.length).toBeGreaterThan(10);
  });
});
