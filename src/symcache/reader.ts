/**
 * Reads symcaches (format version 3, docs/symcache-format.md) without loading them whole: the
 * trailer and index (16 bytes a page) are read once, and a lookup needs exactly one page, which
 * is inflated and kept in a byte-bounded cache. A 300 MiB symcache is answered by an isolate
 * holding a few MiB of it.
 *
 * Everything read is checked before use: the trailer and index against the file size, a page's
 * tables against its length, every index against its table's count and every string offset
 * against the string table. A corrupt symcache yields fewer frames, never an exception.
 */
import { inflateRawSync } from "node:zlib";
import {
  ARCHES,
  FILE_SIZE,
  FLAG_DEFLATE,
  FUNCTION_SIZE,
  HEADER_SIZE,
  INDEX_ENTRY_SIZE,
  LANGUAGES,
  LOCATION_SIZE,
  MAX_FRAMES,
  NONE,
  PAGE_HEADER_SIZE,
  SYMCACHE_MAGIC,
  SYMCACHE_VERSION,
  TRAILER_SIZE,
  Trailer,
} from "./format";
import { basename, cleanPath, joinPath } from "./paths";

export interface SymcacheFrame {
  /** Demangled name (C++ with parameters, no return type; Rust without hash). */
  function: string;
  /** Raw name as stored in the debug file, usually mangled. */
  symbol: string;
  lang?: string;
  absPath?: string;
  /** Basename of `absPath`. */
  filename?: string;
  /** 0 = unknown. */
  lineno: number;
  /** Entry address of the function, image-relative; only on the outermost frame. */
  symAddr?: number;
  /** Where the exact version of `absPath` can be downloaded (a PDB's source server stream). */
  sourceLink?: string;
}

export type IndexResult =
  | { ok: true; index: SymcacheIndex }
  | {
      ok: false;
      reason: "too_short" | "bad_magic" | "unsupported_version" | "truncated" | "inconsistent";
      /** The version found, when it is one this reader does not know. */
      version?: number;
    };

/** Bytes a reader fetches from the end of a symcache first: the trailer and, usually, the index. */
export const TAIL_READ = 64 * 1024;

/** The index of a symcache: which page holds an address, and where that page is. */
export class SymcacheIndex {
  private constructor(
    readonly size: number,
    readonly arch: string,
    readonly debugId: string,
    /** .NET symcaches: the low address bits holding the IL offset; 0 for native addresses. */
    readonly ilOffsetBits: number,
    private readonly firsts: Uint32Array,
    private readonly offsets: Float64Array,
    private readonly lengths: Uint32Array,
  ) {}

  get pages(): number {
    return this.firsts.length;
  }

  /** Bytes of the index the caller needs beyond `tail` (the file's last `tail.byteLength` bytes). */
  static missingIndexBytes(tail: Uint8Array, size: number): number {
    if (tail.byteLength < TRAILER_SIZE) return 0;
    const t = new DataView(tail.buffer, tail.byteOffset + tail.byteLength - TRAILER_SIZE, TRAILER_SIZE);
    const indexOffset =
      t.getUint32(Trailer.indexOffsetLow, true) + t.getUint32(Trailer.indexOffsetHigh, true) * 2 ** 32;
    return Math.max(0, size - tail.byteLength - indexOffset);
  }

