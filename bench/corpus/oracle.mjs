#!/usr/bin/env node
/**
 * The answers a symcache is judged against: N addresses sampled from a debug file's line table
 * and llvm-symbolizer-19's frames for each (innermost first, whole inline chain).
 *
 *   node bench/corpus/oracle.mjs FILE [--count 5000] [--seed 1] [--mid-row 0.25] [--out PATH]
 *   node bench/corpus/oracle.mjs --libpython          # Debian's libpython3.11d (libpython3.11-dbg)
 *
 * Sampling: every row of every line-table sequence that lies in an executable section starts a
 * "row range" [row address, next row address); rows at the same address count once, and
 * sequences of code the linker dropped (tombstoned to 0 or -1, outside every executable section)
 * do not count. N ranges are drawn uniformly with reservoir sampling under a seeded PRNG, so the
 * same file and seed always give the same addresses. A fraction (--mid-row) of the drawn ranges
 * longer than one byte contribute an address strictly inside the range instead of its start:
 * lookups must answer for any address an instruction pointer can hold, not only row starts.
 * Inlined code is not forced: in -O2 C++ most rows are inside inlined calls, and the output counts
 * how many samples have an inline chain (and how deep).
 *
 * Frames: one llvm-symbolizer-19 process over all addresses (`--inlines --functions=linkage
 * --no-demangle --output-style=JSON`, the names a symcache stores), names demangled once more with
 * llvm-cxxfilt-19 for reading. Output JSON (default bench/out/corpus/oracle/<file>-<debug id>.json):
 *   { file, debugId, codeId, imageBase, seed, tool, stats, midRow: [address...],
 *     frames: { "0x<address>": [{ function, demangled, file, line, column }, ...innermost first] } }
 * Addresses are the file's own virtual addresses; subtract imageBase for image-relative ones.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readObject } from "./object-info.mjs";
import { rng } from "../../test/support/prng.mjs";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0";
const SYMBOLIZER_ARGS = ["--inlines", "--functions=linkage", "--no-demangle", "--output-style=JSON"];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: "string", default: "5000" },
    seed: { type: "string", default: "1" },
    "mid-row": { type: "string", default: "0.25" },
    out: { type: "string" },
    libpython: { type: "boolean", default: false },
  },
});

const count = Number(values.count);
const midRowShare = Number(values["mid-row"]);
if (!Number.isInteger(count) || count < 1 || !(midRowShare >= 0 && midRowShare <= 1)) {
  console.error("--count takes a positive integer, --mid-row a fraction in [0, 1]");
  process.exit(2);
}
const file = values.libpython ? libpythonDebugFile() : positionals[0];
if (!file || !existsSync(file)) {
  console.error(
    "usage: node bench/corpus/oracle.mjs FILE|--libpython [--count N] [--seed N] [--mid-row F] [--out PATH]",
  );
  process.exit(2);
}

/**
 * libpython3.11d's DWARF: the separate file under /usr/lib/debug/.build-id/ if one is installed
 * for its build id, else the library itself (Debian's libpython3.11-dbg ships it unstripped).
 */
