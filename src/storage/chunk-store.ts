/**
 * Chunk bytes in R2, content-addressed by SHA-1: an existing object under the same key has, by
 * construction, the same bytes, so it is not written again unless it is old enough that the
 * sweep could soon take it (storage/retention.ts). R2 re-checks the SHA-1 on write.
 */
import { chunkKey } from "./keys";
import { REFRESH_MS } from "./retention";

/** A chunk the server has hashed, in memory as the pieces it arrived in (at most 8 MiB in all). */
export interface HashedChunk {
  sha1: string;
  size: number;
  pieces: Uint8Array[];
}

export async function storeChunk(bucket: R2Bucket, chunk: HashedChunk): Promise<void> {
  const key = chunkKey(chunk.sha1);
  const existing = await bucket.head(key);
  if (existing && Date.now() - existing.uploaded.getTime() < REFRESH_MS) return;
  // The pieces go to R2 as one stream of known length, a write per piece (up to 1 MiB each:
  // common/bounded-body.ts), instead of being copied into one buffer first, which held every
  // chunk twice for a moment: a chunk upload now holds what its memory budget says. Once the put
  // has resolved, R2 has every byte, and the caller may hand the pieces' buffers back for reuse.
  // Each side ends the other when it fails, so that both settle and the store returns with no
  // write and no put left pending: a put that fails aborts the writes still waiting for it, and
  // a write that fails aborts the stream, so the put fails instead of waiting for bytes that will
  // not come (workerd already errors the stream when a write of a detached buffer throws; the
  // abort makes it so for any failed write).
  const { readable, writable } = new FixedLengthStream(chunk.size);
  const writer = writable.getWriter();
  const put = bucket.put(key, readable, { sha1: chunk.sha1 }).catch(async (err: unknown) => {
    await writer.abort(err).catch(() => undefined);
    throw err;
  });
  const write = (async () => {
    try {
      for (const piece of chunk.pieces) await writer.write(piece);
      await writer.close();
    } catch (err) {
      await writer.abort(err).catch(() => undefined);
      throw err;
    }
  })();
  const [stored, written] = await Promise.allSettled([put, write]);
  if (stored.status === "rejected") throw stored.reason; // R2's reason says more than the stream's
  if (written.status === "rejected") throw written.reason;
  if (stored.value === null) throw new Error(`R2 refused chunk ${chunk.sha1}`);
}