  /**
   * Parses the trailer and index from the file's last bytes (`tail`, at least trailer + index)
   * of a file of `size` bytes.
   */
  static parse(tail: Uint8Array, size: number): IndexResult {
    if (size < HEADER_SIZE + TRAILER_SIZE || tail.byteLength < TRAILER_SIZE) return { ok: false, reason: "too_short" };
    const t = new DataView(tail.buffer, tail.byteOffset + tail.byteLength - TRAILER_SIZE, TRAILER_SIZE);
    if (t.getUint32(Trailer.magic, true) !== SYMCACHE_MAGIC) {
      // Version 1 symcaches start with the magic and keep their version there.
      const head = new DataView(tail.buffer, tail.byteOffset, Math.min(8, tail.byteLength));
      const headVersion = head.byteLength === 8 ? head.getUint32(4, true) : SYMCACHE_VERSION;
      if (tail.byteLength === size && head.getUint32(0, true) === SYMCACHE_MAGIC && headVersion !== SYMCACHE_VERSION) {
        return { ok: false, reason: "unsupported_version", version: headVersion };
      }
      return { ok: false, reason: "bad_magic" };
    }
    const version = t.getUint32(Trailer.version, true);
    if (version !== SYMCACHE_VERSION) return { ok: false, reason: "unsupported_version", version };
    const pages = t.getUint32(Trailer.numPages, true);
    const indexOffset =
      t.getUint32(Trailer.indexOffsetLow, true) + t.getUint32(Trailer.indexOffsetHigh, true) * 2 ** 32;
    if (indexOffset + pages * INDEX_ENTRY_SIZE + TRAILER_SIZE !== size || indexOffset < HEADER_SIZE) {
      return { ok: false, reason: "inconsistent" };
    }
    const start = tail.byteLength - TRAILER_SIZE - pages * INDEX_ENTRY_SIZE;
    if (start < 0) return { ok: false, reason: "truncated" };
    const view = new DataView(tail.buffer, tail.byteOffset + start, pages * INDEX_ENTRY_SIZE);
    const firsts = new Uint32Array(pages);
    const offsets = new Float64Array(pages);
    const lengths = new Uint32Array(pages);
    for (let i = 0; i < pages; i++) {
      const at = i * INDEX_ENTRY_SIZE;
      firsts[i] = view.getUint32(at, true);
      offsets[i] = view.getUint32(at + 4, true) + view.getUint32(at + 8, true) * 2 ** 32;
      lengths[i] = view.getUint32(at + 12, true);
      const end = (offsets[i] as number) + (lengths[i] as number);
      if ((offsets[i] as number) < HEADER_SIZE || end > indexOffset) return { ok: false, reason: "inconsistent" };
      if (i > 0 && (firsts[i] as number) <= (firsts[i - 1] as number)) return { ok: false, reason: "inconsistent" };
    }
    if ((t.getUint32(Trailer.flags, true) & FLAG_DEFLATE) === 0 && pages > 0)
      return { ok: false, reason: "inconsistent" };
    const arch = ARCHES[t.getUint32(Trailer.arch, true)] ?? "unknown";
    const debugId = formatDebugId(new Uint8Array(t.buffer, t.byteOffset + Trailer.debugId, 32));
    const ilOffsetBits = t.getUint32(Trailer.ilOffsetBits, true);
    if (ilOffsetBits > 24) return { ok: false, reason: "inconsistent" };
    return { ok: true, index: new SymcacheIndex(size, arch, debugId, ilOffsetBits, firsts, offsets, lengths) };
  }

  /** The page whose range holds `address`, or -1. */
  pageOf(address: number): number {
    let lo = 0;
    let hi = this.firsts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.firsts[mid] as number) <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Where page `i` is in the file. */
  location(i: number): { offset: number; length: number } {
    return { offset: this.offsets[i] as number, length: this.lengths[i] as number };
  }

  /** Bytes this index holds in memory. */
  get bytes(): number {
    return this.firsts.length * 16 + 128;
  }
}

/** One page, inflated and checked: ranges with their frames. */
export class SymcachePage {
  private constructor(
    private readonly view: DataView,
    private readonly bytes: Uint8Array,
    private readonly layout: {
      ranges: number;
      numRanges: number;
      locs: number;
      numLocs: number;
      functions: number;
      numFunctions: number;
      files: number;
      numFiles: number;
      strings: number;
      stringBytes: number;
    },
  ) {}

  /** Inflates and checks one compressed page; null when it is not a sound page. */
  static decode(packed: Uint8Array): SymcachePage | null {
    let raw: Uint8Array;
    try {
      raw = new Uint8Array(inflateRawSync(packed));
    } catch {
      return null;
    }
    return SymcachePage.parse(raw);
  }

