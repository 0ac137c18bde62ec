/**
 * Which stored file answers a symbol-server request, given the catalog's candidates newest first.
 *
 * Several files often share one id: a stripped executable and its `.debug` companion have the
 * same build id, a PE and its PDB the same debug id, an unstripped binary may sit next to both.
 * The rules follow what each client does with the answer:
 * - debuginfod `debuginfo`: a file with debug information (feature `debug`); a companion
 *   (`dbg`) before an unstripped binary, then the newest. gdb loads it as separate debug info.
 * - debuginfod `executable`: a file with the code (kind `exe` or `lib`, never a `dbg` companion
 *   whose `.text` is NOBITS); the newest.
 * - debuginfod `section`: elfutils' server looks in the debuginfo first and in the executable
 *   when the section is absent there or has no bytes (NOBITS), so candidates come in that order.
 * - symstore / Breakpad: the format and name must match; the newest wins.
 */
import type { DebugFileRecord } from "../common/debug-file";
import type { FileLookup } from "./ids";
import { sameFileName } from "./ids";

/** debuginfod serves object files that debuggers load: ELF, and Mach-O by UUID. */
const DEBUGINFOD_FORMATS: ReadonlySet<string> = new Set(["elf", "macho"]);

type Candidate = Pick<DebugFileRecord, "kind" | "format" | "features" | "objectName" | "checksum" | "project">;

export function selectDebuginfo<T extends Candidate>(records: readonly T[]): T | null {
  const usable = records.filter((r) => DEBUGINFOD_FORMATS.has(r.format) && r.features.includes("debug"));
  return usable.find((r) => r.kind === "dbg") ?? usable[0] ?? null;
}

export function selectExecutable<T extends Candidate>(records: readonly T[]): T | null {
  return records.find((r) => DEBUGINFOD_FORMATS.has(r.format) && hasCode(r)) ?? null;
}

/** Files to search for a section, in elfutils' order, each once. */
export function sectionCandidates<T extends Candidate>(records: readonly T[], limit = 4): T[] {
  const elf = records.filter((r) => r.format === "elf");
  const debug = elf.filter((r) => r.features.includes("debug"));
  const ordered = [
    ...debug.filter((r) => r.kind === "dbg"),
    ...debug.filter((r) => r.kind !== "dbg"),
    ...elf.filter(hasCode),
  ];
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of ordered) {
    const key = `${r.project}/${r.checksum}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
    if (out.length >= limit) break;
  }
  return out;
}

export function selectForLookup<T extends Candidate>(records: readonly T[], lookup: FileLookup): T | null {
  const matching = records.filter(
    (r) => lookup.formats.includes(r.format) && (lookup.name === null || sameFileName(r.objectName, lookup.name)),
  );
  switch (lookup.want) {
    case "code":
      return matching.find(hasCode) ?? null;
    case "debug": {
      const debug = matching.filter((r) => r.features.includes("debug"));
      return debug.find((r) => r.kind === "dbg") ?? debug[0] ?? null;
    }
    case "any":
      return matching[0] ?? null;
  }
}

function hasCode(r: Candidate): boolean {
  return r.kind === "exe" || r.kind === "lib";
}

/** The section table entry as identify/elf.ts reports it. */
export interface SectionEntry {
  name: string;
  type: number;
  offset: number;
  size: number;
}

const SHT_NOBITS = 8;

export type SectionChoice =
  { ok: true; offset: number; size: number } | { ok: false; reason: "absent" | "nobits" | "outside_file" };

/**
 * The bytes of section `name` in a file of `fileSize` bytes. Compressed sections
 * (SHF_COMPRESSED) are served as stored, header included, exactly as elfutils' debuginfod does
 * (checked with debuginfod 0.188: `.debug_info` of a zlib-compressed companion answers its
 * compressed sh_size bytes); clients inflate them as they would in the file.
 */
export function chooseSection(sections: readonly SectionEntry[], name: string, fileSize: number): SectionChoice {
  const matches = sections.filter((s) => s.name === name);
  if (matches.length === 0) return { ok: false, reason: "absent" };
  const withBytes = matches.find((s) => s.type !== SHT_NOBITS);
  if (!withBytes) return { ok: false, reason: "nobits" };
  if (withBytes.offset < 0 || withBytes.size < 0 || withBytes.offset + withBytes.size > fileSize) {
    return { ok: false, reason: "outside_file" };
  }
  return { ok: true, offset: withBytes.offset, size: withBytes.size };
}
