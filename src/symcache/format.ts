/**
 * Constants of our symcache format, version 3 (magic `SYCE`): a header, compressed pages, an
 * index of the pages and a trailer. docs/symcache-format.md is the one description of the layout;
 * the pages are written by crates/symcache (src/page.rs), the container by container.ts, and
 * read by reader.ts.
 */

export const SYMCACHE_MAGIC = 0x45435953; // the bytes "SYCE" read as u32 LE
export const SYMCACHE_VERSION = 3;
export const NONE = 0xffffffff;

/** magic u32, version u32: the first bytes of the file. */
export const HEADER_SIZE = 8;
/** One index entry: first address u32, offset u64 (two u32, low first), compressed length u32. */
export const INDEX_ENTRY_SIZE = 16;
/** The last bytes of the file. */
export const TRAILER_SIZE = 64;

/** Offsets in the trailer. */
export const Trailer = {
  magic: 0,
  version: 4,
  debugId: 8,
  arch: 40,
  numPages: 44,
  indexOffsetLow: 48,
  indexOffsetHigh: 52,
  flags: 56,
  /** .NET symcaches (from Portable PDBs): the low address bits that hold the IL offset; 0 otherwise. */
  ilOffsetBits: 60,
} as const;

/** Trailer flag: pages are raw DEFLATE streams (RFC 1951). */
export const FLAG_DEFLATE = 1;

/** Page header: u32 num_ranges, num_locations, num_functions, num_files, string_bytes, 3 zero words. */
export const PAGE_HEADER_SIZE = 32;
export const LOCATION_SIZE = 16;
export const FUNCTION_SIZE = 16;
/** File `{comp_dir, directory, name, source_link}`: string offsets, `NONE` when absent. */
export const FILE_SIZE = 16;

/** Inline chains are never longer than the builder's depth cap (plus the outer frame). */
export const MAX_FRAMES = 129;

/** symbolic's language codes. */
export const LANGUAGES: Readonly<Record<number, string>> = {
  1: "c",
  2: "cpp",
  3: "d",
  4: "go",
  5: "objc",
  6: "objcpp",
  7: "rust",
  8: "swift",
  9: "csharp",
  10: "visualbasic",
  11: "fsharp",
};

/**
 * The address of "MethodDef row `row`, IL offset `il`" in a .NET symcache whose addresses keep the
 * IL offset in their low `bits` (docs/symcache-format.md, ".NET symcaches"): `row << bits | il`,
 * with `il` clamped to the largest offset the layout holds (past a method's last sequence point
 * every offset answers that point). `null` when the row does not fit.
 */
export function dotnetAddress(row: number, il: number, bits: number): number | null {
  if (bits < 1 || bits > 24 || !Number.isInteger(row) || row < 1 || !Number.isInteger(il) || il < 0) return null;
  const address = row * 2 ** bits + Math.min(il, 2 ** bits - 1);
  return address <= 0xffffffff ? address : null;
}

/** symbolic's architecture codes (symbolic-common `Arch`). */
export const ARCHES: Readonly<Record<number, string>> = {
  0: "unknown",
  101: "x86",
  199: "x86_unknown",
  201: "x86_64",
  202: "x86_64h",
  299: "x86_64_unknown",
  301: "arm",
  302: "armv5",
  303: "armv6",
  304: "armv6m",
  305: "armv7",
  306: "armv7f",
  307: "armv7s",
  308: "armv7k",
  309: "armv7m",
  310: "armv7em",
  399: "arm_unknown",
  401: "arm64",
  402: "arm64v8",
  403: "arm64e",
  499: "arm64_unknown",
  501: "ppc",
  601: "ppc64",
  701: "mips",
  801: "mips64",
  901: "arm64_32",
  902: "arm64_32_v8",
  999: "arm64_32_unknown",
  1001: "wasm32",
};

export function archCode(name: string): number {
  for (const [code, arch] of Object.entries(ARCHES)) if (arch === name) return Number(code);
  return 0;
}