function libpythonDebugFile() {
  if (!existsSync(LIBPYTHON)) {
    console.error(`${LIBPYTHON} is missing: install libpython3.11-dbg (bash scripts/install-toolchain.sh)`);
    process.exit(2);
  }
  const id = readObject(LIBPYTHON).codeId;
  const separate = id && `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
  return separate && existsSync(separate) ? separate : LIBPYTHON;
}

/**
 * Stream `llvm-dwarfdump-19 --debug-line` and call `onRange(start, end)` for every row range
 * in an executable section. Rows print as
 *   0x<address 16 hex> <line> <column> <file> <isa> <discriminator> <op index> <flags...>
 */
function eachRowRange(path, inCode, onRange) {
  return new Promise((done, fail) => {
    const child = spawn("llvm-dwarfdump-19", ["--debug-line", path], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let rest = "";
    let start; // address of the pending row of the current sequence
    const row = (line) => {
      if (!line.startsWith("0x") || line.length < 19) {
        if (line.startsWith("debug_line[")) start = undefined; // a new line table
        return;
      }
      const address = Number.parseInt(line.slice(2, 18), 16);
      if (start !== undefined && address > start && inCode(start)) onRange(start, address);
      start = line.includes("end_sequence") ? undefined : address;
    };
    child.stdout.setEncoding("latin1");
    child.stdout.on("data", (chunk) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop();
      for (const line of lines) row(line);
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => fail(new Error(`llvm-dwarfdump-19 could not start: ${err.message}`)));
    child.on("close", (code) => {
      row(rest);
      if (code === 0) done();
      else fail(new Error(`llvm-dwarfdump-19 --debug-line ${path} failed (exit ${code}): ${stderr.slice(-2000)}`));
    });
  });
}

/** llvm-symbolizer's frames for each address, in input order, over one process. */
function symbolize(path, addresses) {
  return new Promise((done, fail) => {
    const child = spawn("llvm-symbolizer-19", [`--obj=${path}`, ...SYMBOLIZER_ARGS], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => fail(new Error(`llvm-symbolizer-19 could not start: ${err.message}`)));
    child.on("close", (code) => {
      if (code !== 0) return fail(new Error(`llvm-symbolizer-19 failed (exit ${code}): ${stderr.slice(-2000)}`));
      const answers = out
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
      if (answers.length !== addresses.length) {
        return fail(new Error(`llvm-symbolizer-19 answered ${answers.length} of ${addresses.length} addresses`));
      }
      done(answers.map((a) => a.Symbol ?? []));
    });
    child.stdin.end(addresses.map((a) => `0x${a.toString(16)}`).join("\n") + "\n");
  });
}

function demangle(names) {
  const unique = [...new Set(names)];
  const out = execFileSync("llvm-cxxfilt-19", [], { input: unique.join("\n") + "\n", maxBuffer: 1 << 30 })
    .toString()
    .split("\n");
  return new Map(unique.map((n, i) => [n, out[i] ?? n]));
}

const t0 = performance.now();
const object = readObject(file);
const code = object.sections.filter((s) => s.executable && s.size > 0).map((s) => [s.addr, s.addr + s.size]);
const inCode = (a) => code.some(([lo, hi]) => a >= lo && a < hi);

// Reservoir sampling (Vitter's algorithm R): after n ranges, each is held with probability k/n.
const seed = Number(values.seed);
const pickRows = rng(seed, "oracle/rows");
const reservoir = [];
let ranges = 0;
await eachRowRange(file, inCode, (start, end) => {
  if (reservoir.length < count) reservoir.push([start, end]);
  else {
    const j = Math.floor(pickRows.next() * (ranges + 1));
    if (j < count) reservoir[j] = [start, end];
  }
  ranges++;
});
const scanned = performance.now();

const pickOffsets = rng(seed, "oracle/mid-row");
const midRow = new Set();
const addresses = [
  ...new Set(
    reservoir.map(([start, end]) => {
      if (end - start > 1 && pickOffsets.chance(midRowShare)) {
        const a = start + 1 + Math.floor(pickOffsets.next() * (end - start - 1));
        midRow.add(a);
        return a;
      }
      return start;
    }),
  ),
].sort((a, b) => a - b);

const answers = await symbolize(file, addresses);
const names = demangle(answers.flat().map((f) => f.FunctionName));
const frames = {};
let withInlines = 0;
let unknown = 0;
let maxDepth = 0;
const depths = {};
addresses.forEach((a, i) => {
  const chain = answers[i].map((f) => ({
    function: f.FunctionName,
    demangled: names.get(f.FunctionName),
    file: f.FileName,
    line: f.Line,
    column: f.Column,
  }));
  frames[`0x${a.toString(16)}`] = chain;
  if (chain.length > 1) withInlines++;
  if (!chain.length || !chain[0].function) unknown++;
  maxDepth = Math.max(maxDepth, chain.length);
  depths[chain.length] = (depths[chain.length] ?? 0) + 1;
});

const version = execFileSync("llvm-symbolizer-19", ["--version"])
  .toString()
  .match(/LLVM version (\S+)/)?.[1];
const result = {
  file: resolve(file),
  debugId: object.debugId,
  codeId: object.codeId,
  imageBase: `0x${object.imageBase.toString(16)}`,
  seed,
  tool: `llvm-symbolizer ${version} ${SYMBOLIZER_ARGS.join(" ")}`,
  stats: {
    rowRanges: ranges,
    sampled: addresses.length,
    midRow: midRow.size,
    withInlines,
    unknown,
    framesPerAddress: depths,
    maxDepth,
    scanSeconds: +((scanned - t0) / 1000).toFixed(1),
    totalSeconds: +((performance.now() - t0) / 1000).toFixed(1),
  },
  midRow: [...midRow].sort((a, b) => a - b).map((a) => `0x${a.toString(16)}`),
  frames,
};
const out =
  values.out ??
  join(ROOT, "bench/out/corpus/oracle", `${basename(file).replace(/\.debug$/, "")}-${object.debugId}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
console.log(
  `${file}: ${addresses.length} addresses from ${ranges} row ranges (${midRow.size} inside a row, ` +
    `${withInlines} with inlined frames, deepest chain ${maxDepth}, ${unknown} unknown) ` +
    `in ${result.stats.totalSeconds} s (line table scan ${result.stats.scanSeconds} s)\n  -> ${out}`,
);
