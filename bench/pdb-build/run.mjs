#!/usr/bin/env node
// PDB symcache benchmark on a generated Windows program: N C++ translation units (namespaces,
// class templates with inlined members, three-deep inline chains, noinline functions), built
// with clang-19 in cl mode (/Z7 /O2) and lld-link-19 (/debug:ghash), then the service's
// builder calls (bench/symcache-build/builds.ts: every call on a fresh WebAssembly instance,
// the PDB read by range from disk, as from R2 in the Worker):
//   - in one piece (build_whole): time, peak wasm memory, host reads, symcache size;
//   - in parts with the deployed limits (plan, a unit per run of module streams up to
//     SYMCACHE_UNIT_BYTES, the publics unit, merges): total and per-call time, peak wasm
//     memory of each kind of call; the two symcaches must be byte-identical;
//   - agreement with llvm-symbolizer-19 (on the exe, which reads the PDB) at seeded random
//     line-table addresses is the unit test's oracle (command printed at the end).
//   [UNIT_BYTES=16777216] [PUBLICS_PER_UNIT=100000] [NO_WHOLE=1] node bench/pdb-build/run.mjs [UNITS=40] [FUNCTIONS_PER_UNIT=150] [DIR]
// DIR: a directory of an earlier run (its gen.pdb and objects are reused).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importTs } from "../lib/import-ts.mjs";
import { LINK_ARGS } from "./link.mjs";

const [unitsArg = "40", perUnitArg = "150", reuse] = process.argv.slice(2);
const [units, perUnit] = [Number(unitsArg), Number(perUnitArg)];
const root = new URL("../../", import.meta.url);
const module = new WebAssembly.Module(readFileSync(new URL("src/symcache/symcache.wasm", root)));
const dir = reuse ?? mkdtempSync(join(tmpdir(), "pdb-bench-"));
const { buildWhole, buildInParts } = await importTs(join(import.meta.dirname, "..", "symcache-build", "builds.ts"));
const { DEFAULT_LIMITS } = await importTs(join(import.meta.dirname, "..", "..", "src", "symcache", "limits.ts"));

