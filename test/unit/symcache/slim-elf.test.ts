import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BufferReader } from "../../../src/common/ranged-reader";
import { fillSlimElf, planSlimElf } from "../../../src/symcache/slim-elf";
import { buildSymcacheFilled, buildSymcache } from "../../../src/symcache/wasm";
import { FIXTURES, ROOT, builderModule } from "./helpers";

const expected = JSON.parse(readFileSync(`${ROOT}test/fixtures/expected.json`, "utf8")) as Record<
  string,
  { check: { type: string } | null }
>;
const ELF_FIXTURES = Object.entries(expected)
  .filter(([name, e]) => e.check?.type === "elf" && !name.startsWith("neg-"))
  .map(([name]) => name);
const LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0";

async function slimSymcache(bytes: Uint8Array) {
  const plan = await planSlimElf(new BufferReader(bytes));
  if (!plan.ok) throw new Error(plan.detail);
  const built = await buildSymcacheFilled(builderModule(), plan.slim.size, "object", (target) =>
    fillSlimElf(plan.slim, target, (offset, length, into) => {
      into.set(bytes.subarray(offset, offset + length));
      return Promise.resolve();
    }),
  );
  return { built, size: plan.slim.size };
}

describe("slim ELF input for the symcache builder", () => {
  it.each(ELF_FIXTURES)("%s: the slim copy gives the same symcache as the whole file", async (name) => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}${name}`));
    const full = buildSymcache(builderModule(), bytes, "object");
    const { built } = await slimSymcache(bytes);
    expect(built.ok).toBe(full.ok);
    if (!built.ok || !full.ok) return;
    // Without a build id the symcache's debug id comes from the bytes of .text, which the slim
    // copy leaves out; everything after the 32-byte id is the same.
    if (name.includes("no-buildid") || name.endsWith(".o")) {
      expect(built.symcache.subarray(40)).toEqual(full.symcache.subarray(40));
    } else {
      expect(built.symcache).toEqual(full.symcache);
    }
  });

  it.skipIf(!existsSync(LIBPYTHON))("libpython3.11d.so: the builder reads only the debug sections", async () => {
    const bytes = new Uint8Array(readFileSync(LIBPYTHON));
    const full = buildSymcache(builderModule(), bytes, "object");
    const { built, size } = await slimSymcache(bytes);
    expect(size).toBeLessThan(bytes.byteLength * 0.8);
    expect(built.ok && full.ok).toBe(true);
    if (built.ok && full.ok) {
      expect(built.symcache).toEqual(full.symcache);
      expect(built.peakMemoryBytes).toBeLessThan(full.peakMemoryBytes);
      console.log(
        `libpython: input ${(size / 2 ** 20).toFixed(1)} of ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB, ` +
          `peak wasm memory ${(built.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB (whole file: ${(full.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB)`,
      );
    }
  });

  it("refuses what is not ELF, or an ELF whose section table lies outside the file", async () => {
    expect((await planSlimElf(new BufferReader(new Uint8Array(100)))).ok).toBe(false);
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}elf-x86_64-gcc-dw4-O0-pie`));
    const truncated = bytes.subarray(0, bytes.byteLength - 100);
    expect(await planSlimElf(new BufferReader(truncated))).toMatchObject({ ok: false });
  });
});
