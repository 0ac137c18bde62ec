/**
 * The builder over real PDBs (clang-cl /Z7 /O2 + lld-link, test/fixtures/make-fixtures.sh):
 * inline chains, names of inlined member functions, code covered only by publics,
 * 32-bit name decoration, and clear errors for broken files. Expected lines come from the
 * fixture sources, names from the C++ declarations. Needs only Node.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Msf } from "../../../src/identify/msf";
import { BufferReader } from "../../../src/common/ranged-reader";
import type { MemorySymcache, SymcacheFrame } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES, openSymcache } from "./helpers";

/** The 1-based line of the first source line containing `text`. */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(`${FIXTURES}../src/${file}`, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

/** Every distinct frame chain of the first 64 KiB of code, with one address where it starts. */
function chains(sc: MemorySymcache): { rva: number; frames: SymcacheFrame[] }[] {
  const out: { rva: number; frames: SymcacheFrame[] }[] = [];
  let last = "";
  for (let rva = 0x1000; rva < 0x11000; rva++) {
    const frames = sc.lookup(rva);
    const key = JSON.stringify(frames);
    if (key !== last && frames.length > 0) out.push({ rva, frames });
    last = key;
  }
  return out;
}

const brief = (f: SymcacheFrame) => [f.function, f.filename, f.lineno];

describe("PDB symcaches", () => {
  it("chains inlined calls innermost first, through an anonymous namespace", async () => {
    const sc = await openSymcache(`${FIXTURES}pe-x86_64-o2.pdb`, "pdb");
    const deep = chains(sc).find((c) => c.frames.length === 4);
    const ns = "fixture::`anonymous namespace'::";
    const src = "geometry.cpp";
    expect(deep?.frames.map(brief)).toEqual([
      [`${ns}clamp`, src, lineOf(src, "inline int clamp(")],
      [`${ns}mix`, src, lineOf(src, "inline int mix(")],
      [`${ns}blend`, src, lineOf(src, "inline int blend(")],
      [`${ns}helper`, src, lineOf(src, "int helper(int v)")],
    ]);
    expect(deep?.frames[3]?.symAddr).toBeDefined();
    expect(deep?.frames.slice(0, 3).map((f) => f.symAddr)).toEqual([undefined, undefined, undefined]);
  });

  it("names inlined member functions after their class (LF_MFUNC_ID) and C code across files", async () => {
    const sc = await openSymcache(`${FIXTURES}pe-x86_64-o2.pdb`, "pdb");
    const all = chains(sc);
    const dot = all.find((c) => c.frames[0]?.function === "fixture::geom::Vec<int>::dot");
    expect(dot?.frames.map((f) => [f.function, f.symbol, f.lineno])).toEqual([
      ["fixture::geom::Vec<int>::dot", "fixture::geom::Vec<int>::dot", lineOf("geometry.cpp", "T dot(")],
      // The outer frame is named after the public symbol (the linkage name), demangled as
      // llvm-symbolizer shows it.
      [
        "fixture::geom::length2<int>(struct fixture::geom::Vec<int> const &)",
        "??$length2@H@geom@fixture@@YAHAEBU?$Vec@H@01@@Z",
        lineOf("geometry.cpp", "T length2("),
      ],
    ]);
    const clamp = all.find((c) => c.frames.length === 3 && c.frames[2]?.function === "main");
    expect(clamp?.frames.map((f) => [f.function, f.absPath, f.lineno])).toEqual([
      ["clamp_add", "/build/src/util.h", lineOf("util.h", "int s = a + b;")],
      ["point_sum", "/build/src/util.h", lineOf("util.h", "return clamp_add(p->x, p->y);")],
      ["main", "/build/src/main.c", lineOf("main.c", "r = point_sum(&p);")],
    ]);
  });

  it("names code without private symbols after its public symbol, without a line", async () => {
    const sc = await openSymcache(`${FIXTURES}pe-x86_64-o2.pdb`, "pdb");
    const mix = chains(sc).find((c) => c.frames[0]?.symbol === "nodebug_mix");
    expect(mix?.frames).toEqual([{ function: "nodebug_mix", symbol: "nodebug_mix", lineno: 0, symAddr: mix?.rva }]);
  });

  it("links the files that the srcsrv stream maps to a URL, matching paths without regard to case", async () => {
    // src/srcsrv.txt: HTTP_ALIAS/%var2%/%var3% for main.c, calc.c and (upper-case) util.h.
    const srcsrv = readFileSync(`${FIXTURES}../src/srcsrv.txt`, "utf8");
    const alias = /^HTTP_ALIAS=(.*)$/m.exec(srcsrv)?.[1];
    const url = (file: string) => {
      const fields = srcsrv
        .split("\n")
        .find((l) => l.toLowerCase().startsWith(`/build/src/${file}*`))
        ?.split("*");
      return `${alias}/${fields?.[1]}/${fields?.[2]}`;
    };
    const sc = await openSymcache(`${FIXTURES}pe-x86_64-o2.pdb`, "pdb");
    const links = new Map<string, string | undefined>();
    for (const c of chains(sc)) for (const f of c.frames) if (f.filename) links.set(f.filename, f.sourceLink);
    expect(Object.fromEntries(links)).toEqual({
      "main.c": url("main.c"),
      "calc.c": url("calc.c"),
      "util.h": url("util.h"),
      "geometry.cpp": undefined,
    });
    // Without a srcsrv stream, no links.
    const ghash = await openSymcache(`${FIXTURES}pe-x86_64-o2-ghash.pdb`, "pdb");
    expect(chains(ghash).some((c) => c.frames.some((f) => f.sourceLink !== undefined))).toBe(false);
  });

  it("stores 32-bit x86 C names without their decoration (_cpp_entry is cpp_entry)", async () => {
    const sc = await openSymcache(`${FIXTURES}pe-x86-o2.pdb`, "pdb");
    const names = new Set(chains(sc).flatMap((c) => c.frames.map((f) => f.symbol)));
    expect(names).toContain("cpp_entry");
    expect(names).toContain("nodebug_mix");
    expect([...names].filter((n) => n.startsWith("_"))).toEqual([]);
  });

  describe("broken files end in an error that says what is wrong", () => {
    it("a truncated PDB", async () => {
      const bytes = new Uint8Array(readFileSync(`${FIXTURES}pe-x86_64-o2.pdb`)).subarray(0, 3000);
      const built = await build(bytes);
      expect(built.ok ? "" : built.error).toBe(
        "the PDB block map is truncated: the PDB is truncated or damaged; upload the PDB file the linker wrote",
      );
    });

    it("a PDB without section headers (as for a static library's PDB)", async () => {
      const bytes = new Uint8Array(readFileSync(`${FIXTURES}pe-x86_64-o2.pdb`));
      await patchDbiDebugHeader(bytes, 5, 0xffff);
      const built = await build(bytes);
      expect(built.ok).toBe(false);
      expect(built.ok ? "" : built.error).toMatch(/^the PDB has no section headers/);
    });

    it("a PDB 2.0 file", async () => {
      const bytes = new TextEncoder().encode("Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0".padEnd(1024, "\0"));
      const built = await build(bytes);
      expect(built.ok ? "" : built.error).toMatch(/PDB 2\.0 file.*only MSF 7\.00 PDBs/);
    });
  });
});

const build = (bytes: Uint8Array) => buildBytes(bytes, "pdb");

/** Sets slot `slot` of the DBI optional debug header (a stream number) in place. */
async function patchDbiDebugHeader(bytes: Uint8Array, slot: number, value: number): Promise<void> {
  const msf = await Msf.open(new BufferReader(bytes));
  if (typeof msf === "string") throw new Error(msf);
  const dbi = await msf.stream(3);
  if (!dbi || typeof dbi === "string") throw new Error("no DBI stream");
  const header = await msf.read(dbi, 0, 64);
  if (!header) throw new Error("no DBI header");
  const view = new DataView(header.buffer, header.byteOffset, 64);
  // Substreams before the debug header: modules, contributions, section map, file info, type
  // server map, EC (sizes at 24, 28, 32, 36, 40, 52).
  const at = 64 + [24, 28, 32, 36, 40, 52].reduce((sum, o) => sum + view.getInt32(o, true), 0) + 2 * slot;
  const page = dbi.pages[Math.floor(at / msf.blockSize)] ?? 0;
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(page * msf.blockSize + (at % msf.blockSize), value, true);
}
