/**
 * The note an `ok` answer carries when part of a file's DWARF could not be read. The builder
 * skips a compilation unit it cannot parse (and stops at a malformed unit header, after which no
 * unit can be found) and keeps going from the symbol table, so the symcache is still useful; but
 * the user is told, as Sentry shows conversion problems next to the file, rather than finding
 * out from frames without lines.
 */
import type { BuildReport } from "./build-file";

type DwarfCounts = Pick<BuildReport, "dwarfUnitsRead" | "dwarfUnitsSkipped" | "dwarfUnreadableFrom">;

export function dwarfReadNote(report: DwarfCounts): string | undefined {
  const { dwarfUnitsRead: read, dwarfUnitsSkipped: skipped, dwarfUnreadableFrom: from } = report;
  if (skipped === 0) return undefined;
  const consequence = "functions there are named from the symbol table only, without files, lines or inlined frames.";
  const badUnits = skipped - (from === null ? 0 : 1);
  const unitsLabel = (n: number) => `${n} compilation unit${n === 1 ? "" : "s"}`;
  if (badUnits >= read) {
    const where = from === null ? "" : ` (malformed at offset 0x${from.toString(16)})`;
    return `The DWARF debug information (.debug_info) could not be read${where}: ${consequence}`;
  }
  const parts: string[] = [];
  if (badUnits > 0) parts.push(`${unitsLabel(badUnits)} of ${read} in .debug_info could not be read`);
  if (from !== null) parts.push(`.debug_info is malformed from offset 0x${from.toString(16)} on`);
  return `Part of the DWARF debug information could not be read (${parts.join("; ")}): ${consequence}`;
}
