/**
 * Chunk bytes in R2, content-addressed by SHA-1: an existing object under the same key has, by
 * construction, the same bytes, so it is not written again unless it is old enough that the
 * sweep could soon take it (storage/retention.ts). R2 re-checks the SHA-1 on write.
 */
import { chunkKey } from "./keys";
import { REFRESH_MS } from "./retention";

/** A chunk the server has hashed: its bytes can be streamed (again) for storing. */
export interface HashedChunk {
  sha1: string;
  /** Exact uncompressed size, measured while hashing: R2 needs a known stream length. */
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

export async function storeChunk(bucket: R2Bucket, chunk: HashedChunk): Promise<void> {
  const key = chunkKey(chunk.sha1);
  const existing = await bucket.head(key);
  if (existing && Date.now() - existing.uploaded.getTime() < REFRESH_MS) return;
  const fixed = new FixedLengthStream(chunk.size);
  const piping = chunk.stream().pipeTo(fixed.writable);
  const [, put] = await Promise.all([piping, bucket.put(key, fixed.readable, { sha1: chunk.sha1 })]);
  if (put === null) throw new Error(`R2 refused chunk ${chunk.sha1}`);
}
