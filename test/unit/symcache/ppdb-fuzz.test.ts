/**
 * Seeded fuzzing of the Portable PDB reader through the WebAssembly builder: the real fixtures
 * (a Portable PDB, and a .NET PE embedding one) with bytes changed anywhere or cut short. Every
 * run must end with a readable symcache or a clear error, never a trap, a hang or a read past
 * the file. The crate runs the same mutations natively in a debug build, where integer overflow
 * panics (crates/symcache/src/ppdb/tests.rs). A fixed seed makes a failure reproducible.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

const SEEDS = ["dotnet-fixture.pdb", "dotnet-fixture-embedded.dll"];

function mutate(input: Uint8Array, next: () => number): Uint8Array {
  const out = input.slice();
  const mode = Math.floor(next() * 5);
  if (mode === 4) return out.subarray(0, Math.floor(next() * out.length));
  const n = 1 + Math.floor(next() * 8);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(next() * out.length);
    if (mode === 0) out[at] = Math.floor(next() * 256);
    else if (mode === 1) out[at] = (out[at] ?? 0) ^ (1 << Math.floor(next() * 8));
    else if (mode === 2) out[at] = [0, 0xff, 0x7f, 0x80, 0x01][Math.floor(next() * 5)] ?? 0;
    else out.fill(0xff, at, Math.min(out.length, at + 4)); // a u32 set to 0xFFFFFFFF
  }
  return out;
}

describe("Portable PDB fuzz", () => {
  it("mutated and truncated Portable PDBs build or fail with a message, within bounded time and reads", async () => {
    const next = mulberry32(0x99db);
    const inputs = SEEDS.map((name) => new Uint8Array(readFileSync(FIXTURES + name)));
    const deadline = Date.now() + 20_000;
    let runs = 0;
    let errors = 0;
    let slowest = 0;
    const reasons = new Map<string, number>();
    while (Date.now() < deadline && runs < 6000) {
      const input = inputs[runs % inputs.length] as Uint8Array;
      const mutated = mutate(input, next);
      const started = Date.now();
      const built = await buildBytes(mutated, "portablepdb");
      slowest = Math.max(slowest, Date.now() - started);
      if (built.ok) {
        const opened = MemorySymcache.open(built.symcache);
        expect(opened.ok).toBe(true);
        if (opened.ok) expect(opened.symcache.ilOffsetBits).toBeLessThanOrEqual(24);
        expect(built.report.hostReadBytes).toBeLessThanOrEqual(mutated.byteLength);
        expect(built.peakMemoryBytes).toBeLessThan(64 << 20);
      } else {
        errors++;
        // A trap ("crashed") would mean a panic or an out-of-memory abort in the reader.
        expect(built.error).not.toMatch(/crashed/);
        expect(built.error.length).toBeGreaterThan(10);
        const reason = built.error.replace(/\d+/g, "N").slice(0, 90);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      runs++;
    }
    console.log(`Portable PDB fuzz: ${runs} runs, ${errors} clear errors, slowest ${slowest} ms`);
    console.log(
      [...reasons]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([r, n]) => `${n} × ${r}`)
        .join("\n"),
    );
    expect(runs).toBeGreaterThan(1000);
    expect(errors).toBeGreaterThan(50);
    expect(slowest).toBeLessThan(2_000);
  }, 60_000);
});
