/**
 * A file whose DWARF cannot be read, whole or in part (its `.debug_info` overwritten with 0xff):
 * the symcache is built from what remains (the readable units, the symbol table) and the build
 * says what it could not read, which the upload's `ok` carries as a note; with nothing usable
 * left, the build fails with the reason.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dwarfReadNote } from "../../../src/symcache/dwarf-read-note";
import { fillElfSection, hideElfSection, secondUnitOffset } from "../../support/corrupt-elf-section";
import { buildBytes, FIXTURES, openBytes } from "./helpers";

const read = (name: string) => new Uint8Array(readFileSync(FIXTURES + name));
/** Fixtures with uncompressed DWARF of several units and a symbol table. */
const CORPUS = [
  "elf-x86_64-gcc-dw5-O2-pie",
  "elf-x86_64-gcc-dw5-O2-pie.debug",
  "elf-x86_64-gcc-dw4-O0-pie",
  "elf-x86_64-clang19-dw5-O2-lld",
  "elf-x86_64-clang19-dw4-O1",
];

describe("DWARF that cannot be read", () => {
  it("builds every file of the corpus from its symbol table, each with a note naming .debug_info", async () => {
    let withNote = 0;
    for (const name of CORPUS) {
      const built = await buildBytes(fillElfSection(read(name), ".debug_info"));
      expect(built.ok, `${name}: ${built.ok ? "" : built.error}`).toBe(true);
      if (!built.ok) continue;
      const note = dwarfReadNote(built.report);
      expect(note, name).toMatch(
        /^The DWARF debug information \(\.debug_info\) could not be read \(malformed at offset 0x0\): functions there are named from the symbol table only/,
      );
      expect(openBytes(built.symcache).index.pages, name).toBeGreaterThan(0);
      withNote++;
    }
    expect(withNote).toBe(CORPUS.length);
  });

  it("still names functions from the symbol table, without lines", async () => {
    const built = await buildBytes(fillElfSection(read("elf-x86_64-gcc-dw5-O2-pie"), ".debug_info"));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const frames = openBytes(built.symcache).lookup(0x1178);
    expect(frames.map((f) => [f.function, f.filename ?? null, f.lineno ?? 0])).toEqual([["compute", null, 0]]);
  });

  it("names the units it could not read when only some are broken, and keeps the rest", async () => {
    const file = read("elf-x86_64-gcc-dw5-O2-pie");
    const from = secondUnitOffset(file);
    const built = await buildBytes(fillElfSection(file, ".debug_info", from));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.report).toMatchObject({ dwarfUnitsRead: 1, dwarfUnitsSkipped: 1, dwarfUnreadableFrom: from });
    expect(dwarfReadNote(built.report)).toBe(
      `Part of the DWARF debug information could not be read (.debug_info is malformed from offset 0x${from.toString(16)} on): functions there are named from the symbol table only, without files, lines or inlined frames.`,
    );
    // The first unit (main.c) still has its lines and inline chain.
    const sc = openBytes(built.symcache);
    expect(sc.lookup(0x1060).map((f) => `${f.function}:${f.lineno}`)).toEqual([
      "clamp_add:15",
      "point_sum:21",
      "main:18",
    ]);
  });

  it("adds no note to a file read whole", async () => {
    const built = await buildBytes(read("elf-x86_64-gcc-dw5-O2-pie"));
    expect(built.ok && dwarfReadNote(built.report)).toBeUndefined();
  });

  it("fails with the reason when neither the DWARF nor a symbol table is usable", async () => {
    const broken = hideElfSection(fillElfSection(read("elf-x86_64-gcc-dw5-O2-pie.debug"), ".debug_info"), ".symtab");
    const built = await buildBytes(broken);
    expect(built.ok).toBe(false);
    expect(built.ok ? "" : built.error).toBe(
      "the DWARF debug information could not be read, and the file has no symbol table to fall back on",
    );
  });
});
