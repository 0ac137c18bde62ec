/**
 * Reusable buffers for the pieces of bulk request bodies (common/bounded-body.ts).
 *
 * A chunk upload reads its body in pieces of up to 1 MiB, and a piece lives on after the read: the
 * multipart reader slices it, the chunk it belongs to keeps its slices until the chunk is in R2.
 * Dropped after that, every piece became garbage that V8 collects by its own thresholds for
 * memory held outside its heap (tens of MiB above what is live), so a long upload left the
 * isolate's footprint well above what the requests were actually holding. Pieces taken from
 * here go back here when the last holder is done with them, and the next read fills them again.
 *
 * Every holder of a slice of a pooled buffer counts: the reader that filled it, then each
 * consumer that keeps a slice beyond its next read (`hold`), and each one hands its count back
 * (`release`). A buffer returns to the pool only at zero. A holder that never releases (a request
 * that failed midway) costs nothing worse than before: the counts live in a WeakMap, so such a
 * buffer is simply collected. Buffers that did not come from the pool (copies, gzip output) pass
 * through `hold` and `release` untouched.
 */
/** Free buffers `trim` keeps. */
const MIN_FREE = 4;

export class PiecePool {
  private readonly free: ArrayBufferLike[] = [];
  private readonly holders = new WeakMap<ArrayBufferLike, number>();
  /** Buffers handed out by `take` and not yet back (a holder that never released counts on). */
  private lent = 0;
  private created = 0;
  private reused = 0;

  /**
   * @param pieceBytes the size of every buffer
   * @param maxFree the most buffers kept for reuse while nothing holds them (a buffer released
   *   beyond that is left to the garbage collector); `trim` gives back all but a few
   */
  constructor(
    readonly pieceBytes: number,
    readonly maxFree: number,
  ) {}

  /** An empty buffer of `pieceBytes` to read into, reused if one is free. */
  take(): Uint8Array {
    this.lent++;
    const buffer = this.free.pop();
    if (buffer) {
      this.reused++;
      return new Uint8Array(buffer);
    }
    this.created++;
    return new Uint8Array(this.pieceBytes);
  }

  /**
   * Starts counting holders of the buffer a read filled, with the reader as the first. (A BYOB
   * read transfers the buffer it is given: the filled view is on a new ArrayBuffer object.)
   */
  adopt(filled: Uint8Array): void {
    if (filled.buffer.byteLength === this.pieceBytes) this.holders.set(filled.buffer, 1);
  }

  /** Gives back a buffer from `take` that a read filled but nobody holds (its bytes were copied out). */
  giveBack(filled: Uint8Array): void {
    if (!this.holders.has(filled.buffer)) this.recycle(filled.buffer);
  }

  /** One more holder of `view`'s buffer, which must already be held by the caller's source. */
  hold(view: Uint8Array): void {
    const count = this.holders.get(view.buffer);
    if (count !== undefined) this.holders.set(view.buffer, count + 1);
  }

  /** One holder fewer; at none, the buffer is free to be read into again. */
  release(view: Uint8Array): void {
    const buffer = view.buffer;
    const count = this.holders.get(buffer);
    if (count === undefined) return;
    if (count > 1) {
      this.holders.set(buffer, count - 1);
      return;
    }
    this.holders.delete(buffer);
    this.recycle(buffer);
  }

  private recycle(buffer: ArrayBufferLike): void {
    this.lent = Math.max(0, this.lent - 1);
    // A buffer the runtime detached (transferred elsewhere) has no bytes left to reuse.
    if (buffer.byteLength === this.pieceBytes && this.free.length < this.maxFree) this.free.push(buffer);
  }

  /** Keeps MIN_FREE free buffers and leaves the rest to the collector: call when the work that used them stops. */
  trim(): void {
    if (this.free.length > MIN_FREE) this.free.length = MIN_FREE;
  }

  /** Buffers allocated, reads that reused one, and buffers free and lent out now (for tests and benches). */
  stats(): { created: number; reused: number; free: number; lent: number } {
    return { created: this.created, reused: this.reused, free: this.free.length, lent: this.lent };
  }
}
