/**
 * storeChunk when R2 says no: the store fails at once, nothing is left under the chunk's key, and
 * the writes into the put's stream do not wait for a reader that is gone. The route then answers
 * the request with an error and grants nothing (routes/chunk-upload.ts); the client's retry stores
 * the chunk afresh.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeChunk, type HashedChunk } from "../../../src/storage/chunk-store";
import { chunkKey } from "../../../src/storage/keys";
import { randomBytes, sha1Hex } from "../helpers";

/** A chunk as the route hands it over: its bytes in pieces of up to `pieceBytes`, each in its own buffer. */
async function chunkOf(bytes: Uint8Array, pieceBytes: number): Promise<HashedChunk> {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += pieceBytes) pieces.push(bytes.slice(at, at + pieceBytes));
  return { sha1: await sha1Hex(bytes), size: bytes.byteLength, pieces };
}

/** Fails unless `promise` settles within `ms`: a store that hangs is the defect these tests look for. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("storeChunk when R2 refuses the put", () => {
  it("fails when the bytes do not have the SHA-1 it names, and R2 keeps nothing", async () => {
    const chunk = await chunkOf(randomBytes(3 * 1024 * 1024 + 17), 1024 * 1024);
    const claimed = await sha1Hex(randomBytes(64)); // what a piece buffer reused too early would look like to R2
    const wrong = { ...chunk, sha1: claimed };
    await expect(within(storeChunk(env.BUCKET, wrong), 10_000)).rejects.toThrow();
    expect(await env.BUCKET.head(chunkKey(claimed))).toBeNull();
    // The right SHA-1 stores the same pieces afterwards, byte for byte.
    await within(storeChunk(env.BUCKET, chunk), 10_000);
    const stored = await env.BUCKET.get(chunkKey(chunk.sha1));
    expect(await sha1Hex(new Uint8Array(await stored!.arrayBuffer()))).toBe(chunk.sha1);
  });

  it("fails without waiting when the put gives up after reading part of the stream", async () => {
    const chunk = await chunkOf(randomBytes(4 * 1024 * 1024), 256 * 1024);
    let read = 0;
    // The real bucket, except that its put stops reading after the first piece and rejects, as
    // a connection to R2 dropped mid-body would, without cancelling the stream: the writes still
    // queued behind the unread bytes must not hang the store.
    const dropping = {
      head: (key: string) => env.BUCKET.head(key),
      put: async (_key: string, body: ReadableStream<Uint8Array>) => {
        const first = await body.getReader().read();
        read += first.value?.byteLength ?? 0;
        throw new Error("connection to R2 lost");
      },
    } as unknown as R2Bucket;
    await expect(within(storeChunk(dropping, chunk), 10_000)).rejects.toThrow("connection to R2 lost");
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(chunk.size);
    expect(await env.BUCKET.head(chunkKey(chunk.sha1))).toBeNull();
  });

  it("fails without leaving the put waiting when a piece can no longer be written", async () => {
    const chunk = await chunkOf(randomBytes(3 * 1024 * 1024), 1024 * 1024);
    // The last piece's buffer is taken away (detached) before the store, as a buffer handed back
    // to the pool too early and read into again would be: two pieces are written, the third's
    // write throws, and the put, which was promised 3 MiB, must fail rather than wait for the rest.
    const last = chunk.pieces.at(-1)!;
    structuredClone(last.buffer, { transfer: [last.buffer] });
    expect(last.byteLength).toBe(0);
    expect(chunk.pieces[0]!.byteLength).toBe(1024 * 1024);
    await expect(within(storeChunk(env.BUCKET, chunk), 10_000)).rejects.toThrow();
    expect(await env.BUCKET.head(chunkKey(chunk.sha1))).toBeNull();
  });
});
