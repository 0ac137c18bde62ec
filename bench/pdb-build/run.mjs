#!/usr/bin/env node
// PDB symcache benchmark on a generated Windows program: N C++ translation units (namespaces,
// class templates with inlined members, three-deep inline chains, noinline functions), built
// with clang-19 in cl mode (/Z7 /O2) and lld-link-19 (/debug:ghash), then:
//   - our wasm builder on the PDB (fresh instance, as in the Worker): time, peak wasm memory,
//     symcache size;
//   - agreement with llvm-symbolizer-19 (on the exe, which reads the PDB) at seeded random
//     line-table addresses (llvm-pdbutil-19 dump -l), function + file + line of every frame,
//     names demangled.
//   node bench/pdb-build/run.mjs [UNITS=40] [FUNCTIONS_PER_UNIT=150]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [units = 40, perUnit = 150] = process.argv.slice(2).map(Number);
const root = new URL("../../", import.meta.url);
const module = new WebAssembly.Module(readFileSync(new URL("src/symcache/symcache.wasm", root)));
const dir = mkdtempSync(join(tmpdir(), "pdb-bench-"));

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

const t0 = performance.now();
const objs = [];
const jobs = [];
/** One translation unit, compiled as the fixtures are (clang-cl /Z7 /O2, no CRT). */
const compile = (name) => {
  objs.push(`${name}.obj`);
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
await run("lld-link-19", [
  "/nologo",
  "/debug:ghash",
  "/nodefaultlib",
  "/entry:main",
  "/subsystem:console",
  "/pdb:gen.pdb",
  "/out:gen.exe",
  ...objs,
]);
const pdb = join(dir, "gen.pdb");
console.log(
  `built ${units} units x ${perUnit} functions in ${((performance.now() - t0) / 1000).toFixed(0)} s: PDB ${(statSync(pdb).size / 2 ** 20).toFixed(1)} MiB`,
);

const bytes = new Uint8Array(readFileSync(pdb));
const { exports } = new WebAssembly.Instance(module, {});
const ptr = exports.alloc(bytes.length);
new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
const b0 = performance.now();
const status = exports.build(ptr, bytes.length, 3);
const ms = performance.now() - b0;
if (status !== 0)
  throw new Error(
    new TextDecoder().decode(new Uint8Array(exports.memory.buffer, exports.error_ptr(), exports.error_len())),
  );
const symcache = new Uint8Array(exports.memory.buffer, exports.output_ptr(), exports.output_len()).slice();
const peak = exports.memory.buffer.byteLength;
console.log(
  `symcache: ${ms.toFixed(0)} ms, peak wasm memory ${(peak / 2 ** 20).toFixed(1)} MiB (input ${(bytes.length / 2 ** 20).toFixed(1)} MiB), symcache ${(symcache.length / 2 ** 20).toFixed(2)} MiB`,
);
writeFileSync(join(dir, "gen.symcache"), symcache);
// The agreement check runs in the unit tests' oracle (TypeScript helpers): the files stay.
console.log(`agreement: PDB_BENCH=${dir} npx vitest run --project unit test/unit/symcache/pdb-oracle.test.ts`);
