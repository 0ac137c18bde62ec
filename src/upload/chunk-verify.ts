/**
 * Receives one chunk part of a chunk-upload request as its bytes arrive: gunzipped if it is a
 * `file_gzip` part, counted and SHA-1-hashed on the way, and kept (at most one chunk's worth)
 * for storing. A part's filename is the lowercase hex SHA-1 of its uncompressed bytes.
 *
 * Decompression is bounded: output is counted as it is produced and the stream is cancelled as
 * soon as it exceeds the chunk size, so a gzip bomb costs at most one chunk of memory.
 */
import { createHash } from "node:crypto";
import { bodyPieces } from "../common/bounded-body";
import type { HashedChunk } from "../storage/chunk-store";
import { CHUNK_SIZE } from "./limits";

/** Sentry's error strings (getsentry/sentry `src/sentry/api/endpoints/chunk.py`). */
export type ChunkRejection =
  "Too many chunks" | "Chunk size too large" | "Request too large" | "Invalid gzip payload" | "Checksum mismatch";

/**
 * A part's uncompressed bytes as they arrived, with their SHA-1 and size: the chunk storage takes
 * (storage/chunk-store.ts). Its pieces are held in the body piece pool (common/piece-pool.ts)
 * until `releaseChunk`.
 */
export type ReceivedChunk = HashedChunk;

/** The part's content, piece by piece, then null (MultipartReader.nextBodyPiece). */
export type PartSource = () => Promise<Uint8Array | null>;

/**
 * Reads a part to its end (or until it is rejected). Errors of the source (a malformed body, a
 * body bound) are thrown as they are; what is wrong with the chunk itself is returned.
 */
export async function receiveChunkPart(
  next: PartSource,
  gzip: boolean,
): Promise<{ ok: true; chunk: ReceivedChunk } | { ok: false; error: ChunkRejection }> {
  const hash = createHash("sha1");
  const pieces: Uint8Array[] = [];
  let size = 0;
  /** Takes uncompressed bytes; false once they exceed one chunk. */
  const take = (piece: Uint8Array): boolean => {
    size += piece.byteLength;
    if (size > CHUNK_SIZE) return false;
    hash.update(piece);
    bodyPieces.hold(piece); // kept past the source's next read (gzip output is not pooled)
    pieces.push(piece);
    return true;
  };
  let verified = false;
  try {
    if (gzip) {
      const rejection = await inflate(next, take);
      if (rejection) return { ok: false, error: rejection };
    } else {
      for (let piece = await next(); piece !== null; piece = await next()) {
        if (!take(piece)) return { ok: false, error: "Chunk size too large" };
      }
    }
    verified = true;
  } finally {
    if (!verified) for (const piece of pieces) bodyPieces.release(piece); // nobody will store them
  }
  return { ok: true, chunk: { sha1: hash.digest("hex"), size, pieces } };
}

/**
 * The chunk's pieces go back to the pool: call once it is stored, or dropped. Not after a failed
 * store: its writes have settled (storeChunk waits for them), but a failure is rare and is where
 * a runtime still holding a buffer would show, so those pieces are left to the collector.
 */
export function releaseChunk(chunk: ReceivedChunk): void {
  for (const piece of chunk.pieces) bodyPieces.release(piece);
  chunk.pieces.length = 0;
}

/**
 * Compressed bytes go into the decompressor at most this many at a time, however large the
 * body's pieces are (common/bounded-body.ts reads chunk uploads in pieces of up to 1 MiB): what
 * one write can expand to stays bounded (deflate's ratio is at most ~1032:1, so ~4 MiB), and the
 * output is counted against the chunk size between writes.
 */
const INFLATE_SLICE = 4096;

/** Writes `piece` in INFLATE_SLICE slices; false once a write fails (the decompressor failed or its output was cancelled). */
async function writeInSlices(writer: WritableStreamDefaultWriter<Uint8Array>, piece: Uint8Array): Promise<boolean> {
  for (let at = 0; at < piece.byteLength; at += INFLATE_SLICE) {
    const written = await writer.write(piece.subarray(at, at + INFLATE_SLICE)).then(
      () => true,
      () => false,
    );
    if (!written) return false;
  }
  return true;
}

/** Feeds the compressed pieces through one gzip decompressor into `take`. */
async function inflate(next: PartSource, take: (piece: Uint8Array) => boolean): Promise<ChunkRejection | null> {
  const decompressor = new DecompressionStream("gzip");
  const writer = decompressor.writable.getWriter();
  const output = decompressor.readable.getReader();
  let rejection: ChunkRejection | null = null;
  const draining = (async () => {
    try {
      for (;;) {
        const { done, value } = await output.read();
        if (done) return;
        if (!take(value)) {
          rejection = "Chunk size too large";
          await output.cancel().catch(() => undefined);
          return;
        }
      }
    } catch {
      rejection ??= "Invalid gzip payload";
    }
  })();
  try {
    for (;;) {
      const piece = await next();
      if (piece === null) {
        await writer.close().catch(() => undefined);
        break;
      }
      if (!(await writeInSlices(writer, piece))) break;
    }
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    await draining;
    throw err;
  }
  await draining;
  return rejection;
}
