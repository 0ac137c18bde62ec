import { describe, expect, it } from "vitest";
import {
  chooseSection,
  sectionCandidates,
  selectDebuginfo,
  selectExecutable,
  selectForLookup,
} from "../../../src/symbol-server/select";
import type { DebugFileRecord } from "../../../src/common/debug-file";

type R = Pick<DebugFileRecord, "kind" | "format" | "features" | "objectName" | "checksum" | "project">;
const rec = (
  checksum: string,
  kind: R["kind"],
  features: R["features"],
  format: R["format"] = "elf",
  objectName = "app",
): R => ({
  checksum,
  kind,
  features,
  format,
  objectName,
  project: "p",
});

// Newest first, as the catalog answers.
const unstripped = rec("c", "lib", ["symtab", "debug", "unwind"]);
const companion = rec("b", "dbg", ["symtab", "debug"]);
const stripped = rec("a", "lib", ["symtab", "unwind"]);

describe("debuginfod selection", () => {
  it("debuginfo prefers a companion, then the newest file with debug information", () => {
    expect(selectDebuginfo([unstripped, companion, stripped])).toBe(companion);
    expect(selectDebuginfo([stripped, unstripped])).toBe(unstripped);
    expect(selectDebuginfo([stripped])).toBeNull();
  });
  it("executable is the newest file with code, never a companion", () => {
    expect(selectExecutable([companion, stripped, unstripped])).toBe(stripped);
    expect(selectExecutable([companion])).toBeNull();
  });
  it("ignores formats debuggers cannot load", () => {
    expect(selectDebuginfo([rec("x", "dbg", ["debug"], "breakpad")])).toBeNull();
    expect(selectExecutable([rec("x", "exe", ["symtab"], "pe")])).toBeNull();
  });
  it("searches sections in the debuginfo first, then the executable, each file once", () => {
    expect(sectionCandidates([stripped, unstripped, companion])).toEqual([companion, unstripped, stripped]);
  });
});

describe("lookup selection", () => {
  it("matches the format and the object name case-insensitively", () => {
    const pdb = rec("p", "dbg", ["symtab", "debug"], "pdb", "Fixture.PDB");
    const bp = rec("q", "dbg", ["symtab", "debug"], "breakpad", "fixture.pdb");
    expect(
      selectForLookup([bp, pdb], { by: "debugId", id: "x", formats: ["pdb"], want: "any", name: "fixture.pdb" }),
    ).toBe(pdb);
    expect(
      selectForLookup([pdb], { by: "debugId", id: "x", formats: ["pdb"], want: "any", name: "other.pdb" }),
    ).toBeNull();
  });
  it("wants code or debug information as the key says", () => {
    const lookup = { by: "codeId", id: "x", formats: ["elf"], want: "code", name: null } as const;
    expect(selectForLookup([companion, stripped], lookup)).toBe(stripped);
    expect(selectForLookup([stripped, unstripped, companion], { ...lookup, want: "debug" })).toBe(companion);
  });
});

describe("chooseSection", () => {
  const sections = [
    { name: ".text", type: 8, offset: 0x1000, size: 0x200 },
    { name: ".debug_info", type: 1, offset: 0x400, size: 0x260 },
    { name: ".bad", type: 1, offset: 0x900, size: 0x1000 },
  ];
  it("serves a section with bytes", () => {
    expect(chooseSection(sections, ".debug_info", 0x2000)).toEqual({ ok: true, offset: 0x400, size: 0x260 });
  });
  it("refuses absent, NOBITS and out-of-file sections; names are exact", () => {
    expect(chooseSection(sections, ".debug_line", 0x2000)).toEqual({ ok: false, reason: "absent" });
    expect(chooseSection(sections, ".DEBUG_INFO", 0x2000)).toEqual({ ok: false, reason: "absent" });
    expect(chooseSection(sections, ".text", 0x2000)).toEqual({ ok: false, reason: "nobits" });
    expect(chooseSection(sections, ".bad", 0x1000)).toEqual({ ok: false, reason: "outside_file" });
  });
});
