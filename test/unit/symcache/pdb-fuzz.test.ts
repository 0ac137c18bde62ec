/**
 * Seeded fuzzing of the PDB reader: real PDBs with bytes changed inside the streams the builder
 * reads (directory, PDB info, DBI, TPI, IPI, module streams, publics, /names, section headers,
 * srcsrv), or cut short. Every run must end ok or with a clear error, never an exception, a
 * trap or a hang. A fixed seed makes a failure reproducible.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Msf } from "../../../src/identify/msf";
import { BufferReader } from "../../../src/common/ranged-reader";
import { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

const SEEDS = ["pe-x86_64-o2.pdb", "pe-x86-o2.pdb", "pe-x86_64-o2-ghash.pdb"];

/** File offsets of every byte of every stream (the directory included), so mutations hit data we read. */
async function streamBytes(bytes: Uint8Array): Promise<number[]> {
  const msf = await Msf.open(new BufferReader(bytes));
  if (typeof msf === "string") throw new Error(msf);
  const offsets: number[] = [];
  for (let index = 0; index < 64; index++) {
    const stream = await msf.stream(index);
    if (typeof stream === "string") throw new Error(stream);
    if (!stream) continue;
    stream.pages.forEach((page, i) => {
      const len = Math.min(msf.blockSize, stream.size - i * msf.blockSize);
      for (let k = 0; k < len; k++) offsets.push(page * msf.blockSize + k);
    });
  }
  return offsets;
}

function mutate(input: Uint8Array, targets: number[], next: () => number): Uint8Array {
  const out = input.slice();
  const mode = Math.floor(next() * 5);
  if (mode === 4) return out.subarray(0, Math.floor(next() * out.length));
  const n = 1 + Math.floor(next() * 8);
  for (let i = 0; i < n; i++) {
    const at = targets[Math.floor(next() * targets.length)] ?? 0;
    if (mode === 0) out[at] = Math.floor(next() * 256);
    else if (mode === 1) out[at] = (out[at] ?? 0) ^ (1 << Math.floor(next() * 8));
    else if (mode === 2) out[at] = [0, 0xff, 0x7f, 0x80, 0x01][Math.floor(next() * 5)] ?? 0;
    else out.fill(0xff, at, Math.min(out.length, at + 4)); // a u32 set to 0xFFFFFFFF
  }
  return out;
}

describe("PDB fuzz", () => {
  it("mutated and truncated PDBs build or fail with a message, within bounded time", async () => {
    const next = mulberry32(0x9db);
    const inputs = SEEDS.map((name) => new Uint8Array(readFileSync(FIXTURES + name)));
    const targets = await Promise.all(inputs.map(streamBytes));
    const deadline = Date.now() + 25_000;
    let runs = 0;
    let errors = 0;
    let slowest = 0;
    while (Date.now() < deadline && runs < 4000) {
      const i = runs % inputs.length;
      const mutated = mutate(inputs[i] ?? new Uint8Array(), targets[i] ?? [], next);
      const started = Date.now();
      const built = await buildBytes(mutated, "pdb");
      slowest = Math.max(slowest, Date.now() - started);
      if (built.ok) {
        expect(MemorySymcache.open(built.symcache).ok).toBe(true);
        expect(built.peakMemoryBytes).toBeLessThan(64 << 20);
      } else {
        errors++;
        // A trap ("crashed") would mean a panic or an out-of-memory abort in the reader.
        expect(built.error).not.toMatch(/crashed/);
        expect(built.error.length).toBeGreaterThan(10);
      }
      runs++;
    }
    console.log(`PDB fuzz: ${runs} runs, ${errors} clear errors, slowest ${slowest} ms`);
    expect(runs).toBeGreaterThan(500);
    expect(slowest).toBeLessThan(2_000);
  }, 60_000);
});
