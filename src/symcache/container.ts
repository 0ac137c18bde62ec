/**
 * Writes the symcache container around the builder's pages: the header, each page compressed as
 * raw DEFLATE, then the index of pages and the trailer (docs/symcache-format.md). Pages stream
 * through to a sink as they come, so the container is never held whole; only its index (16 bytes
 * a page) is.
 */
import { deflateRawSync } from "node:zlib";
import {
  archCode,
  FLAG_DEFLATE,
  HEADER_SIZE,
  INDEX_ENTRY_SIZE,
  SYMCACHE_MAGIC,
  SYMCACHE_VERSION,
  TRAILER_SIZE,
  Trailer,
} from "./format";

/** Where the container bytes go, in order. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
  /** For hosts that cannot wait (a builder without JSPI, in Node): the same, synchronously. */
  writeSync?(bytes: Uint8Array): void;
}

export interface SymcacheIdentity {
  /** Canonical debug id text (`uuid` or `uuid-age`). */
  debugId: string;
  /** symbolic's arch name. */
  arch: string;
}

/**
 * DEFLATE level: a page is written once and read many times, but the final merge that writes
 * every page runs alone, after all units. On the pages of a 100 MiB dSYM's symcache (74 MiB raw)
 * level 4 costs 0.77 s of CPU for 16.0 MiB, level 6 1.28 s for 15.1 MiB, level 1 0.59 s for
 * 17.3 MiB: 4 buys most of the speed for 6% more bytes.
 */
const LEVEL = 4;

export class SymcacheWriter {
  private offset = 0;
  private readonly index: number[] = [];
  private lastFirst = -1;

  constructor(
    private readonly sink: ByteSink,
    private readonly identity: SymcacheIdentity,
  ) {}

  /** Bytes written so far. */
  get size(): number {
    return this.offset;
  }

  get pages(): number {
    return this.index.length / 3;
  }

  private async emit(bytes: Uint8Array): Promise<void> {
    await this.sink.write(bytes);
    this.offset += bytes.byteLength;
  }

  /** Adds one page (raw, as the builder wrote it) whose first range starts at `firstAddress`. */
  async addPage(raw: Uint8Array, firstAddress: number): Promise<void> {
    if (this.offset === 0) await this.emit(header());
    await this.emit(this.pack(raw, firstAddress));
  }

  /** `addPage` through the sink's `writeSync`. */
  addPageSync(raw: Uint8Array, firstAddress: number): void {
    const sink = this.sink;
    if (!sink.writeSync) throw new Error("this sink cannot write synchronously");
    const put = (bytes: Uint8Array) => {
      sink.writeSync?.(bytes);
      this.offset += bytes.byteLength;
    };
    if (this.offset === 0) put(header());
    put(this.pack(raw, firstAddress));
  }

  private pack(raw: Uint8Array, firstAddress: number): Uint8Array {
    if (firstAddress <= this.lastFirst) throw new Error("symcache pages must come in address order");
    this.lastFirst = firstAddress;
    const packed = new Uint8Array(deflateRawSync(raw, { level: LEVEL }));
    this.index.push(firstAddress, this.offset, packed.byteLength);
    return packed;
  }

  /**
   * Writes the index and the trailer; returns the container's size. `ilOffsetBits`: a .NET
   * symcache's address layout, from the builder's report (0 for native addresses).
   */
  async finish(ilOffsetBits = 0): Promise<number> {
    if (this.offset === 0) await this.emit(header());
    const pages = this.pages;
    const indexOffset = this.offset;
    const tail = new Uint8Array(pages * INDEX_ENTRY_SIZE + TRAILER_SIZE);
    const view = new DataView(tail.buffer);
    for (let i = 0; i < pages; i++) {
      const at = i * INDEX_ENTRY_SIZE;
      const offset = this.index[i * 3 + 1] as number;
      view.setUint32(at, this.index[i * 3] as number, true);
      view.setUint32(at + 4, offset >>> 0, true);
      view.setUint32(at + 8, Math.floor(offset / 2 ** 32), true);
      view.setUint32(at + 12, this.index[i * 3 + 2] as number, true);
    }
    const t = pages * INDEX_ENTRY_SIZE;
    view.setUint32(t + Trailer.magic, SYMCACHE_MAGIC, true);
    view.setUint32(t + Trailer.version, SYMCACHE_VERSION, true);
    tail.set(debugIdBytes(this.identity.debugId), t + Trailer.debugId);
    view.setUint32(t + Trailer.arch, archCode(this.identity.arch), true);
    view.setUint32(t + Trailer.numPages, pages, true);
    view.setUint32(t + Trailer.indexOffsetLow, indexOffset >>> 0, true);
    view.setUint32(t + Trailer.indexOffsetHigh, Math.floor(indexOffset / 2 ** 32), true);
    view.setUint32(t + Trailer.flags, FLAG_DEFLATE, true);
    view.setUint32(t + Trailer.ilOffsetBits, ilOffsetBits, true);
    await this.emit(tail);
    return this.offset;
  }
}

function header(): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SYMCACHE_MAGIC, true);
  view.setUint32(4, SYMCACHE_VERSION, true);
  return bytes;
}

/** symbolic's in-memory DebugId layout: 16 UUID bytes as printed, u32 LE appendix, 11 zero bytes, type 0. */
export function debugIdBytes(text: string): Uint8Array {
  const out = new Uint8Array(32);
  const hex = text.replace(/-/g, "").toLowerCase();
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16) || 0;
  const appendix = hex.length > 32 ? Number.parseInt(hex.slice(32, 40), 16) || 0 : 0;
  new DataView(out.buffer).setUint32(16, appendix >>> 0, true);
  return out;
}

/** A sink that keeps the bytes in memory (small files, tests). */
export class MemorySink implements ByteSink {
  private readonly parts: Uint8Array[] = [];
  write(bytes: Uint8Array): Promise<void> {
    this.writeSync(bytes);
    return Promise.resolve();
  }
  writeSync(bytes: Uint8Array): void {
    this.parts.push(bytes);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
