#!/usr/bin/env node
/**
 * Baseline for symcache build time and size: `llvm-gsymutil-19 --convert` on each generated debug
 * file (and libpython3.11d), one run each, wall time measured here and CPU time, peak RSS and the
 * CPU share from GNU time. GSYM is LLVM's compact address -> function/file/line/inline format, the
 * closest thing to a symcache that a stock toolchain builds.
 *
 *   node bench/corpus/gsym-baseline.mjs                 # every manifest under bench/out/corpus + libpython
 *   node bench/corpus/gsym-baseline.mjs FILE...         # given debug files
 *   options: --out DIR (bench/out/corpus), --threads N (llvm-gsymutil's --num-threads; default:
 *            its own default, one thread per core)
 *
 * Writes DIR/gsym/<name>.gsym and DIR/gsym/baseline.json and prints a table. On a shared machine
 * the wall time depends on what else runs: the table shows the load average at the start and the
 * CPU share the tool got, so a reader can tell a slow run from a starved one.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { debugBytes, readObject } from "./object-info.mjs";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0";
const MiB = 1024 * 1024;
const TIMEOUT_MS = 60 * 60 * 1000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: "string", default: join(ROOT, "bench/out/corpus") }, threads: { type: "string" } },
});
const outRoot = resolve(values.out);

/** [name, debug file] of every finished output under outRoot, then libpython. */
function defaultFiles() {
  const files = [];
  for (const entry of existsSync(outRoot) ? readdirSync(outRoot).sort() : []) {
    const manifest = join(outRoot, entry, "manifest.json");
    if (!existsSync(manifest)) continue;
    const m = JSON.parse(readFileSync(manifest, "utf8"));
    files.push([m.name, join(outRoot, m.files.debug.path)]);
  }
  if (existsSync(LIBPYTHON)) files.push(["libpython3.11d", LIBPYTHON]);
  return files;
}

function gsymutil(file, out) {
  const args = ["--convert", file, "--out-file", out, "--quiet"];
  if (values.threads) args.push(`--num-threads=${values.threads}`);
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-v", "llvm-gsymutil-19", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: TIMEOUT_MS,
    });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.on("error", (err) =>
      fail(new Error(`/usr/bin/time (package time) or llvm-gsymutil-19 missing: ${err.message}`)),
    );
    child.on("close", (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0)
        return fail(new Error(`llvm-gsymutil-19 ${args.join(" ")} failed (exit ${code}):\n${log.slice(-3000)}`));
      const field = (label) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(log)?.[1]);
      done({
        wall,
        cpu: field("User time \\(seconds\\)") + field("System time \\(seconds\\)"),
        rssMiB: field("Maximum resident set size \\(kbytes\\)") / 1024,
        functions: /Pruned \d+ functions, ended with (\d+) total/.exec(log)?.[1],
      });
    });
  });
}

const files = positionals.length ? positionals.map((f) => [basename(f), f]) : defaultFiles();
if (!files.length) {
  console.error("no debug files: run bench/corpus/make-large-dwarf.mjs first, or pass files");
  process.exit(2);
}
const threads = values.threads ? Number(values.threads) : availableParallelism();
mkdirSync(join(outRoot, "gsym"), { recursive: true });
const rows = [];
for (const [name, file] of files) {
  const out = join(outRoot, "gsym", `${name}.gsym`);
  const load = loadavg()[0];
  const r = await gsymutil(file, out);
  const debug = debugBytes(readObject(file).sections);
  rows.push({
    name,
    file,
    debugBytes: debug,
    gsymBytes: statSync(out).size,
    wallSeconds: +r.wall.toFixed(2),
    cpuSeconds: +r.cpu.toFixed(2),
    threads,
    cpuShare: +(r.cpu / r.wall).toFixed(2),
    maxRssMiB: +r.rssMiB.toFixed(1),
    functions: Number(r.functions),
    loadAverageAtStart: +load.toFixed(2),
    gsym: out,
  });
  console.error(`${name}: ${r.wall.toFixed(1)} s`);
}
writeFileSync(
  join(outRoot, "gsym", "baseline.json"),
  `${JSON.stringify({ tool: "llvm-gsymutil-19 --convert", date: new Date().toISOString(), rows }, null, 2)}\n`,
);
console.log(
  [
    "| file | debug sections | llvm-gsymutil wall | CPU (user+sys) | threads | CPU share | max RSS | functions | GSYM bytes | GSYM / debug | load avg at start |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${(r.debugBytes / MiB).toFixed(1)} MiB | ${r.wallSeconds} s | ${r.cpuSeconds} s | ${r.threads} | ` +
        `${r.cpuShare} | ${r.maxRssMiB} MiB | ${r.functions} | ${r.gsymBytes} | ${((r.gsymBytes / r.debugBytes) * 100).toFixed(1)}% | ${r.loadAverageAtStart} |`,
    ),
  ].join("\n"),
);
