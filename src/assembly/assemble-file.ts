/**
 * Assembles a file from its chunks: reads them in request order (a chunk listed twice is read
 * twice: order and multiplicity both matter) through one SHA-1 and, if the digest is the checksum
 * the client reported, returns the manifest that describes the file.
 *
 * Each chunk is read whole (`arrayBuffer()`) and written to the digest in one piece, with the
 * next chunks already being read: up to `readAheadBytes` of them (READ_AHEAD_BYTES), so memory is
 * the chunk being hashed plus that budget, whatever the file's size. Piping an R2 body into the
 * digest stream instead moved it in small pieces and was 4-5x slower (docs/upload-throughput.md).
 * A Breakpad file, until its record scan is final, also goes through JavaScript in slices.
 */
import { bytesToHex } from "../common/hex";
import { BreakpadRecordScanner, type BreakpadRecords } from "../identify/breakpad";
import { chunkKey } from "../storage/keys";
import type { FileManifest } from "../storage/file-store";
import { CHUNK_SIZE } from "../upload/limits";

export type AssembleOutcome =
  | { ok: true; manifest: FileManifest; breakpadRecords?: BreakpadRecords }
  | { ok: false; reason: "missing_chunk" | "checksum_mismatch"; detail: string };

/** Chunk bytes requested ahead of the one being hashed, at most (two chunks of sentry-cli's size). */
export const READ_AHEAD_BYTES = 2 * CHUNK_SIZE;
/** The Breakpad record scan takes a chunk in slices this large (it stops early once final). */
const SCAN_SLICE = 64 * 1024;

const BREAKPAD_MAGIC = new TextEncoder().encode("MODULE ");

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.byteLength >= prefix.byteLength && prefix.every((b, i) => bytes[i] === b);
}

/** `size` is the chunk's size as the ownership ledger knows it: it only sizes the read-ahead. */
export async function assembleFile(
  bucket: R2Bucket,
  checksum: string,
  chunks: { sha1: string; size: number }[],
  readAheadBytes = READ_AHEAD_BYTES,
): Promise<AssembleOutcome> {
  const reads = new ChunkReads(bucket, chunks, readAheadBytes);
  const digest = new crypto.DigestStream("SHA-1");
  const writer = digest.getWriter();
  let size = 0;
  const stored: { sha1: string; size: number }[] = [];
  // A Breakpad file is also scanned for its record kinds on the way (identification would
  // otherwise read it all again).
  let breakpad: BreakpadRecordScanner | null = null;
  for (let i = 0; i < chunks.length; i++) {
    const bytes = await reads.next();
    if (!bytes) {
      // An aborted digest rejects its promises: nobody waits for them any more.
      digest.digest.catch(() => undefined);
      writer.closed.catch(() => undefined);
      await writer.abort().catch(() => undefined);
      return { ok: false, reason: "missing_chunk", detail: "Not all chunks available for assembling" };
    }
    if (i === 0 && startsWith(bytes, BREAKPAD_MAGIC)) breakpad = new BreakpadRecordScanner();
    for (let at = 0; breakpad && !breakpad.done && at < bytes.byteLength; at += SCAN_SLICE) {
      breakpad.push(bytes.subarray(at, at + SCAN_SLICE));
    }
    await writer.write(bytes);
    size += bytes.byteLength;
    stored.push({ sha1: (chunks[i] as { sha1: string }).sha1, size: bytes.byteLength });
  }
  await writer.close();
  const actual = bytesToHex(new Uint8Array(await digest.digest));
  if (actual !== checksum) return { ok: false, reason: "checksum_mismatch", detail: "Reported checksum mismatch" };
  const manifest: FileManifest = { version: 1, checksum, size, chunks: stored };
  return breakpad ? { ok: true, manifest, breakpadRecords: breakpad.finish() } : { ok: true, manifest };
}

/**
 * The chunks' bytes in order, each read whole, with reads started ahead while their sizes fit the
 * budget (at least one is always under way). `next()` hands out the next chunk, or null if it is
 * not in the bucket.
 */
class ChunkReads {
  private readonly pending: Promise<Uint8Array | null>[] = [];
  private started = 0;
  private aheadBytes = 0;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly chunks: { sha1: string; size: number }[],
    private readonly budget: number,
  ) {
    this.fill();
  }

  async next(): Promise<Uint8Array | null> {
    const read = this.pending.shift();
    if (!read) return null;
    const handed = this.started - this.pending.length - 1;
    this.aheadBytes -= this.weight(handed);
    this.fill(); // the next reads run while the caller hashes this chunk
    return read;
  }

  private fill(): void {
    while (
      this.started < this.chunks.length &&
      (this.pending.length === 0 || this.aheadBytes + this.weight(this.started) <= this.budget)
    ) {
      this.aheadBytes += this.weight(this.started);
      const key = chunkKey((this.chunks[this.started] as { sha1: string }).sha1);
      const read = this.bucket
        .get(key)
        .then(async (object) => (object ? new Uint8Array(await object.arrayBuffer()) : null));
      // Awaited in order by next(); one given up on (after a missing chunk) must not go unhandled.
      read.catch(() => undefined);
      this.pending.push(read);
      this.started++;
    }
  }

  private weight(i: number): number {
    return Math.max(1, (this.chunks[i] as { size: number }).size);
  }
}
