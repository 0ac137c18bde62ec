/**
 * Identifiers as the three symbol-server protocols spell them, turned into catalog lookups.
 *
 * - debuginfod: `/buildid/<hex>/...`, the GNU build id in lowercase hex, which is the code id of
 *   an ELF record; a Mach-O UUID in the same 32-digit form is a Mach-O code id.
 * - SSQP / symstore (dotnet/symstore `docs/specs/SSQP_Key_Conventions.md`):
 *     PDB      `<file>.pdb/<GUID 32 hex><age hex>/<file>.pdb`        -> debug id
 *     PE       `<file>/<TIMESTAMP %08X><SizeOfImage %x>/<file>`       -> code id
 *     ELF      `<file>/elf-buildid-<hex>/<file>`                      -> code id, the code file
 *              `_.debug/elf-buildid-sym-<hex>/_.debug`                -> code id, the debug file
 *     Mach-O   `<file>/mach-uuid-<hex>/<file>`, `_.dwarf/mach-uuid-sym-<hex>/_.dwarf`
 *   Clients differ in case (Microsoft's symstore upper-cases, SSQP lower-cases file names and
 *   Symbolicator's `symstore` layout keeps them), so names and keys compare case-insensitively.
 * - Breakpad: `<debug file>/<DEBUG ID>/<debug file without extension>.sym`, the id in Breakpad
 *   form (32 uppercase hex + age in hex).
 */
import { parseDebugId } from "../identify/debug-id-parse";
import type { FileFormat } from "../common/debug-file";

/** Build ids are 8 to 64 bytes in practice (GNU ld writes 20, lld 8 or 20, Go 20+); allow 1-64. */
const BUILD_ID = /^(?:[0-9a-f]{2}){1,64}$/;

/** The lowercase build id, or null when the text is not an even number of hex digits. */
export function parseBuildId(text: string): string | null {
  const id = text.toLowerCase();
  return BUILD_ID.test(id) ? id : null;
}

/** What a symbol-server path asks the catalog for. */
export interface FileLookup {
  by: "debugId" | "codeId";
  id: string;
  formats: readonly FileFormat[];
  /** `code`: the file with the machine code (not a debug companion); `debug`: one with DWARF/PDB data. */
  want: "code" | "debug" | "any";
  /** The file name the stored object name must equal (case-insensitively); null: any name. */
  name: string | null;
}

const ELF_DEBUG_NAME = "_.debug";
const MACHO_DEBUG_NAME = "_.dwarf";

/**
 * Parses `/<file>/<key>/<file>`. Returns null when the path cannot name a stored file (the two
 * file names differ, or the key follows no convention): the route answers 404 without a lookup.
 */
export function parseSymstorePath(file: string, key: string, fileAgain: string): FileLookup | null {
  if (file.toLowerCase() !== fileAgain.toLowerCase() || file.length === 0) return null;
  const k = key.toLowerCase();
  const name = file.toLowerCase();
  let m: RegExpExecArray | null;
  if ((m = /^elf-buildid-sym-([0-9a-f]+)$/.exec(k))) {
    const id = parseBuildId(m[1] as string);
    return id
      ? { by: "codeId", id, formats: ["elf"], want: "debug", name: name === ELF_DEBUG_NAME ? null : name }
      : null;
  }
  if ((m = /^elf-buildid-([0-9a-f]+)$/.exec(k))) {
    const id = parseBuildId(m[1] as string);
    return id ? { by: "codeId", id, formats: ["elf"], want: "code", name } : null;
  }
  if ((m = /^mach-uuid-sym-([0-9a-f]{32})$/.exec(k))) {
    return {
      by: "codeId",
      id: m[1] as string,
      formats: ["macho"],
      want: "debug",
      name: name === MACHO_DEBUG_NAME ? null : name,
    };
  }
  if ((m = /^mach-uuid-([0-9a-f]{32})$/.exec(k))) {
    return { by: "codeId", id: m[1] as string, formats: ["macho"], want: "code", name };
  }
  if (/^[0-9a-f]{33,40}$/.test(k)) {
    // GUID + age: a PDB (or Portable PDB, whose SSQP age is FFFFFFFF).
    const debugId = parsePdbKey(k);
    return debugId ? { by: "debugId", id: debugId, formats: ["pdb", "portablepdb"], want: "any", name } : null;
  }
  if (/^[0-9a-f]{9,16}$/.test(k)) {
    // TIMESTAMP (8 digits) + SizeOfImage: exactly how the PE code id is stored.
    return { by: "codeId", id: k, formats: ["pe"], want: "code", name };
  }
  return null;
}

/** A Portable PDB's SSQP age is FFFFFFFF; the debug id then carries no age. */
function parsePdbKey(key: string): string | null {
  const age = key.slice(32);
  return parseDebugId(age === "ffffffff" ? key.slice(0, 32) : key) ?? null;
}

/** What `/breakpad/<debug file>/<ID>/<name>.sym` asks for. */
export interface BreakpadLookup {
  debugId: string;
  debugFile: string;
}

export function parseBreakpadPath(debugFile: string, id: string, symName: string): BreakpadLookup | null {
  if (!/^[0-9a-fA-F]{33,40}$/.test(id)) return null;
  const debugId = parseDebugId(id);
  if (!debugId || !symName.toLowerCase().endsWith(".sym")) return null;
  const stem = symName.slice(0, -4).toLowerCase();
  const file = debugFile.toLowerCase();
  // Breakpad drops the extension on Windows (`foo.pdb` -> `foo.sym`) and keeps it elsewhere
  // (`libfoo.so` -> `libfoo.so.sym`, as Symbolicator and Tecken ask for it): accept both.
  if (stem !== file && stem !== withoutExtension(file)) return null;
  return { debugId, debugFile };
}

/** The Breakpad form of a canonical debug id: 32 uppercase hex digits, then the age in hex. */
export function breakpadId(debugId: string): string {
  const compact = debugId.replace(/-/g, "");
  const uuid = compact.slice(0, 32).toUpperCase();
  const age = compact.slice(32) || "0";
  return `${uuid}${parseInt(age, 16).toString(16).toUpperCase()}`;
}

/** The SSQP key of a PDB: GUID hex + age hex (any case is accepted when parsing). */
export function pdbKey(debugId: string): string {
  return breakpadId(debugId);
}

export function withoutExtension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The last path component of an object name as uploaded (either separator). */
export function basename(name: string): string {
  return name.split(/[\\/]/).pop() || name;
}

/** Case-insensitive file-name comparison, as Windows symbol servers do. */
export function sameFileName(a: string, b: string): boolean {
  return basename(a).toLowerCase() === basename(b).toLowerCase();
}

/**
 * The module name of a Breakpad file from its first line (`MODULE <os> <arch> <id> <name>`):
 * symbol paths use it, while the stored object name is whatever the uploaded file was called.
 */
export function breakpadModuleName(head: string): string | null {
  const line = head.split(/\r?\n/, 1)[0] ?? "";
  const m = /^MODULE +\S+ +\S+ +[0-9a-fA-F]+ +(.+?)\s*$/.exec(line);
  return m?.[1] ?? null;
}
