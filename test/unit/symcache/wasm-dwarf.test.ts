/**
 * WebAssembly with DWARF against llvm-symbolizer-19: every line-table row of the -O1/-O2
 * fixtures (four units, inlined util.h helpers, C++ templates), function (linkage name), file,
 * line and the whole inline chain.
 *
 * Addresses: WASM DWARF is relative to the code section's payload; stack traces (and so the
 * symcache) use module offsets, DWARF address + code-section offset, as symbolic does.
 * llvm-symbolizer takes code-section offsets for DWARF but module offsets for symbols, so it
 * runs on a copy without the name section (the fixtures have no exports): DWARF answers only.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import { BufferReader } from "../../../src/common/ranged-reader";
import { symcacheSupport } from "../../../src/symcache/support";
import {
  buildFile,
  compareFrames,
  FIXTURES,
  HAS_LLVM,
  lineTableAddresses,
  openSymcache,
  symbolize,
  wasmCodeOffset,
  type Disagreement,
} from "./helpers";

const scratch = mkdtempSync(join(tmpdir(), "wasm-oracle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function agreement(name: string) {
  const file = FIXTURES + name;
  const bare = join(scratch, name);
  execFileSync("llvm-objcopy-19", ["--remove-section=name", file, bare]);
  const sc = await openSymcache(file);
  const code = wasmCodeOffset(new Uint8Array(readFileSync(file)));
  const rows = lineTableAddresses(file);
  const oracle = symbolize(bare, rows);
  const kinds: Partial<Record<Disagreement, number>> = {};
  let bad = 0;
  let frames = 0;
  rows.forEach((row, i) => {
    const theirs = oracle[i] ?? [];
    frames += theirs.length;
    const kind = compareFrames(sc.lookup(row + code), theirs);
    if (kind) {
      bad++;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  });
  return { rate: 1 - bad / rows.length, n: rows.length, frames, kinds };
}

describe.skipIf(!HAS_LLVM)("WebAssembly DWARF agrees with llvm-symbolizer-19", () => {
  for (const name of ["wasm32-dwarf-O1.wasm", "wasm32-dwarf-O2.wasm"]) {
    it(`${name}: every line-table row, whole inline chains`, async () => {
      const result = await agreement(name);
      console.log(
        `${name}: ${(result.rate * 100).toFixed(2)}% of ${result.n} rows (${result.frames} frames)`,
        result.kinds,
      );
      expect(result.n).toBeGreaterThan(40);
      expect(result.frames).toBeGreaterThan(result.n); // inline chains are exercised
      expect(result.rate).toBe(1);
    });
  }
});

describe("WebAssembly debug files", () => {
  it("frames carry file and line, module offsets are DWARF + code-section offset", async () => {
    const file = `${FIXTURES}wasm32-dwarf-O2.wasm`;
    const sc = await openSymcache(file);
    const code = wasmCodeOffset(new Uint8Array(readFileSync(file)));
    const hits = lineTableAddresses(file).map((row) => sc.lookup(row + code));
    expect(hits.every((frames) => frames.length > 0 && frames[0]?.absPath?.startsWith("/build/src/"))).toBe(true);
    expect(hits.filter((frames) => (frames[0]?.lineno ?? 0) > 0).length).toBeGreaterThan(hits.length * 0.8);
    // C++ keeps the DWARF linkage name (wasm-ld's name section is demangled, return type included).
    expect(hits.flat().map((f) => f.symbol)).toContain("_ZN7fixture4geom7length2IiEET_RKNS0_3VecIS2_EE");
  });

  it("a module split like emscripten -gseparate-dwarf pairs with its debug file by debug id", async () => {
    const main = await identify(
      new BufferReader(new Uint8Array(readFileSync(`${FIXTURES}wasm32-dwarf-O2.split.wasm`))),
    );
    const debug = await identify(new BufferReader(new Uint8Array(readFileSync(`${FIXTURES}wasm32-dwarf-O2.wasm`))));
    if (!main.ok || !debug.ok) throw new Error("identification failed");
    expect(main.identity.debugId).toBe(debug.identity.debugId);
    expect(main.identity.features).not.toContain("debug");
    expect(debug.identity.features).toContain("debug");
    // The stripped module still names functions from its name section, at the same offsets.
    const split = await openSymcache(`${FIXTURES}wasm32-dwarf-O2.split.wasm`);
    const full = await openSymcache(`${FIXTURES}wasm32-dwarf-O2.wasm`);
    const code = wasmCodeOffset(new Uint8Array(readFileSync(`${FIXTURES}wasm32-dwarf-O2.wasm`)));
    const row = lineTableAddresses(`${FIXTURES}wasm32-dwarf-O2.wasm`)[0] ?? 0;
    const outer = full.lookup(row + code).at(-1);
    expect(split.lookup(row + code)).toEqual([expect.objectContaining({ lineno: 0, symAddr: outer?.symAddr })]);
  });

  it("a debug file without its code section is stored without a symcache, never built with wrong addresses", async () => {
    const file = `${FIXTURES}wasm-buildid-sha1.debug.wasm`;
    const identified = await identify(new BufferReader(new Uint8Array(readFileSync(file))));
    if (!identified.ok) throw new Error("identification failed");
    // The upload ends `ok` with this note; the module with the same debug id answers.
    expect(symcacheSupport(identified.identity)).toMatchObject({
      supported: false,
      detail: expect.stringMatching(/no code section/) as unknown,
    });
    const built = await buildFile(file);
    expect(built.ok).toBe(false);
    expect(!built.ok && built.error).toMatch(/no code section/);
  });
});
