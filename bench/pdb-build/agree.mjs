#!/usr/bin/env node
// Agreement of a bench/pdb-build directory's symcache built in parts (gen-parts.symcache, written
// by run.mjs) with llvm-symbolizer-19 on its gen.exe + gen.pdb, at N seeded line-table addresses:
// the whole frame chain (function, file, line of each inlined frame), demangled names, compared
// as test/unit/symcache/pdb-oracle.test.ts compares them. For PDBs too large for that test's
// one-piece build (bench/pdb-build/replicate.mjs makes them). Prints numbers; gates nothing.
//
//   node bench/pdb-build/agree.mjs DIR [N=3000]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importTs } from "../lib/import-ts.mjs";
import { mulberry32 } from "../../test/support/prng.mjs";

const [dir, count = "3000"] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node bench/pdb-build/agree.mjs DIR [N=3000]");
  process.exit(2);
}
const unit = join(import.meta.dirname, "..", "..", "test", "unit", "symcache");
const { compareFrames, openBytes } = await importTs(join(unit, "helpers.ts"));
const { pdbLineTableAddresses, symbolizePe } = await importTs(join(unit, "pdb-helpers.ts"));

const t0 = performance.now();
const symcache = openBytes(new Uint8Array(readFileSync(join(dir, "gen-parts.symcache"))));
const all = pdbLineTableAddresses(join(dir, "gen.pdb"));
const next = mulberry32(42);
const rvas = Array.from({ length: Number(count) }, () => all[Math.floor(next() * all.length)] ?? 0);
const oracle = symbolizePe(join(dir, "gen.exe"), rvas, true);
const kinds = {};
let bad = 0;
rvas.forEach((rva, i) => {
  const kind = compareFrames(symcache.lookup(rva), oracle[i] ?? [], (f) => f.function);
  if (kind) {
    bad++;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
});
console.log(
  `${rvas.length} of ${all.length} line-table addresses: ${(100 * (1 - bad / rvas.length)).toFixed(2)}% agree with llvm-symbolizer-19 (whole chain, demangled)` +
    (bad ? ` ${JSON.stringify(kinds)}` : "") +
    ` in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
