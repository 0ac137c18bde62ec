/**
 * Constants of our symcache format (version 1, magic `SYCE`), modelled on symbolic's SymCache
 * v9. The layout is documented in docs/symcache-format.md and at the top of
 * crates/symcache/src/lib.rs; the writer is crates/symcache/src/writer.rs.
 */

export const SYMCACHE_MAGIC = 0x45435953; // the bytes "SYCE" read as u32 LE
export const SYMCACHE_VERSION = 1;
export const NONE = 0xffffffff;

export const HEADER_SIZE = 80;
export const FILE_SIZE = 12;
export const FUNCTION_SIZE = 16;
export const SOURCE_LOCATION_SIZE = 16;
export const RANGE_SIZE = 4;

/** Offsets of the header fields. */
export const Header = {
  magic: 0,
  version: 4,
  debugId: 8,
  arch: 40,
  numFiles: 44,
  numFunctions: 48,
  numSourceLocations: 52,
  numRanges: 56,
  stringBytes: 60,
  /** 0 in symcaches without source indexing (and in every file written before it existed). */
  numSourceLinks: 64,
} as const;

/** A SourceLink record `{file, url}` after the string table (padded to 8). */
export const SOURCE_LINK_SIZE = 8;

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
};

/** symbolic's architecture codes (symbolic.md §1.4). */
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
