/**
 * Seeded fuzzing: mutated real fixtures through the builder (no exception escapes, each result
 * is ok or a clear error, bounded time) and mutated symcaches through the reader (parse and
 * lookup never throw). Fixed seed, so a failure reproduces.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

const SEEDS = [
  "elf-x86_64-gcc-dw5-O2-pie",
  "elf-x86_64-gcc-dw4-O0-pie",
  "elf-x86_64-gcc-dw5-O2-pie.zlib.debug",
  "elf-x86_64-gcc-dw5-O2-pie.zstd.debug",
  "elf-x86_64-cpp",
  "macho-x86_64.dwarf",
  "pe-x86_64-fixture.dll",
  "wasm-buildid-sha1.wasm",
  "breakpad-inline.sym",
];

function mutate(input: Uint8Array, next: () => number): Uint8Array {
  const out = input.slice();
  const mode = Math.floor(next() * 4);
  const n = 1 + Math.floor(next() * 16);
  if (mode === 3) return out.subarray(0, Math.floor(next() * out.length)); // truncation
  for (let i = 0; i < n; i++) {
    const at = Math.floor(next() * out.length);
    if (mode === 0) out[at] = Math.floor(next() * 256);
    else if (mode === 1) out[at] = (out[at] ?? 0) ^ (1 << Math.floor(next() * 8));
    else out[at] = [0, 0xff, 0x7f, 0x80][Math.floor(next() * 4)] ?? 0;
  }
  return out;
}

describe("fuzz", () => {
  it("the builder on mutated fixtures: ok or a clear error, never an exception", async () => {
    const next = mulberry32(0x5eed);
    const inputs = SEEDS.map((name) => new Uint8Array(readFileSync(FIXTURES + name)));
    const deadline = Date.now() + 20_000;
    let runs = 0;
    let errors = 0;
    while (Date.now() < deadline && runs < 3000) {
      const i = runs % inputs.length;
      const mutated = mutate(inputs[i] ?? new Uint8Array(), next);
      const started = Date.now();
      const built = await buildBytes(mutated, SEEDS[i]?.endsWith(".sym") ? "breakpad" : "object");
      expect(Date.now() - started).toBeLessThan(5_000);
      if (built.ok) {
        expect(MemorySymcache.open(built.symcache).ok).toBe(true);
      } else {
        errors++;
        expect(built.error.length).toBeGreaterThan(10);
      }
      runs++;
    }
    console.log(`builder fuzz: ${runs} runs, ${errors} clear errors`);
    expect(runs).toBeGreaterThan(100);
  }, 60_000);

  it("opening and looking up mutated symcaches never throws", async () => {
    const next = mulberry32(0xc0ffee);
    const built = await buildBytes(new Uint8Array(readFileSync(`${FIXTURES}elf-x86_64-cpp`)), "object");
    if (!built.ok) throw new Error(built.error);
    let opened = 0;
    for (let run = 0; run < 5000; run++) {
      const mutated = mutate(built.symcache, next);
      const parsed = MemorySymcache.open(mutated);
      if (!parsed.ok) continue;
      opened++;
      for (let k = 0; k < 20; k++) parsed.symcache.lookup(0x1000 + Math.floor(next() * 0x1000));
    }
    expect(opened).toBeGreaterThan(100);
  });
});
