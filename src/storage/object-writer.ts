/**
 * Writes one R2 object from a stream of pieces of unknown total size, without holding it: pieces
 * are gathered into parts of PART_BYTES and uploaded as an R2 multipart upload (R2 wants every
 * part but the last of the same size, at least 5 MiB). An object that stays under one part is
 * written with a single put.
 */
const PART_BYTES = 8 * 1024 * 1024;

export class R2ObjectWriter {
  /** Grows up to PART_BYTES: a small object never costs a whole part of memory. */
  private buffer = new Uint8Array(64 * 1024);
  private filled = 0;
  private upload: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[] = [];
  private written = 0;
  /** R2 operations made (puts and part uploads), for the operation budget. */
  operations = 0;

  constructor(
    private readonly bucket: R2Bucket,
    readonly key: string,
  ) {}

  get size(): number {
    return this.written + this.filled;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.byteLength) {
      const want = Math.min(PART_BYTES, this.filled + bytes.byteLength - at);
      if (want > this.buffer.byteLength) {
        const grown = new Uint8Array(Math.min(PART_BYTES, Math.max(want, this.buffer.byteLength * 2)));
        grown.set(this.buffer.subarray(0, this.filled));
        this.buffer = grown;
      }
      const take = Math.min(bytes.byteLength - at, PART_BYTES - this.filled);
      this.buffer.set(bytes.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === PART_BYTES) await this.flushPart();
    }
  }

  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key);
    this.operations++;
    const part = await this.upload.uploadPart(this.parts.length + 1, this.buffer.slice(0, this.filled));
    this.parts.push(part);
    this.written += this.filled;
    this.filled = 0;
  }

  /** Completes the object; returns its size. */
  async close(): Promise<number> {
    this.operations++;
    if (!this.upload) {
      await this.bucket.put(this.key, this.buffer.slice(0, this.filled));
      this.written = this.filled;
      this.filled = 0;
      return this.written;
    }
    if (this.filled > 0) await this.flushPart();
    await this.upload.complete(this.parts);
    return this.written;
  }

  /** Abandons a multipart upload (R2 also expires abandoned ones after 7 days by default). */
  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => undefined);
  }
}
