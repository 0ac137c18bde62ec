#!/usr/bin/env node
// Symcache build benchmark: the service's builder (fresh instance per call, as in the Worker) in
// one piece and in parts (plan, every unit, every merge level, exactly as the queue tasks run
// them), vs `llvm-gsymutil-19 --convert` on the same file in the same run; peak WebAssembly
// memory and host reads per call; symcache vs GSYM bytes; agreement with llvm-symbolizer-19 on
// sampled addresses.
//
//   node bench/symcache-build/run.mjs [--samples N] [--unit-mib N] [--no-whole] FILE...
//
// Default files: libpython3.11d.so (25 MB DWARF 5) and the generated corpus of bench/corpus
// when present. Prints numbers; gates nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importTs } from "../lib/import-ts.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const samples = Number(option("--samples", "5000"));
const unitMiB = Number(option("--unit-mib", "16"));
const noWhole = flag("--no-whole");
const files = args.length ? args : ["/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0"].filter(existsSync);

const { buildWhole, buildInParts } = await importTs(join(import.meta.dirname, "builds.ts"));
const { agreement, sampleAddresses } = await importTs(join(import.meta.dirname, "agreement.ts"));
const { DEFAULT_LIMITS } = await importTs(join(ROOT, "src", "symcache", "limits.ts"));
const module = new WebAssembly.Module(readFileSync(join(ROOT, "src", "symcache", "symcache.wasm")));
const work = mkdtempSync(join(tmpdir(), "symcache-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const MB = (n) => (n / 1024 / 1024).toFixed(1);
const pct = (r) => `${(r * 100).toFixed(2)}%`;

function gsym(file) {
  const out = join(work, "out.gsym");
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-v", "llvm-gsymutil-19", "--convert", file, "--out-file", out], {
    encoding: "utf8",
  });
  const ms = performance.now() - t0;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN) * 1024;
  const cpu = ["User time", "System time"].reduce(
    (s, k) => s + Number(new RegExp(`${k} \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1] ?? 0),
    0,
  );
  return { ms, cpuMs: cpu * 1000, rss, size: existsSync(out) ? statSync(out).size : NaN, ok: r.status === 0 };
}

function summarize(stats) {
  const calls = stats.calls;
  const sum = calls.reduce((s, c) => s + c.ms, 0);
  const max = (key) => Math.max(...calls.map((c) => c[key]));
  return { sum, peak: max("wasmPeak"), reads: max("hostReads"), largestRead: max("largestRead") };
}

for (const file of files) {
  const size = statSync(file).size;
  console.log(`\n${file} (${MB(size)} MiB)`);
  const g = gsym(file);
  console.log(
    `  llvm-gsymutil-19   ${(g.ms / 1000).toFixed(2)} s wall, ${(g.cpuMs / 1000).toFixed(2)} s CPU (it runs one thread per core), max RSS ${MB(g.rss)} MiB, GSYM ${MB(g.size)} MiB${g.ok ? "" : " (FAILED)"}`,
  );

  let whole;
  if (!noWhole) {
    // The first build runs mostly in V8's baseline tier; a Worker's isolate is warm after a few.
    await buildWhole(module, file, "object", join(work, "warmup.symcache"));
    whole = await buildWhole(module, file, "object", join(work, "whole.symcache"));
    const c = whole.calls[0];
    console.log(
      `  one piece          ${(c.ms / 1000).toFixed(2)} s, peak wasm ${MB(c.wasmPeak)} MiB, ${c.hostReads} host reads, symcache ${MB(whole.symcacheBytes)} MiB = ${(whole.symcacheBytes / g.size).toFixed(2)}x GSYM`,
    );
  }
  const limits = { ...DEFAULT_LIMITS, unitBytes: unitMiB * 1024 * 1024 };
  const parts = await buildInParts(module, file, "object", limits, join(work, "parts.symcache"));
  const s = summarize(parts);
  const units = parts.calls.filter((c) => c.what.startsWith("unit"));
  const merges = parts.calls.filter((c) => c.what.startsWith("merge"));
  const slowestUnit = Math.max(...units.map((c) => c.ms));
  console.log(
    `  in parts           ${parts.units} units (${unitMiB} MiB of .debug_info each), ${parts.levels} merge level(s); CPU ${(s.sum / 1000).toFixed(2)} s in all`,
  );
  console.log(
    `    plan             ${(parts.calls[0].ms / 1000).toFixed(2)} s, peak wasm ${MB(parts.calls[0].wasmPeak)} MiB, ${parts.calls[0].hostReads} host reads`,
  );
  console.log(
    `    units            slowest ${(slowestUnit / 1000).toFixed(2)} s, peak wasm ${MB(Math.max(...units.map((c) => c.wasmPeak)))} MiB, at most ${Math.max(...units.map((c) => c.hostReads))} host reads, runs ${MB(units.reduce((a, c) => a + c.outputBytes, 0))} MiB`,
  );
  console.log(`    unit times       ${units.map((c) => (c.ms / 1000).toFixed(2)).join(" ")} s`);
  for (const m of merges)
    console.log(
      `    ${m.what.padEnd(17)}${(m.ms / 1000).toFixed(2)} s, peak wasm ${MB(m.wasmPeak)} MiB, ${m.hostReads} host reads`,
    );
  // n consumers take the units in order, each the next unit when it is free (the queue's
  // behaviour); the merges wait for the last unit.
  const wallWith = (n) => {
    const free = new Array(n).fill(0);
    for (const u of units) {
      const k = free.indexOf(Math.min(...free));
      free[k] += u.ms;
    }
    return parts.calls[0].ms + Math.max(...free) + merges.reduce((a, c) => a + c.ms, 0);
  };
  console.log(
    `    wall, 8 consumers in parallel (estimate) ${(wallWith(8) / 1000).toFixed(2)} s = ${(wallWith(8) / g.ms).toFixed(2)}x gsymutil`,
  );
  console.log(
    `    symcache ${MB(parts.symcacheBytes)} MiB = ${(parts.symcacheBytes / g.size).toFixed(2)}x GSYM; peak wasm of any call ${MB(s.peak)} MiB; largest host read ${MB(s.largestRead)} MiB; most host reads in a call ${s.reads}`,
  );
  if (whole) {
    const same = readFileSync(whole.symcachePath).equals(readFileSync(parts.symcachePath));
    console.log(`    one piece and parts give ${same ? "the same bytes" : "DIFFERENT BYTES"}`);
  }
  if (samples > 0) {
    const a = agreement(file, parts.symcachePath, sampleAddresses(file, samples, 42));
    console.log(
      `  vs llvm-symbolizer ${a.n} addresses: file:line ${pct(a.fileLine)}, function ${pct(a.function)}, whole inline chain ${pct(a.chain)}`,
    );
    for (const e of a.examples) console.log(`    ${e}`);
  }
}
