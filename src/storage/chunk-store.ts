/**
 * Chunk bytes in R2, content-addressed by SHA-1: an existing object under the same key has, by
 * construction, the same bytes, so it is not written again unless it is old enough that the
 * sweep could soon take it (storage/retention.ts). R2 re-checks the SHA-1 on write.
 */
import { chunkKey } from "./keys";
import { REFRESH_MS } from "./retention";

/** A chunk the server has hashed, whole in memory (a chunk is at most 8 MiB). */
export interface HashedChunk {
  sha1: string;
  bytes: Uint8Array;
}

export async function storeChunk(bucket: R2Bucket, chunk: HashedChunk): Promise<void> {
  const key = chunkKey(chunk.sha1);
  const existing = await bucket.head(key);
  if (existing && Date.now() - existing.uploaded.getTime() < REFRESH_MS) return;
  const put = await bucket.put(key, chunk.bytes, { sha1: chunk.sha1 });
  if (put === null) throw new Error(`R2 refused chunk ${chunk.sha1}`);
}
