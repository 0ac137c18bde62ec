/**
 * The vocabulary every layer shares about a debug file: symbolic's format, kind and feature
 * names, and the record the catalog keeps once a file is processed. Identification produces
 * these values (identify/), the file's Durable Object assembles the record (assembly/), the
 * catalogs store it (storage/) and the routes render it (routes/): it lives below all of them.
 */

/** symbolic's FileFormat names (symbolic-debuginfo `FileFormat::name`). */
export type FileFormat =
  | "elf"
  | "macho"
  | "pe"
  | "pdb"
  | "breakpad"
  | "wasm"
  | "portablepdb"
  | "sourcebundle"
  // Apple bitcode builds' auxiliary files (Sentry's `bcsymbolmap` and `uuidmap` formats).
  | "bcsymbolmap"
  | "uuidmap";

/** symbolic's ObjectKind short names, as Sentry serializes `data.type`. */
export type ObjectKind = "none" | "rel" | "exe" | "lib" | "dump" | "dbg" | "src" | "other";

export type Feature = "symtab" | "debug" | "unwind" | "sources";

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
  bcsymbolmap: "application/x-bcsymbolmap",
  uuidmap: "application/x-debugid-map",
};

/**
 * What became of a file's symcache. `building`: a large file's symcache is still being built in
 * parts (the file itself is usable: downloads and symbol servers serve it already).
 */
export interface SymcacheOutcome {
  status: "ok" | "error" | "unsupported" | "building";
  /** What the symcache lacks and why (`ok`), why there is none (`error`, `unsupported`). */
  detail?: string;
  /** Bytes of the symcache (`ok`). */
  size?: number;
}

/** A debug file as the service knows it once processed. `id` is assigned by the catalog. */
export interface DebugFileRecord {
  id: string;
  org: string;
  project: string;
  checksum: string;
  objectName: string;
  debugId: string;
  codeId: string | null;
  arch: string;
  kind: ObjectKind;
  format: FileFormat;
  features: Feature[];
  size: number;
  contentType: string;
  createdAt: string;
  symcache: SymcacheOutcome;
}

export type NewDebugFileRecord = Omit<DebugFileRecord, "id">;
