/**
 * Reads symcaches (format version 1, docs/symcache-format.md) straight from a Uint8Array.
 *
 * `SymCache.parse` checks the header and that every section fits in the buffer; individual
 * records are checked when a lookup touches them (indices against counts, string offsets
 * against the string table), so a corrupt symcache yields fewer frames, never an exception.
 * A lookup is one binary search over the range starts plus a walk up the `inlined_into` chain.
 */
import {
  ARCHES,
  FILE_SIZE,
  FUNCTION_SIZE,
  HEADER_SIZE,
  Header,
  LANGUAGES,
  MAX_FRAMES,
  NONE,
  RANGE_SIZE,
  SOURCE_LINK_SIZE,
  SOURCE_LOCATION_SIZE,
  SYMCACHE_MAGIC,
  SYMCACHE_VERSION,
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
  /** Where the exact version of `absPath` can be downloaded (PDB source indexing). */
  sourceLink?: string;
}

export type SymcacheParseResult =
  | { ok: true; symcache: SymCache }
  | { ok: false; reason: "too_short" | "bad_magic" | "unsupported_version" | "truncated" | "inconsistent_counts" };

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

export class SymCache {
  readonly arch: string;
  readonly debugId: string;
  readonly numRanges: number;

  private constructor(
    private readonly view: DataView,
    private readonly bytes: Uint8Array,
    private readonly layout: {
      files: number;
      numFiles: number;
      functions: number;
      numFunctions: number;
      sourceLocations: number;
      numSourceLocations: number;
      ranges: number;
      strings: number;
      stringBytes: number;
      sourceLinks: number;
      numSourceLinks: number;
    },
    numRanges: number,
    arch: string,
    debugId: string,
  ) {
    this.numRanges = numRanges;
    this.arch = arch;
    this.debugId = debugId;
  }

  static parse(bytes: Uint8Array): SymcacheParseResult {
    if (bytes.byteLength < HEADER_SIZE) return { ok: false, reason: "too_short" };
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(Header.magic, true) !== SYMCACHE_MAGIC) return { ok: false, reason: "bad_magic" };
    if (view.getUint32(Header.version, true) !== SYMCACHE_VERSION) return { ok: false, reason: "unsupported_version" };
    const numFiles = view.getUint32(Header.numFiles, true);
    const numFunctions = view.getUint32(Header.numFunctions, true);
    const numSourceLocations = view.getUint32(Header.numSourceLocations, true);
    const numRanges = view.getUint32(Header.numRanges, true);
    const stringBytes = view.getUint32(Header.stringBytes, true);
    if (numRanges > numSourceLocations) return { ok: false, reason: "inconsistent_counts" };
    // Counts are u32, so these sums stay far below 2^53: no overflow in JS numbers.
    const files = HEADER_SIZE;
    const functions = files + pad8(numFiles * FILE_SIZE);
    const sourceLocations = functions + pad8(numFunctions * FUNCTION_SIZE);
    const ranges = sourceLocations + pad8(numSourceLocations * SOURCE_LOCATION_SIZE);
    const strings = ranges + pad8(numRanges * RANGE_SIZE);
    if (strings + stringBytes > bytes.byteLength) return { ok: false, reason: "truncated" };
    const numSourceLinks = view.getUint32(Header.numSourceLinks, true);
    const sourceLinks = pad8(strings + stringBytes);
    if (numSourceLinks > 0 && sourceLinks + numSourceLinks * SOURCE_LINK_SIZE > bytes.byteLength) {
      return { ok: false, reason: "truncated" };
    }
    const archCode = view.getUint32(Header.arch, true);
    const layout = {
      files,
      numFiles,
      functions,
      numFunctions,
      sourceLocations,
      numSourceLocations,
      ranges,
      strings,
      stringBytes,
      sourceLinks,
      numSourceLinks,
    };
    const symcache = new SymCache(
      view,
      bytes,
      layout,
      numRanges,
      ARCHES[archCode] ?? "unknown",
      formatDebugId(bytes.subarray(Header.debugId, Header.debugId + 32)),
    );
    return { ok: true, symcache };
  }

  /** Frames at an image-relative address, innermost first; `[]` means no symbol there. */
  lookup(relativeAddress: number): SymcacheFrame[] {
    if (!Number.isInteger(relativeAddress) || relativeAddress < 0 || relativeAddress > 0xffffffff) return [];
    const { view, layout } = this;
    // Last range start <= address.
    let lo = 0;
    let hi = this.numRanges;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (view.getUint32(layout.ranges + mid * RANGE_SIZE, true) <= relativeAddress) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return [];
    let index = layout.numSourceLocations - this.numRanges + (lo - 1);
    const frames: SymcacheFrame[] = [];
    let lastFunction = NONE;
    while (index !== NONE && index < layout.numSourceLocations && frames.length < MAX_FRAMES) {
      const at = layout.sourceLocations + index * SOURCE_LOCATION_SIZE;
      const file = view.getUint32(at, true);
      const line = view.getUint32(at + 4, true);
      const fn = view.getUint32(at + 8, true);
      const inlinedInto = view.getUint32(at + 12, true);
      if (file === NONE && line === NONE && fn === NONE && inlinedInto === NONE) break; // gap sentinel
      frames.push(this.frame(file, line, fn));
      lastFunction = fn;
      index = inlinedInto;
    }
    const outer = frames[frames.length - 1];
    if (outer && lastFunction < layout.numFunctions) {
      const entry = view.getUint32(layout.functions + lastFunction * FUNCTION_SIZE + 8, true);
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
        const link = this.sourceLink(file);
        if (link !== undefined) frame.sourceLink = link;
      }
    }
    return frame;
  }

  /** The source link of a file: a binary search of the table sorted by file index. */
  private sourceLink(file: number): string | undefined {
    const { view, layout } = this;
    let lo = 0;
    let hi = layout.numSourceLinks;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = layout.sourceLinks + mid * SOURCE_LINK_SIZE;
      const f = view.getUint32(at, true);
      if (f === file) return this.string(view.getUint32(at + 4, true));
      if (f < file) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
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