function unit(u) {
  const lines = [`namespace gen { namespace m${u} {`];
  lines.push(`template <class T> struct Acc {
  T v;
  T add(T x) const { return v + x * ${u + 3}; }
  T mix(T x) const { return add(x) ^ (x >> 1); }
};
inline int clampv(int v) { return v < -99999 ? -99999 : v > 99999 ? 99999 : v; }
inline int twist(int a, int b) { return clampv(a * 31 + b); }
inline int fold(int a, int b, int c) { return twist(twist(a, b), c); }`);
  for (let f = 0; f < perUnit; f++) {
    lines.push(`__declspec(noinline) int f${f}(int x, long y) {
  Acc<int> a{x};
  Acc<long> b{y};
  int r = fold(x, (int)y, ${f});
  for (int i = 0; i < (x & 7); i++)
    r += a.mix(i) + (int)b.add(i);
  return r ^ ${f * 7 + u};
}`);
  }
  lines.push(`int entry(int x) {
  int r = 0;`);
  for (let f = 0; f < perUnit; f++) lines.push(`  r += f${f}(x + ${f}, r);`);
  lines.push(`  return r;
}
} }`);
  return lines.join("\n");
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${err}`))));
  });
}

const pdb = join(dir, "gen.pdb");
if (!reuse || !existsSync(pdb)) await generate();
const MiB = (n) => (n / 2 ** 20).toFixed(1);
console.log(`PDB ${MiB(statSync(pdb).size)} MiB (${dir})`);

// NO_WHOLE=1: in parts only (a PDB of hundreds of MiB does not build in one piece).
const noWhole = process.env.NO_WHOLE === "1";
if (!noWhole) {
  const whole = await buildWhole(module, pdb, "pdb", join(dir, "gen.symcache"));
  const w = whole.calls[0];
  console.log(
    `one piece: ${(w.ms / 1000).toFixed(2)} s, peak wasm ${MiB(w.wasmPeak)} MiB, ${w.hostReads} host reads, symcache ${MiB(whole.symcacheBytes)} MiB`,
  );
}
// UNIT_BYTES, PUBLICS_PER_UNIT: smaller units than deployed, to see a unit's memory on a small PDB.
const limits = {
  ...DEFAULT_LIMITS,
  unitBytes: Number(process.env.UNIT_BYTES) || DEFAULT_LIMITS.unitBytes,
  symbolsPerUnit: Number(process.env.PUBLICS_PER_UNIT) || DEFAULT_LIMITS.symbolsPerUnit,
};
const parts = await buildInParts(module, pdb, "pdb", limits, join(dir, "gen-parts.symcache"));
const of = (prefix) => parts.calls.filter((c) => c.what.startsWith(prefix));
const moduleUnits = of("unit").filter((c) => c.what.endsWith("kind 4"));
const publicsUnits = of("unit").filter((c) => c.what.endsWith("kind 5"));
const merges = of("merge");
const total = parts.calls.reduce((a, c) => a + c.ms, 0);
const peak = (calls) => MiB(Math.max(...calls.map((c) => c.wasmPeak)));
console.log(`in parts (unit bytes ${MiB(limits.unitBytes)} MiB): ${(total / 1000).toFixed(2)} s of calls in all`);
console.log(`  plan         ${(parts.calls[0].ms / 1000).toFixed(2)} s, peak wasm ${MiB(parts.calls[0].wasmPeak)} MiB`);
console.log(
  `  ${String(moduleUnits.length).padStart(3)} units    slowest ${(Math.max(...moduleUnits.map((c) => c.ms)) / 1000).toFixed(2)} s, peak wasm ${peak(moduleUnits)} MiB, at most ${Math.max(...moduleUnits.map((c) => c.hostReads))} host reads (${MiB(Math.max(...moduleUnits.map((c) => c.hostReadBytes)))} MiB)`,
);
console.log(
  `  ${String(publicsUnits.length).padStart(3)} publics  slowest ${(Math.max(...publicsUnits.map((c) => c.ms)) / 1000).toFixed(2)} s, peak wasm ${peak(publicsUnits)} MiB, at most ${Math.max(...publicsUnits.map((c) => c.hostReads))} host reads`,
);
console.log(
  `  ${String(merges.length).padStart(3)} merges   slowest ${(Math.max(...merges.map((c) => c.ms)) / 1000).toFixed(2)} s, peak wasm ${peak(merges)} MiB, ${parts.levels} level(s)`,
);
console.log(`  symcache ${MiB(parts.symcacheBytes)} MiB`);
if (!noWhole) {
  const same = readFileSync(join(dir, "gen.symcache")).equals(readFileSync(join(dir, "gen-parts.symcache")));
  console.log(`symcache in parts ${same ? "equals" : "DIFFERS FROM"} the one-piece symcache`);
  if (!same) process.exitCode = 1;
}
console.log(`agreement: PDB_BENCH=${dir} npx vitest run --project unit test/unit/symcache/pdb-oracle.test.ts`);

async function generate() {
  const t0 = performance.now();
  const objs = [];
  const jobs = [];
  /** One translation unit, compiled as the fixtures are (clang-cl /Z7 /O2, no CRT). */
  const compile = (name) => {
    objs.push(`${name}.obj`);
    // An interrupted run's objects are kept (the sources are deterministic).
    if (existsSync(join(dir, `${name}.obj`))) return;
    jobs.push(() =>
      run(
        "clang-19",
        ["--driver-mode=cl", "--target=x86_64-pc-windows-msvc", "/nologo", "/Z7", "/O2", "/GS-", "/GR-"].concat([
          "-gcodeview-ghash",
          "/c",
          `${name}.cpp`,
          `/Fo${name}.obj`,
        ]),
      ),
    );
  };
  for (let u = 0; u < units; u++) {
    writeFileSync(join(dir, `u${u}.cpp`), unit(u));
    compile(`u${u}`);
  }
  const mainSrc = [
    `namespace gen {`,
    ...Array.from({ length: units }, (_, u) => `namespace m${u} { int entry(int); }`),
    `}`,
    `extern "C" void _fltused() {}`,
    `int main() { int r = 0;`,
    ...Array.from({ length: units }, (_, u) => `  r += gen::m${u}::entry(r);`),
    `  return r & 0x7f; }`,
  ];
  writeFileSync(join(dir, "main.cpp"), mainSrc.join("\n"));
  compile("main");
  // Two compilers at a time (the machine has 2 cores).
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  // Many objects: through a response file.
  writeFileSync(join(dir, "objs.rsp"), objs.join("\n"));
  await run("lld-link-19", LINK_ARGS);
  console.log(`built ${units} units x ${perUnit} functions in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
