/**
 * dwz supplementary files: with build kind 2 (an ELF file framed together with the file its
 * `.gnu_debugaltlink` names), DW_FORM_GNU_strp_alt / DW_FORM_GNU_ref_alt names are resolved
 * from the alternate file; without it they stay empty, as in llvm-symbolizer.
 * The TypeScript wrapper does not expose kind 2 yet, so this drives the raw exports.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SymCache } from "../../../src/symcache/reader";
import { builderModule, FIXTURES, openSymcache, rng } from "./helpers";

interface Exports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  build(ptr: number, len: number, kind: number): number;
  output_ptr(): number;
  output_len(): number;
  error_ptr(): number;
  error_len(): number;
}

function bundle(main: Uint8Array, alt: Uint8Array): Uint8Array {
  const altStart = 8 + Math.ceil(main.length / 8) * 8;
  const out = new Uint8Array(altStart + alt.length);
  out.set([0x44, 0x57, 0x5a, 0]); // "DWZ\0"
  new DataView(out.buffer).setUint32(4, main.length, true);
  out.set(main, 8);
  out.set(alt, altStart);
  return out;
}

function buildRaw(input: Uint8Array, kind: number): { ok: true; symcache: SymCache } | { ok: false; error: string } {
  const { exports } = new WebAssembly.Instance(builderModule(), {}) as unknown as { exports: Exports };
  const ptr = exports.alloc(input.length);
  new Uint8Array(exports.memory.buffer, ptr, input.length).set(input);
  if (exports.build(ptr, input.length, kind) !== 0) {
    const msg = new Uint8Array(exports.memory.buffer, exports.error_ptr(), exports.error_len());
    return { ok: false, error: new TextDecoder().decode(msg) };
  }
  const bytes = new Uint8Array(exports.memory.buffer, exports.output_ptr(), exports.output_len()).slice();
  const parsed = SymCache.parse(bytes);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { ok: true, symcache: parsed.symcache };
}

const file = (name: string) => new Uint8Array(readFileSync(FIXTURES + name));
const COMMON = file("elf-x86_64-dwz-common.debug");

describe("dwz alternate files (build kind 2)", () => {
  it("resolves inlined names that live in the alternate file", () => {
    const alone = openSymcache(`${FIXTURES}elf-x86_64-dwz-b.so`).lookup(0x1120);
    expect(alone[0]?.symbol).toBe("");
    const built = buildRaw(bundle(file("elf-x86_64-dwz-b.so"), COMMON), 2);
    expect(built.ok, built.ok ? "" : built.error).toBe(true);
    if (!built.ok) return;
    const frames = built.symcache.lookup(0x1120);
    expect(frames.map((f) => [f.symbol, f.filename, f.lineno])).toEqual([
      ["clamp_add", "util.h", 14],
      ["lib_helper", "lib.c", 10],
    ]);
  });

  it("changes nothing but the empty names", () => {
    for (const name of ["elf-x86_64-dwz-a", "elf-x86_64-dwz-b.so"]) {
      const alone = openSymcache(FIXTURES + name);
      const built = buildRaw(bundle(file(name), COMMON), 2);
      expect(built.ok).toBe(true);
      if (!built.ok) continue;
      let filled = 0;
      for (let a = 0x1000; a < 0x1400; a++) {
        const x = alone.lookup(a);
        const y = built.symcache.lookup(a);
        expect(y.map((f) => [f.filename, f.lineno, f.symAddr])).toEqual(
          x.map((f) => [f.filename, f.lineno, f.symAddr]),
        );
        x.forEach((f, i) => {
          if (f.symbol === "") {
            filled++;
            expect(y[i]?.symbol, `${name} 0x${a.toString(16)}`).not.toBe("");
          } else expect(y[i]?.symbol).toBe(f.symbol);
        });
      }
      expect(filled, name).toBeGreaterThan(0);
    }
  });

  it("refuses an alternate file with another build id, and malformed framing", () => {
    const wrong = buildRaw(bundle(file("elf-x86_64-dwz-b.so"), file("elf-x86_64-gcc-dw5-O2-pie.debug")), 2);
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/build id does not match/) as unknown });
    const noLink = buildRaw(bundle(file("elf-x86_64-gcc-dw5-O2-pie"), COMMON), 2);
    expect(noLink).toMatchObject({ ok: false, error: expect.stringMatching(/no \.gnu_debugaltlink/) as unknown });
    const truncated = buildRaw(bundle(file("elf-x86_64-dwz-b.so"), COMMON).subarray(0, 100), 2);
    expect(truncated).toMatchObject({ ok: false, error: expect.stringMatching(/malformed/) as unknown });
    expect(buildRaw(new Uint8Array(16), 4)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown input kind/) as unknown,
    });
  });

  it("fuzz: mutated alternate files give ok or a clear error, never a trap", () => {
    const next = rng(0xd3a);
    const main = file("elf-x86_64-dwz-b.so");
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const alt = COMMON.slice();
      const n = 1 + Math.floor(next() * 16);
      for (let j = 0; j < n; j++) alt[Math.floor(next() * alt.length)] = Math.floor(next() * 256);
      const built = buildRaw(bundle(main, alt), 2);
      if (!built.ok) {
        errors++;
        expect(built.error.length).toBeGreaterThan(10);
      } else built.symcache.lookup(0x1120);
    }
    expect(errors).toBeLessThan(300);
  });
});
