/**
 * Demangling and alias choice through the WebAssembly builder (docs/demangling.md,
 * docs/symcache-format.md): the demangling corpora of test/fixtures/demangle go in as Breakpad
 * FUNC records (names there are demangled like symbol-table names), and a real g++ binary with
 * C1/C2 and D1/D2 aliases is compared with llvm-symbolizer-19. The corpus part needs only Node;
 * the fixture part is skipped without llvm-19.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { MemorySymcache } from "../../../src/symcache/reader";
import {
  buildBytes,
  elfFunctionSymbols,
  elfLoadAddress,
  FIXTURES,
  HAS_LLVM,
  openBytes,
  openSymcache,
  ROOT,
  symbolize,
} from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

interface Case {
  source: string;
  mangled: string;
  expected: string;
}

function corpus(file: string): Case[] {
  return readFileSync(`${ROOT}test/fixtures/demangle/${file}`, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [source = "", mangled = "", expected = ""] = l.split("\t");
      return { source, mangled, expected };
    });
}

/** One 16-byte FUNC per name; returns the frames the symcache gives back, in order. */
async function framesThroughWasm(names: readonly string[]) {
  const lines = ["MODULE Linux x86_64 0F1E2D3C4B5A69788796A5B4C3D2E1F00 corpus", "FILE 0 /src/corpus.cc"];
  names.forEach((name, i) => lines.push(`FUNC ${(0x1000 + i * 16).toString(16)} 10 0 ${name}`));
  const built = await buildBytes(new TextEncoder().encode(`${lines.join("\n")}\n`), "breakpad");
  if (!built.ok) throw new Error(built.error);
  const sc = openBytes(built.symcache);
  return names.map((_, i) => sc.lookup(0x1000 + i * 16)[0]);
}

async function throughWasm(names: readonly string[]): Promise<string[]> {
  return (await framesThroughWasm(names)).map((f) => f?.function ?? "");
}

async function agreement(cases: readonly Case[]): Promise<number> {
  const got = await throughWasm(cases.map((c) => c.mangled));
  const bad = cases.filter((c, i) => got[i] !== c.expected);
  for (const c of bad.slice(0, 20)) {
    console.log(`[${c.source}] ${c.mangled}\n  expected ${c.expected}\n  got      ${got[cases.indexOf(c)]}`);
  }
  console.log(`${cases.length - bad.length} of ${cases.length} names agree`);
  return 1 - bad.length / cases.length;
}

describe("demangling in the WebAssembly builder", () => {
  it("matches LLVM 19 (without return types) on >= 99.5% of the C++ corpus", async () => {
    const cases = corpus("itanium.tsv");
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    expect(await agreement(cases)).toBeGreaterThanOrEqual(0.995);
  });

  it("matches LLVM 19 on hand-written names for rare grammar productions", async () => {
    expect(await agreement(corpus("grammar.tsv"))).toBe(1);
  });

  it("demangles Rust legacy and v0 names without hashes", async () => {
    expect(await agreement(corpus("rust.tsv"))).toBe(1);
  });

  it("survives hostile and mutated names within the WebAssembly stack and the 4 KiB cap", async () => {
    // Deep nesting must stop at the depth cap, not exhaust the wasm stack (1 MiB); a name
    // that would print more than 4 KiB is shown raw.
    const hostile = [
      `_Z1f${"P".repeat(100_000)}i`,
      `_Z1f${"P".repeat(150)}i`,
      `_Z1f${"1AI".repeat(20_000)}i${"E".repeat(20_000)}`,
      `_Z1f${"1AI".repeat(40)}i${"E".repeat(40)}v`,
      // at the parser's depth cap (192)
      `_Z1f${"P".repeat(190)}i`,
      `_Z1f${"1AI".repeat(63)}i${"E".repeat(63)}v`,
      `_Z1f${"PFv".repeat(95)}${"E".repeat(95)}`,
      `_Z1fI${"1AIS_S_E".repeat(64)}Evv`,
      `_Z1fI1AI${Array.from({ length: 40 }, (_, i) => `S${i}_S${i}_`).join("")}EEvv`,
    ];
    const alphabet = "_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.";
    const names = corpus("itanium.tsv").map((c) => c.mangled);
    const random = mulberry32(13);
    const pick = (n: number) => Math.floor(random() * n);
    const mutated = Array.from({ length: 20_000 }, () => {
      const chars = [...(names[pick(names.length)] ?? "")];
      for (let k = 0; k <= pick(4); k++) {
        const at = pick(chars.length + 1);
        const op = pick(4);
        if (op === 0) chars[at] = alphabet[pick(alphabet.length)] ?? "_";
        else if (op === 1) chars.splice(at, 0, alphabet[pick(alphabet.length)] ?? "_");
        else if (op === 2) chars.splice(at, 1);
        else chars.splice(at, 0, ...chars.slice(at, at + pick(16)), ...chars.slice(at, at + pick(16)));
      }
      return chars.join("");
    });
    const frames = await framesThroughWasm([...hostile, ...mutated]);
    const unbounded = frames.filter((f) => !f || (f.function !== f.symbol && f.function.length > 4096));
    expect(unbounded).toEqual([]);
    expect(frames[1]?.function).toBe(`f(int${"*".repeat(150)})`);
    expect(frames[0]?.function).toBe(hostile[0]);
  });

  it("passes Swift and other non-C++ names through unchanged", async () => {
    const raw = ["$s4main5helloyyF", "_$s4main5helloyyF", "_T04main5helloyyF", "_ZGVbN2v_acos", "plain_c_name"];
    expect(await throughWasm(raw)).toEqual(raw);
  });
});

