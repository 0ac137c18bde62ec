/**
 * What identification tells about a debug file: the identity `sentry-cli debug-files check`
 * prints, with symbolic's spellings (reference/symbolic.md §1.2-1.6).
 */

/** symbolic's FileFormat names. */
export type FileFormat = "elf" | "macho" | "pe" | "pdb" | "breakpad" | "wasm" | "portablepdb" | "sourcebundle";

/** symbolic's ObjectKind short names, as Sentry serializes `data.type`. */
export type ObjectKind = "none" | "rel" | "exe" | "lib" | "dump" | "dbg" | "src" | "other";

export type Feature = "symtab" | "debug" | "unwind" | "sources";

export interface DebugFileIdentity {
  format: FileFormat;
  /** Canonical debug id: lowercase hyphenated UUID, `-<age hex>` only when the age is > 0. */
  debugId: string;
  /** Lowercase hex, or null when the format has none. */
  codeId: string | null;
  /** symbolic's arch name (`x86_64`, `arm64`, `wasm32`, `unknown`, ...). */
  arch: string;
  kind: ObjectKind;
  /** In the fixed order symtab, debug, unwind, sources. */
  features: Feature[];
  /** Extra facts later stages use (e.g. ELF load address, section table); format-specific. */
  details?: Record<string, unknown>;
}

/**
 * Why a file cannot be used. `detail` is the sentence a release engineer reads in sentry-cli's
 * ERROR line; it says what is wrong and, where there is one, what to do.
 */
export type IdentifyFailure =
  | { reason: "unsupported_format"; detail: string }
  | { reason: "fat_archive"; detail: string }
  | { reason: "malformed"; detail: string }
  | { reason: "missing_debug_id"; detail: string }
  | { reason: "no_features"; detail: string }
  | { reason: "not_supported_yet"; detail: string };

export type IdentifyResult = { ok: true; identity: DebugFileIdentity } | { ok: false; failure: IdentifyFailure };

/** MIME types Sentry stores per format (its KNOWN_DIF_FORMATS table). */
export const FORMAT_CONTENT_TYPE: Record<FileFormat, string> = {
  breakpad: "text/x-breakpad",
  macho: "application/x-mach-binary",
  elf: "application/x-elf-binary",
  pe: "application/x-dosexec",
  pdb: "application/x-ms-pdb",
  wasm: "application/wasm",
  portablepdb: "application/x-portable-pdb",
  sourcebundle: "application/x-sentry-bundle+zip",
};
