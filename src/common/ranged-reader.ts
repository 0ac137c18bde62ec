/**
 * Random access to a stored file without loading it: the only way the identification and
 * symcache code see a debug file. Implementations: an in-memory buffer (tests, small files) and
 * the chunk-manifest reader over R2 (storage/file-reader.ts).
 */
export interface RangedReader {
  /** Total size of the file in bytes. */
  readonly size: number;
  /**
   * Reads `length` bytes at `offset`. Reads past the end are clamped: the result is shorter
   * (possibly empty), never an exception. Callers check the length they got.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A reader over bytes already in memory. */
export class BufferReader implements RangedReader {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(start + Math.max(0, length), this.size);
    return Promise.resolve(this.bytes.subarray(start, end));
  }
}
