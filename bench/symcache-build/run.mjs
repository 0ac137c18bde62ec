#!/usr/bin/env node
// Symcache build benchmark: our wasm builder (fresh instance per build, as in the Worker) vs
// `llvm-gsymutil-19 --convert` on the same file, in the same run.
//   node bench/symcache-build/run.mjs [FILE...]
// Default files: libpython3.11d.so (25 MB DWARF 5) and libc's debug file (zlib sections).
// Targets (the issue): time within 2x of llvm-gsymutil, peak wasm memory < 64 MB for the 25 MB
// file, symcache < 25% of the debug file.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url);
const module = new WebAssembly.Module(readFileSync(new URL("src/symcache/symcache.wasm", root)));

function libcDebug() {
  try {
    const notes = execFileSync("readelf", ["-n", "/lib/x86_64-linux-gnu/libc.so.6"]).toString();
    const id = /Build ID: ([0-9a-f]+)/.exec(notes)?.[1];
    return id ? `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug` : undefined;
  } catch {
    return undefined;
  }
}

function build(bytes) {
  const { exports } = new WebAssembly.Instance(module, {});
  const ptr = exports.alloc(bytes.length);
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  const status = exports.build(ptr, bytes.length, 0);
  const peak = exports.memory.buffer.byteLength;
  if (status !== 0) {
    const msg = new TextDecoder().decode(
      new Uint8Array(exports.memory.buffer, exports.error_ptr(), exports.error_len()),
    );
    throw new Error(msg);
  }
  return { size: exports.output_len(), peak };
}

function gsym(file) {
  const dir = mkdtempSync(join(tmpdir(), "gsym-"));
  const out = join(dir, "out.gsym");
  const hasTime = existsSync("/usr/bin/time");
  const args = ["--convert", file, "--out-file", out];
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-v", "llvm-gsymutil-19", ...args], { encoding: "utf8" })
    : spawnSync("llvm-gsymutil-19", args, { encoding: "utf8" });
  const ms = performance.now() - t0;
  const rssKb = hasTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN) : NaN;
  const size = existsSync(out) ? statSync(out).size : NaN;
  rmSync(dir, { recursive: true, force: true });
  return { ms, rssMb: rssKb / 1024, size, ok: r.status === 0 };
}

const mb = (n) => (n / 1024 / 1024).toFixed(1);
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ["/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0", libcDebug()].filter((f) => f && existsSync(f));
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  build(bytes); // warm-up (V8 tiers up the wasm)
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = build(bytes);
    runs.push({ ms: performance.now() - t0, ...r });
  }
  const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b));
  const g = gsym(file);
  console.log(`\n${file} (${mb(bytes.length)} MB)`);
  console.log(
    `  symcache   ${best.ms.toFixed(0)} ms (best of 3), peak wasm memory ${mb(best.peak)} MB, output ${mb(best.size)} MB = ${((best.size / bytes.length) * 100).toFixed(1)}% of input`,
  );
  console.log(
    `  gsymutil   ${g.ms.toFixed(0)} ms, max RSS ${g.rssMb.toFixed(1)} MB, output ${mb(g.size)} MB${g.ok ? "" : " (FAILED)"}`,
  );
  console.log(
    `  time ratio ${(best.ms / g.ms).toFixed(2)}x (target <= 2x); peak ${mb(best.peak)} MB (target < 64 MB for the 25 MB file); size ${((best.size / bytes.length) * 100).toFixed(1)}% (target < 25%)`,
  );
}