  static parse(raw: Uint8Array): SymcachePage | null {
    if (raw.byteLength < PAGE_HEADER_SIZE) return null;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const [numRanges, numLocs, numFunctions, numFiles, stringBytes] = [0, 1, 2, 3, 4].map((i) =>
      view.getUint32(i * 4, true),
    ) as [number, number, number, number, number];
    // Counts are u32, so these sums stay far below 2^53.
    const ranges = PAGE_HEADER_SIZE;
    const locs = ranges + numRanges * 8;
    const functions = locs + numLocs * LOCATION_SIZE;
    const files = functions + numFunctions * FUNCTION_SIZE;
    const strings = files + numFiles * FILE_SIZE;
    if (strings + stringBytes !== raw.byteLength) return null;
    return new SymcachePage(view, raw, {
      ranges,
      numRanges,
      locs,
      numLocs,
      functions,
      numFunctions,
      files,
      numFiles,
      strings,
      stringBytes,
    });
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  /** Frames at an image-relative address, innermost first; `[]` means no symbol there. */
  lookup(address: number): SymcacheFrame[] {
    const { view, layout } = this;
    let lo = 0;
    let hi = layout.numRanges;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (view.getUint32(layout.ranges + mid * 4, true) <= address) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return [];
    let loc = view.getUint32(layout.ranges + layout.numRanges * 4 + (lo - 1) * 4, true);
    const frames: SymcacheFrame[] = [];
    let outerFunction = NONE;
    while (loc !== NONE && loc < layout.numLocs && frames.length < MAX_FRAMES) {
      const at = layout.locs + loc * LOCATION_SIZE;
      const file = view.getUint32(at, true);
      const line = view.getUint32(at + 4, true);
      const fn = view.getUint32(at + 8, true);
      frames.push(this.frame(file, line, fn));
      outerFunction = fn;
      loc = view.getUint32(at + 12, true);
    }
    const outer = frames[frames.length - 1];
    if (outer && outerFunction < layout.numFunctions) {
      const entry = view.getUint32(layout.functions + outerFunction * FUNCTION_SIZE + 8, true);
      if (entry !== NONE) outer.symAddr = entry;
    }
    return frames;
  }

  private frame(file: number, line: number, fn: number): SymcacheFrame {
    const { view, layout } = this;
    let symbol = "?";
    let demangled: string | undefined;
    let lang: string | undefined;
    if (fn < layout.numFunctions) {
      const at = layout.functions + fn * FUNCTION_SIZE;
      symbol = this.string(view.getUint32(at, true)) ?? "?";
      demangled = this.string(view.getUint32(at + 4, true));
      lang = LANGUAGES[view.getUint32(at + 12, true)];
    }
    const frame: SymcacheFrame = { function: demangled ?? symbol, symbol, lineno: line === NONE ? 0 : line };
    if (lang !== undefined) frame.lang = lang;
    if (file < layout.numFiles) {
      const at = layout.files + file * FILE_SIZE;
      const compDir = this.string(view.getUint32(at, true)) ?? "";
      const directory = this.string(view.getUint32(at + 4, true)) ?? "";
      const name = this.string(view.getUint32(at + 8, true)) ?? "";
      const absPath = cleanPath(joinPath(joinPath(compDir, directory), name));
      if (absPath !== "" && absPath !== ".") {
        frame.absPath = absPath;
        frame.filename = basename(absPath);
        const link = this.string(view.getUint32(at + 12, true));
        if (link !== undefined) frame.sourceLink = link;
      }
    }
    return frame;
  }

  /** A ULEB128-length-prefixed string of the string table, or undefined if out of bounds. */
  private string(offset: number): string | undefined {
    const { layout, bytes } = this;
    if (offset === NONE || offset >= layout.stringBytes) return undefined;
    let pos = layout.strings + offset;
    const end = layout.strings + layout.stringBytes;
    let len = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end || shift > 28) return undefined;
      const b = bytes[pos++] ?? 0;
      len += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    if (pos + len > end) return undefined;
    return decoder.decode(bytes.subarray(pos, pos + len));
  }
}

const decoder = new TextDecoder();

