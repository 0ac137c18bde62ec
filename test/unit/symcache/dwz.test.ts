/**
 * dwz supplementary files: when the file `.gnu_debugaltlink` names is passed as the builder's
 * second source, DW_FORM_GNU_strp_alt / DW_FORM_GNU_ref_alt names are resolved from it; without
 * it they stay empty, as in llvm-symbolizer.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES, openBytes, openSymcache } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

async function buildWithAlt(
  main: Uint8Array,
  alt: Uint8Array,
): Promise<{ ok: true; symcache: MemorySymcache } | { ok: false; error: string }> {
  const built = await buildBytes(main, "object", alt);
  return built.ok ? { ok: true, symcache: openBytes(built.symcache) } : built;
}

const file = (name: string) => new Uint8Array(readFileSync(FIXTURES + name));
const COMMON = file("elf-x86_64-dwz-common.debug");

describe("dwz alternate files", () => {
  it("resolves inlined names that live in the alternate file", async () => {
    const alone = (await openSymcache(`${FIXTURES}elf-x86_64-dwz-b.so`)).lookup(0x1120);
    expect(alone[0]?.symbol).toBe("");
    const built = await buildWithAlt(file("elf-x86_64-dwz-b.so"), COMMON);
    expect(built.ok, built.ok ? "" : built.error).toBe(true);
    if (!built.ok) return;
    const frames = built.symcache.lookup(0x1120);
    expect(frames.map((f) => [f.symbol, f.filename, f.lineno])).toEqual([
      ["clamp_add", "util.h", 14],
      ["lib_helper", "lib.c", 10],
    ]);
  });

  it("changes nothing but the empty names", async () => {
    for (const name of ["elf-x86_64-dwz-a", "elf-x86_64-dwz-b.so"]) {
      const alone = await openSymcache(FIXTURES + name);
      const built = await buildWithAlt(file(name), COMMON);
      expect(built.ok).toBe(true);
      if (!built.ok) continue;
      let filled = 0;
      for (let a = 0x1000; a < 0x1400; a++) {
        const x = alone.lookup(a);
        const y = built.symcache.lookup(a);
        expect(y.map((f) => [f.filename, f.lineno, f.symAddr])).toEqual(
          x.map((f) => [f.filename, f.lineno, f.symAddr]),
        );
        // A lone frame without a function entry is a line row no function covers (padding):
        // unnamed with or without the alternate file, like llvm-symbolizer's `??`.
        const lineOnly = x.length === 1 && x[0]?.symAddr === undefined;
        x.forEach((f, i) => {
          if (f.symbol === "" && !lineOnly) {
            filled++;
            expect(y[i]?.symbol, `${name} 0x${a.toString(16)}`).not.toBe("");
          } else expect(y[i]?.symbol).toBe(f.symbol);
        });
      }
      expect(filled, name).toBeGreaterThan(0);
    }
  });

  it("refuses an alternate file with another build id, or one the file does not name", async () => {
    const wrong = await buildWithAlt(file("elf-x86_64-dwz-b.so"), file("elf-x86_64-gcc-dw5-O2-pie.debug"));
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/build id does not match/) as unknown });
    const noLink = await buildWithAlt(file("elf-x86_64-gcc-dw5-O2-pie"), COMMON);
    expect(noLink).toMatchObject({ ok: false, error: expect.stringMatching(/no \.gnu_debugaltlink/) as unknown });
    const truncated = await buildWithAlt(file("elf-x86_64-dwz-b.so"), COMMON.subarray(0, 100));
    expect(truncated).toMatchObject({
      ok: false,
      error: expect.stringMatching(/alternate file could not be read/) as unknown,
    });
  });

  it("fuzz: mutated alternate files give ok or a clear error, never a trap", async () => {
    const next = mulberry32(0xd3a);
    const main = file("elf-x86_64-dwz-b.so");
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const alt = COMMON.slice();
      const n = 1 + Math.floor(next() * 16);
      for (let j = 0; j < n; j++) alt[Math.floor(next() * alt.length)] = Math.floor(next() * 256);
      const built = await buildWithAlt(main, alt);
      if (!built.ok) {
        errors++;
        expect(built.error.length).toBeGreaterThan(10);
      } else built.symcache.lookup(0x1120);
    }
    expect(errors).toBeLessThan(300);
  });
});
