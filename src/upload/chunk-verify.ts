/**
 * Verifies the chunks of one chunk-upload request before anything is stored.
 *
 * A part is `file` (raw bytes) or `file_gzip` (one gzip stream); its filename is the lowercase
 * hex SHA-1 of the uncompressed bytes. Decompression is bounded: output is counted as it is
 * produced and the stream is cancelled as soon as it exceeds the chunk size, so a gzip bomb
 * costs at most one chunk of memory (in fact, one decompressor window at a time).
 */
import { createHash } from "node:crypto";
import { CHUNK_SIZE, MAX_CHUNKS_PER_REQUEST, MAX_REQUEST_SIZE } from "./limits";

export interface ChunkPart {
  sha1: string;
  gzip: boolean;
  blob: Blob;
}

export interface VerifiedChunk extends ChunkPart {
  /** Uncompressed size, known after verification; stores use it as the exact stream length. */
  size: number;
}

/** Sentry's error strings (getsentry/sentry `src/sentry/api/endpoints/chunk.py`). */
export type ChunkRejection =
  "Too many chunks" | "Chunk size too large" | "Request too large" | "Invalid gzip payload" | "Checksum mismatch";

export type VerifyResult = { ok: true; chunks: VerifiedChunk[] } | { ok: false; error: ChunkRejection };

export function chunkStream(part: ChunkPart): ReadableStream<Uint8Array> {
  const raw = part.blob.stream() as ReadableStream<Uint8Array>;
  return part.gzip ? raw.pipeThrough<Uint8Array>(new DecompressionStream("gzip")) : raw;
}

export async function verifyChunks(parts: ChunkPart[]): Promise<VerifyResult> {
  if (parts.length > MAX_CHUNKS_PER_REQUEST) return { ok: false, error: "Too many chunks" };
  const chunks: VerifiedChunk[] = [];
  let total = 0;
  for (const part of parts) {
    if (!part.gzip && part.blob.size > CHUNK_SIZE) return { ok: false, error: "Chunk size too large" };
    const measured = await hashBounded(part);
    if (!measured.ok) return measured;
    total += measured.size;
    if (total > MAX_REQUEST_SIZE) return { ok: false, error: "Request too large" };
    if (measured.sha1 !== part.sha1) return { ok: false, error: "Checksum mismatch" };
    chunks.push({ ...part, size: measured.size });
  }
  return { ok: true, chunks };
}

async function hashBounded(
  part: ChunkPart,
): Promise<{ ok: true; sha1: string; size: number } | { ok: false; error: ChunkRejection }> {
  const hash = createHash("sha1");
  const reader = chunkStream(part).getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > CHUNK_SIZE) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, error: "Chunk size too large" };
      }
      hash.update(value);
    }
  } catch {
    // Only decompression can fail here: the raw bytes are already in memory.
    return { ok: false, error: "Invalid gzip payload" };
  }
  return { ok: true, sha1: hash.digest("hex"), size };
}