/** Canonical DebugId text: hyphenated lowercase UUID, `-<appendix hex>` only when non-zero. */
function formatDebugId(raw: Uint8Array): string {
  const hex = Array.from(raw.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const appendix = ((raw[16] ?? 0) | ((raw[17] ?? 0) << 8) | ((raw[18] ?? 0) << 16) | ((raw[19] ?? 0) << 24)) >>> 0;
  return appendix > 0 ? `${uuid}-${appendix.toString(16)}` : uuid;
}

/** What symbolication needs of a symcache: fetch the pages for some addresses, then look up. */
export interface Symbolizer {
  arch: string;
  /** Not 0 for a .NET symcache: its addresses are `MethodDef row << ilOffsetBits | IL offset`. */
  ilOffsetBits: number;
  /** Makes the pages of these addresses available to `lookup`. */
  prefetch(addresses: readonly number[]): Promise<void>;
  lookup(address: number): SymcacheFrame[];
}

/** Fetches and caches pages of one symcache; pages come from a shared, byte-bounded cache. */
export class PagedSymcache implements Symbolizer {
  readonly arch: string;
  readonly ilOffsetBits: number;

  constructor(
    readonly index: SymcacheIndex,
    private readonly key: string,
    private readonly read: (offset: number, length: number) => Promise<Uint8Array>,
    private readonly cache: PageCache,
    /**
     * A second, larger tier of pages as stored: a page that fell out of `cache` is inflated
     * again (~0.1 ms) instead of fetched again (an R2 request).
     */
    private readonly packed?: PackedPageCache,
  ) {
    this.arch = index.arch;
    this.ilOffsetBits = index.ilOffsetBits;
  }

  async prefetch(addresses: readonly number[]): Promise<void> {
    const wanted = new Set<number>();
    for (const a of addresses) {
      const p = this.index.pageOf(a);
      if (p >= 0 && !this.cache.get(this.pageKey(p))) wanted.add(p);
    }
    await Promise.all(
      [...wanted].map(async (p) => {
        const key = this.pageKey(p);
        let bytes = this.packed?.get(key);
        if (!bytes) {
          const { offset, length } = this.index.location(p);
          bytes = await this.read(offset, length);
          this.packed?.set(key, bytes);
        }
        const page = SymcachePage.decode(bytes);
        if (page) this.cache.set(key, page);
      }),
    );
  }

  lookup(address: number): SymcacheFrame[] {
    if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) return [];
    const p = this.index.pageOf(address);
    if (p < 0) return [];
    return this.cache.get(this.pageKey(p))?.lookup(address) ?? [];
  }

  private pageKey(page: number): string {
    return `${this.key}#${page}`;
  }
}

/** Entries dropped least recently used first, bounded by their total size in bytes. */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();
  private total = 0;
  constructor(
    readonly limit: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    if (size > this.limit) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= this.sizeOf(old);
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.total += size;
    for (const [k, v] of this.entries) {
      if (this.total <= this.limit) break;
      this.entries.delete(k);
      this.total -= this.sizeOf(v);
    }
  }

  get bytes(): number {
    return this.total;
  }
}

/** Inflated pages, least recently used dropped first, bounded by their total size. */
export class PageCache extends LruCache<SymcachePage> {
  constructor(limit: number) {
    super(limit, (page) => page.size);
  }
}

/** Pages as stored (DEFLATE'd, about a fifth of their inflated size), bounded by their bytes. */
export class PackedPageCache extends LruCache<Uint8Array> {
  constructor(limit: number) {
    super(limit, (bytes) => bytes.byteLength);
  }
}

/** A symcache whose bytes are in memory (tests, tools): pages inflate on first use. */
export class MemorySymcache implements Symbolizer {
  readonly arch: string;
  readonly ilOffsetBits: number;
  private readonly pages = new Map<number, SymcachePage>();

  private constructor(
    readonly index: SymcacheIndex,
    private readonly bytes: Uint8Array,
  ) {
    this.arch = index.arch;
    this.ilOffsetBits = index.ilOffsetBits;
  }

  static open(bytes: Uint8Array): { ok: true; symcache: MemorySymcache } | Extract<IndexResult, { ok: false }> {
    const parsed = SymcacheIndex.parse(bytes, bytes.byteLength);
    if (!parsed.ok) return parsed;
    return { ok: true, symcache: new MemorySymcache(parsed.index, bytes) };
  }

  prefetch(): Promise<void> {
    return Promise.resolve();
  }

  lookup(address: number): SymcacheFrame[] {
    if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) return [];
    const p = this.index.pageOf(address);
    if (p < 0) return [];
    const { offset, length } = this.index.location(p);
    const page = this.pages.get(p) ?? SymcachePage.decode(this.bytes.subarray(offset, offset + length));
    if (!page) return [];
    this.pages.set(p, page);
    return page.lookup(address);
  }
}
