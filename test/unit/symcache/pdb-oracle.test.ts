/**
 * PDB symcaches against llvm-symbolizer-19 on the same executable + PDB: at every line-table
 * address of every module (from llvm-pdbutil-19), the whole frame chain (function, file, line
 * of each inlined frame, innermost first) must agree on at least 99% of the addresses, once
 * with demangled names (what users see: our Microsoft demangler against LLVM's) and once with
 * raw linkage names (32-bit x86 C decoration removed on llvm's side, as our symcaches store it). Rates and the kinds of disagreement are printed; each kind that is
 * left is pinned in the last block. Skipped when llvm-19 is not installed.
 */
import { describe, expect, it } from "vitest";
import { compareFrames, FIXTURES, HAS_LLVM, openSymcache, type Disagreement } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";
import { pdbLineTableAddresses, symbolizePe, undecorateX86 } from "./pdb-helpers";

/** PDB fixtures and their executables: the clang-cl /O2 ones, and the older -O1 ones (arm64, a DLL). */
const FIXTURE_PAIRS = [
  "pe-x86_64-o2.exe",
  "pe-x86_64-o2-ghash.exe",
  "pe-x86-o2.exe",
  "pe-x86_64.exe",
  "pe-x86.exe",
  "pe-arm64.exe",
  "pe-x86_64-fixture.dll",
];

/** `image`: the executable, its PDB beside it; `sample` > 0 takes that many seeded addresses instead of all. */
async function agreement(image: string, demangle: boolean, sample = 0) {
  const pdb = image.replace(/\.(exe|dll)$/, ".pdb");
  const sc = await openSymcache(pdb, "pdb");
  let rvas = pdbLineTableAddresses(pdb);
  if (sample > 0) {
    const next = mulberry32(42);
    rvas = Array.from({ length: sample }, () => rvas[Math.floor(next() * rvas.length)] ?? 0);
  }
  // 32-bit x86 fixtures are named pe-x86.* and pe-x86-*; the symcache stores C names undecorated.
  const x86 = /(^|\/)pe-x86[-.]/.test(image);
  const oracle = symbolizePe(image, rvas, demangle);
  const kinds: Partial<Record<Disagreement, number>> = {};
  let bad = 0;
  rvas.forEach((rva, i) => {
    let theirs = oracle[i] ?? [];
    if (!demangle && x86) theirs = theirs.map((f) => ({ ...f, FunctionName: undecorateX86(f.FunctionName) }));
    const kind = compareFrames(sc.lookup(rva), theirs, demangle ? (f) => f.function : (f) => f.symbol);
    if (kind) {
      bad++;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  });
  return { rate: 1 - bad / rvas.length, kinds, n: rvas.length };
}

describe.skipIf(!HAS_LLVM)("PDB: agreement with llvm-symbolizer-19 at every line-table address", () => {
  for (const name of FIXTURE_PAIRS) {
    for (const demangle of [true, false]) {
      it(`${name} (${demangle ? "demangled" : "raw"} names)`, async () => {
        const result = await agreement(FIXTURES + name, demangle);
        console.log(
          `${name} ${demangle ? "demangled" : "raw"}: ${(result.rate * 100).toFixed(2)}% of ${result.n}`,
          result.kinds,
        );
        expect(result.n).toBeGreaterThan(5);
        expect(result.rate).toBeGreaterThanOrEqual(0.99);
      });
    }
  }
});

/** A program made by `node bench/pdb-build/run.mjs` (thousands of functions): set PDB_BENCH to its directory. */
const BENCH = process.env.PDB_BENCH;
describe.skipIf(!HAS_LLVM || !BENCH)("PDB: a generated program (bench/pdb-build), seeded addresses", () => {
  it("3000 line-table addresses, demangled names", async () => {
    const result = await agreement(`${BENCH ?? ""}/gen.exe`, true, 3000);
    console.log(`generated program: ${(result.rate * 100).toFixed(2)}% of ${result.n}`, result.kinds);
    expect(result.rate).toBeGreaterThanOrEqual(0.99);
  }, 600_000);
});
