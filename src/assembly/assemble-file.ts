/**
 * Assembles a file from its chunks: reads them in request order (a chunk listed twice is read
 * twice: order and multiplicity both matter) through one SHA-1 and, if the digest is the checksum
 * the client reported, returns the manifest that describes the file.
 *
 * Each chunk is read whole into a buffer and written to the digest in one piece, with the next
 * READ_AHEAD chunks already being read. The buffers (READ_AHEAD + 1, each the size of the
 * file's largest chunk) are reused from chunk to chunk, so memory is fixed whatever the file's
 * size and no garbage piles up. Piping each R2 body into the digest stream instead moved it in
 * small pieces and was 6-9x slower (docs/upload-throughput.md). A Breakpad file, until its
 * record scan is final, also goes through JavaScript in slices.
 */
import { bytesToHex } from "../common/hex";
import { BreakpadRecordScanner, type BreakpadRecords } from "../identify/breakpad";
import { chunkKey } from "../storage/keys";
import type { FileManifest } from "../storage/file-store";

export type AssembleOutcome =
  | { ok: true; manifest: FileManifest; breakpadRecords?: BreakpadRecords }
  | { ok: false; reason: "missing_chunk" | "checksum_mismatch"; detail: string };

/** Chunks read ahead of the one being hashed (two: as fast as four in the micro-bench). */
export const READ_AHEAD = 2;
/** The Breakpad record scan takes a chunk in slices this large (it stops early once final). */
const SCAN_SLICE = 64 * 1024;

const BREAKPAD_MAGIC = new TextEncoder().encode("MODULE ");

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.byteLength >= prefix.byteLength && prefix.every((b, i) => bytes[i] === b);
}

/** `size` is the chunk's size as the ownership ledger knows it: it only sizes the buffers. */
export async function assembleFile(
  bucket: R2Bucket,
  checksum: string,
  chunks: { sha1: string; size: number }[],
  readAhead = READ_AHEAD,
): Promise<AssembleOutcome> {
  const reads = new ChunkReads(bucket, chunks, readAhead);
  const digest = new crypto.DigestStream("SHA-1");
  const writer = digest.getWriter();
  let size = 0;
  const stored: { sha1: string; size: number }[] = [];
  // A Breakpad file is also scanned for its record kinds on the way (identification would
  // otherwise read it all again).
  let breakpad: BreakpadRecordScanner | null = null;
  for (let i = 0; i < chunks.length; i++) {
    const read = await reads.next();
    if (!read) {
      reads.stop();
      // An aborted digest rejects its promises: nobody waits for them any more.
      digest.digest.catch(() => undefined);
      writer.closed.catch(() => undefined);
      await writer.abort().catch(() => undefined);
      return { ok: false, reason: "missing_chunk", detail: "Not all chunks available for assembling" };
    }
    const bytes = read.bytes;
    if (i === 0 && startsWith(bytes, BREAKPAD_MAGIC)) breakpad = new BreakpadRecordScanner();
    for (let at = 0; breakpad && !breakpad.done && at < bytes.byteLength; at += SCAN_SLICE) {
      breakpad.push(bytes.subarray(at, at + SCAN_SLICE));
    }
    await writer.write(bytes);
    read.release(); // hashed: the buffer takes a later chunk
    size += bytes.byteLength;
    stored.push({ sha1: (chunks[i] as { sha1: string }).sha1, size: bytes.byteLength });
  }
  await writer.close();
  const actual = bytesToHex(new Uint8Array(await digest.digest));
  if (actual !== checksum) return { ok: false, reason: "checksum_mismatch", detail: "Reported checksum mismatch" };
  const manifest: FileManifest = { version: 1, checksum, size, chunks: stored };
  return breakpad ? { ok: true, manifest, breakpadRecords: breakpad.finish() } : { ok: true, manifest };
}

interface ChunkRead {
  bytes: Uint8Array;
  /** Gives the buffer back for a later chunk; `bytes` must not be used after. */
  release(): void;
}

/**
 * The chunks' bytes in order, each read whole, `readAhead` reads under way ahead of the chunk the
 * caller holds. `next()` hands out the next chunk, or null if it is not in the bucket.
 */
class ChunkReads {
  private readonly pending: Promise<ChunkRead | null>[] = [];
  private started = 0;
  private readonly free: ArrayBuffer[] = [];
  private allocated = 0;
  private readonly bufferBytes: number;
  private readonly readAhead: number;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly chunks: { sha1: string; size: number }[],
    readAhead: number,
  ) {
    this.readAhead = Math.max(1, readAhead);
    this.bufferBytes = Math.max(1, ...chunks.map((c) => c.size));
    this.fill();
  }

  async next(): Promise<ChunkRead | null> {
    const read = this.pending.shift();
    // Cannot happen while chunks remain: a read is under way unless every buffer is held, and
    // the caller releases its chunk before it asks for the next.
    if (!read) throw new Error("no chunk read under way");
    this.fill(); // the next reads run while the caller hashes this chunk
    return read;
  }

  /** No further reads (the caller has given up on the file). */
  stop(): void {
    this.started = this.chunks.length;
  }

  private fill(): void {
    while (this.started < this.chunks.length && this.pending.length < this.readAhead) {
      // readAhead buffers being filled, one held by the caller
      const buffer = this.free.pop() ?? (this.allocated <= this.readAhead ? this.allocate() : null);
      if (!buffer) return; // every buffer is held: the caller's release() makes room
      const key = chunkKey((this.chunks[this.started] as { sha1: string }).sha1);
      const read = this.read(key, buffer);
      // Awaited in order by next(); one given up on (after a missing chunk) must not go unhandled.
      read.catch(() => undefined);
      this.pending.push(read);
      this.started++;
    }
  }

  private allocate(): ArrayBuffer {
    this.allocated++;
    return new ArrayBuffer(this.bufferBytes);
  }

  private async read(key: string, buffer: ArrayBuffer): Promise<ChunkRead | null> {
    const object = await this.bucket.get(key);
    if (!object) {
      this.release(buffer);
      return null;
    }
    if (object.size > buffer.byteLength) {
      // Larger than the ledger said: read it on its own (never reached by a compliant upload).
      this.release(buffer);
      return { bytes: new Uint8Array(await object.arrayBuffer()), release: () => undefined };
    }
    // workerd's readAtLeast fills the buffer (it is transferred and handed back in `value`).
    const reader = object.body.getReader({ mode: "byob" });
    let view = new Uint8Array(buffer, 0, object.size);
    let filled = 0;
    while (filled < object.size) {
      const { done, value } = await reader.readAtLeast(object.size - filled, view.subarray(filled));
      if (value) {
        view = new Uint8Array(value.buffer, 0, object.size);
        filled += value.byteLength;
      }
      if (done) break;
    }
    reader.releaseLock();
    if (filled !== object.size) throw new Error(`R2 returned ${filled} of ${object.size} bytes of ${key}`);
    return { bytes: view, release: () => this.release(view.buffer) };
  }

  private release(buffer: ArrayBuffer): void {
    this.free.push(buffer);
    this.fill();
  }
}
