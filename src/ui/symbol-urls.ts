/**
 * The symbol-server URLs under which a debug file is served (docs/symbol-servers.md), decided
 * by the same parsers and selection rules the routes use (symbol-server/ids.ts, select.ts), so
 * the page never shows a URL that would answer with another file. Where another file of the same
 * id answers (an executable next to its `.debug` companion), the page says which one. Pure.
 */
import type { DebugFileRecord } from "../common/debug-file";
import {
  breakpadId,
  parseBreakpadPath,
  parseSymstorePath,
  pdbKey,
  sameFileName,
  withoutExtension,
} from "../symbol-server/ids";
import { selectDebuginfo, selectExecutable, selectForLookup } from "../symbol-server/select";

export type SymbolServerProtocol = "debuginfod" | "symstore" | "breakpad";

export interface SymbolServerUrl {
  protocol: SymbolServerProtocol;
  /** What the URL asks for, in the protocol's words. */
  what: string;
  url: string;
  /** The file that answers: this one, or another file sharing its id. */
  servedBy: DebugFileRecord;
}

export interface SymbolUrlInput {
  record: DebugFileRecord;
  /** The project's files with the record's code id, newest first (the debuginfod/symstore lookups). */
  byCodeId: readonly DebugFileRecord[];
  /** The project's files with the record's debug id, newest first (PDB and Breakpad lookups). */
  byDebugId: readonly DebugFileRecord[];
  /** The service's root URL, without a trailing slash. */
  origin: string;
}

const seg = encodeURIComponent;

export function symbolServerUrls({ record, byCodeId, byDebugId, origin }: SymbolUrlInput): SymbolServerUrl[] {
  const root = `${origin}`;
  const out: SymbolServerUrl[] = [];
  const { org, project } = record;

  if ((record.format === "elf" || record.format === "macho") && record.codeId) {
    const base = `${root}/debuginfod/${seg(org)}/${seg(project)}/buildid/${record.codeId}`;
    const debuginfo = selectDebuginfo(byCodeId);
    const executable = selectExecutable(byCodeId);
    if (debuginfo)
      out.push({ protocol: "debuginfod", what: "debuginfo", url: `${base}/debuginfo`, servedBy: debuginfo });
    if (executable) {
      out.push({ protocol: "debuginfod", what: "executable", url: `${base}/executable`, servedBy: executable });
    }
  }

  const symstore = symstorePath(record);
  if (symstore) {
    const lookup = parseSymstorePath(symstore.file, symstore.key, symstore.file);
    const candidates = lookup?.by === "debugId" ? byDebugId : byCodeId;
    const served = lookup ? selectForLookup(candidates, lookup) : null;
    if (served) {
      out.push({
        protocol: "symstore",
        what: symstore.what,
        url: `${root}/symstore/${seg(org)}/${seg(project)}/${seg(symstore.file)}/${symstore.key}/${seg(symstore.file)}`,
        servedBy: served,
      });
    }
  }

  if (record.format === "breakpad") {
    const debugFile = record.objectName;
    const symName = `${withoutExtension(debugFile)}.sym`;
    const id = breakpadId(record.debugId);
    const lookup = parseBreakpadPath(debugFile, id, symName);
    // The route's rule: the newest Breakpad file of that id whose name matches.
    const served = lookup
      ? byDebugId.find(
          (r) =>
            r.format === "breakpad" &&
            (sameFileName(r.objectName, debugFile) || sameFileName(r.objectName, withoutExtension(debugFile))),
        )
      : undefined;
    if (served) {
      out.push({
        protocol: "breakpad",
        what: "symbol file",
        url: `${root}/breakpad/${seg(org)}/${seg(project)}/${seg(debugFile)}/${id}/${seg(symName)}`,
        servedBy: served,
      });
    }
  }
  return out;
}

/** The SSQP key of a file (the conventions in symbol-server/ids.ts), or null when it has none. */
function symstorePath(record: DebugFileRecord): { file: string; key: string; what: string } | null {
  const name = record.objectName.split(/[\\/]/).pop() || record.objectName;
  const code = record.kind === "exe" || record.kind === "lib";
  switch (record.format) {
    case "pdb":
      return { file: name, key: pdbKey(record.debugId), what: "PDB" };
    case "pe":
      return record.codeId ? { file: name, key: record.codeId.toUpperCase(), what: "PE image" } : null;
    case "elf":
      if (!record.codeId) return null;
      return code
        ? { file: name, key: `elf-buildid-${record.codeId}`, what: "ELF code file" }
        : { file: "_.debug", key: `elf-buildid-sym-${record.codeId}`, what: "ELF debug file" };
    case "macho":
      if (!record.codeId) return null;
      return code
        ? { file: name, key: `mach-uuid-${record.codeId}`, what: "Mach-O code file" }
        : { file: "_.dwarf", key: `mach-uuid-sym-${record.codeId}`, what: "Mach-O debug file" };
    default:
      return null;
  }
}
