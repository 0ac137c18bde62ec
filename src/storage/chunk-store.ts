/**
 * Chunk bytes in R2, content-addressed by SHA-1. A chunk is written once: an existing object
 * under the same key has, by construction, the same bytes. R2 re-checks the SHA-1 on write.
 */
import { chunkStream, type VerifiedChunk } from "../upload/chunk-verify";
import { chunkKey } from "./keys";

export async function storeChunk(bucket: R2Bucket, chunk: VerifiedChunk): Promise<void> {
  const key = chunkKey(chunk.sha1);
  if (await bucket.head(key)) return;
  // R2 needs a known length: the size measured during verification is exact.
  const fixed = new FixedLengthStream(chunk.size);
  const piping = chunkStream(chunk).pipeTo(fixed.writable);
  const [, put] = await Promise.all([piping, bucket.put(key, fixed.readable, { sha1: chunk.sha1 })]);
  if (put === null) throw new Error(`R2 refused chunk ${chunk.sha1}`);
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}