describe.skipIf(!HAS_LLVM)("a g++ binary with constructor and destructor aliases", () => {
  const file = `${FIXTURES}elf-x86_64-gxx-aliases`;
  const load = elfLoadAddress(file);
  const symbols = elfFunctionSymbols(file);
  let sc: MemorySymcache;
  beforeAll(async () => {
    sc = await openSymcache(file);
  });
  const demangled = (names: string[]) =>
    execFileSync("llvm-cxxfilt-19", { input: names.join("\n") })
      .toString()
      .split("\n");

  it("has C1/C2 and D1/D2 pairs at one address (the premise of the test)", () => {
    const at = (name: string) => symbols.find((s) => s.name === name)?.addr;
    expect(at("_ZN7fixture7CounterC1Ei")).toBeDefined();
    expect(at("_ZN7fixture7CounterC1Ei")).toBe(at("_ZN7fixture7CounterC2Ei"));
    expect(at("_ZN7fixture7CounterD1Ev")).toBe(at("_ZN7fixture7CounterD2Ev"));
    expect(at("_ZN7fixture7CounterD0Ev")).not.toBe(at("_ZN7fixture7CounterD1Ev"));
  });

  it("names every function entry and body address as llvm-symbolizer does, aliases included", () => {
    // Entry and middle of every function symbol: the outermost frame's raw name must be the
    // alias llvm-symbolizer picks, and the demangled name llvm's without the return type.
    const vmas = symbols.flatMap((s) => [s.addr, s.addr + Math.floor(s.size / 2)]);
    const oracle = symbolize(file, vmas);
    const rows = vmas.map((vma, i) => {
      const ours = sc.lookup(vma - load);
      const theirs = oracle[i] ?? [];
      return { vma, ours: ours[ours.length - 1], theirs: theirs[theirs.length - 1]?.FunctionName ?? "??" };
    });
    const llvmNames = demangled(rows.map((r) => r.theirs));
    const mismatches = rows.flatMap((r, i) => {
      const llvm = llvmNames[i] ?? "";
      const fn = r.ours?.function ?? "??";
      // llvm-cxxfilt keeps a template function's return type, written before the name.
      const sameName = fn === llvm || llvm.endsWith(` ${fn}`);
      return r.ours?.symbol === r.theirs && sameName
        ? []
        : [`0x${r.vma.toString(16)}: ${r.ours?.symbol} / ${fn} vs ${r.theirs} / ${llvm}`];
    });
    expect(mismatches).toEqual([]);
    expect(rows.length).toBeGreaterThan(20);
  });

  it("picks C1 over C2 and D1 over D2: the later alias in .symtab, as llvm-symbolizer", () => {
    const addr = (name: string) => (symbols.find((s) => s.name === name)?.addr ?? 0) - load;
    const outer = (a: number) => sc.lookup(a).at(-1);
    expect(outer(addr("_ZN7fixture7CounterC2Ei"))).toMatchObject({
      symbol: "_ZN7fixture7CounterC1Ei",
      function: "fixture::Counter::Counter(int)",
    });
    expect(outer(addr("_ZN7fixture7CounterD2Ev"))).toMatchObject({
      symbol: "_ZN7fixture7CounterD1Ev",
      function: "fixture::Counter::~Counter()",
    });
    expect(outer(addr("_ZN7fixture7CounterD0Ev"))?.symbol).toBe("_ZN7fixture7CounterD0Ev");
  });

  it("prints an empty pack, function pointers, ABI tags and clone suffixes as llvm does", () => {
    const byName = (name: string) =>
      sc.lookup((symbols.find((s) => s.name === name)?.addr ?? 0) - load).at(-1)?.function;
    expect(byName("_ZN7fixture9constructImJEEEvPT_DpOT0_")).toBe("fixture::construct<unsigned long>(unsigned long*)");
    expect(byName("_ZN7fixture9call_withEPFPvPKPKiES4_")).toBe(
      "fixture::call_with(void* (*)(int const* const*), int const* const*)",
    );
    expect(byName("_ZN7fixture5applyERNS_7CounterEMS0_KFivE")).toBe(
      "fixture::apply(fixture::Counter&, int (fixture::Counter::*)() const)",
    );
    expect(byName("_ZN7fixture8describeB5cxx11ERKNS_7CounterE.cold")).toBe(
      "fixture::describe[abi:cxx11](fixture::Counter const&) (.cold)",
    );
  });
});
