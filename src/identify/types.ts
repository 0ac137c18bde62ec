/**
 * What identification tells about a debug file: the identity `sentry-cli debug-files check`
 * prints, with symbolic's spellings (symbolic-debuginfo 12.x, `Object::debug_id`, `code_id`,
 * `arch`, `kind`, `has_*`), plus the facts about its layout that later stages read (the section
 * tables, load address), typed per format.
 */
import type { Feature, FileFormat, ObjectKind } from "../common/debug-file";

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  /** sh_addralign. */
  align: number;
  /** How the section data is compressed, as far as identification can tell without inflating it. */
  compression: "none" | "zlib" | "zstd" | "zlib-gnu" | "unknown";
}

export interface ElfDetails {
  littleEndian: boolean;
  is64: boolean;
  /** e_machine. */
  machine: number;
  /** p_vaddr of the first PT_LOAD; symbolic subtracts it from every address. */
  loadAddress: number;
  /** `.gnu_debugaltlink`: the dwz alternate file this one refers to, when it names one. */
  altLink: { file: string; buildId: string } | null;
  sections: ElfSection[];
}

export interface MachSection {
  segment: string;
  name: string;
  addr: number;
  size: number;
  offset: number;
}

export interface MachDetails {
  littleEndian: boolean;
  is64: boolean;
  /** vmaddr of the __TEXT segment; symbolic subtracts it from every address. */
  loadAddress: number;
  sections: MachSection[];
  /** Symbols named `__hidden#N_` (an App Store bitcode build): its BCSymbolMap resolves them. */
  hiddenNames?: true;
}

export interface PeDetails {
  imageBase: number;
  /** The PDB path from the CodeView record, when there is one. */
  debugFileName: string | null;
  /** A .NET image that embeds its Portable PDB: its symcache is built from that (absent in records from before). */
  embeddedPortablePdb?: boolean;
  sections: { name: string; virtualAddress: number; virtualSize: number; rawPointer: number; rawSize: number }[];
}

export interface PdbDetails {
  infoAge: number;
  dbiAge: number | null;
  pageSize: number;
}

export interface BreakpadDetails {
  os: string;
  name: string | null;
  bytesScanned: number;
}

export interface WasmDetails {
  /** The build id as the WebAssembly tool conventions define it (without the length byte). */
  buildIdWithoutLength: string | null;
}

export interface BcSymbolMapDetails {
  /** How many names follow the header (`__hidden#0_` .. `__hidden#{names - 1}_`). */
  names: number;
}

export interface UuidMapDetails {
  /** `DBGOriginalUUID`: the debug id of the BCSymbolMap for this dSYM's UUID. */
  originalUuid: string;
}

export interface SourceBundleDetails {
  objectName: string | null;
}

interface IdentityOf<F extends FileFormat, D> {
  format: F;
  /** Canonical debug id: lowercase hyphenated UUID, `-<age hex>` only when the age is > 0. */
  debugId: string;
  /** Lowercase hex, or null when the format has none. */
  codeId: string | null;
  /** symbolic's arch name (`x86_64`, `arm64`, `wasm32`, `unknown`, ...). */
  arch: string;
  kind: ObjectKind;
  /** In the fixed order symtab, debug, unwind, sources. */
  features: Feature[];
  details: D;
}

export type DebugFileIdentity =
  | IdentityOf<"elf", ElfDetails>
  | IdentityOf<"macho", MachDetails>
  | IdentityOf<"pe", PeDetails>
  | IdentityOf<"pdb", PdbDetails>
  | IdentityOf<"breakpad", BreakpadDetails>
  | IdentityOf<"wasm", WasmDetails>
  | IdentityOf<"portablepdb", Record<string, never>>
  | IdentityOf<"sourcebundle", SourceBundleDetails>
  | IdentityOf<"bcsymbolmap", BcSymbolMapDetails>
  | IdentityOf<"uuidmap", UuidMapDetails>;
/**
 * Why a file cannot be used. `detail` is the sentence a release engineer reads in sentry-cli's
 * ERROR line; it says what is wrong and, where there is one, what to do.
 */
export type IdentifyFailure =
  | { reason: "unsupported_format"; detail: string }
  | { reason: "fat_archive"; detail: string }
  | { reason: "malformed"; detail: string }
  | { reason: "missing_debug_id"; detail: string }
  | { reason: "no_features"; detail: string };

export type IdentifyResult = { ok: true; identity: DebugFileIdentity } | { ok: false; failure: IdentifyFailure };
