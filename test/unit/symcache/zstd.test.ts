/**
 * zstd-compressed debug sections (ELF SHF_COMPRESSED, ch_type ELFCOMPRESS_ZSTD), decoded by the
 * crate's own RFC 8878 decoder: the same symcache bytes as the zlib and uncompressed copies, a
 * big real file recompressed with objcopy, and seeded fuzzing of the compressed streams.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES, systemFile } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

const PIE = `${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`;
const LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0";
const HAS_OBJCOPY = spawnSync("sh", ["-c", "command -v objcopy"]).status === 0;

function build(bytes: Uint8Array) {
  return buildBytes(bytes, "object");
}
async function symcacheOf(path: string): Promise<Uint8Array> {
  const built = await build(new Uint8Array(readFileSync(path)));
  if (!built.ok) throw new Error(`${path}: ${built.error}`);
  return built.symcache;
}

interface Section {
  name: string;
  offset: number;
  size: number;
  flags: number;
}
/** ELF64 little-endian section headers (enough for the fixtures). */
function sections(elf: Uint8Array): Section[] {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const header = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      nameOff: v.getUint32(at, true),
      flags: Number(v.getBigUint64(at + 8, true)),
      offset: Number(v.getBigUint64(at + 24, true)),
      size: Number(v.getBigUint64(at + 32, true)),
    };
  };
  const strtab = header(shstrndx);
  const out: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    let end = strtab.offset + h.nameOff;
    while (elf[end] !== 0 && end < elf.length) end++;
    const name = new TextDecoder().decode(elf.subarray(strtab.offset + h.nameOff, end));
    out.push({ name, offset: h.offset, size: h.size, flags: h.flags });
  }
  return out;
}
const SHF_COMPRESSED = 0x800;

describe("zstd-compressed debug sections", () => {
  it("give the same symcache bytes as the zlib and uncompressed copies", async () => {
    const plain = await symcacheOf(`${PIE}.debug`);
    const zlib = await symcacheOf(`${PIE}.zlib.debug`);
    const zstd = await symcacheOf(`${PIE}.zstd.debug`);
    expect(zstd.length).toBeGreaterThan(100);
    expect(Buffer.from(zstd).equals(Buffer.from(plain))).toBe(true);
    expect(Buffer.from(zlib).equals(Buffer.from(plain))).toBe(true);
  });

  it("the fixture really has zstd sections (ch_type 2)", () => {
    const elf = new Uint8Array(readFileSync(`${PIE}.zstd.debug`));
    const compressed = sections(elf).filter((s) => s.flags & SHF_COMPRESSED);
    expect(compressed.map((s) => s.name)).toContain(".debug_info");
    for (const s of compressed) expect(new DataView(elf.buffer, elf.byteOffset).getUint32(s.offset, true)).toBe(2);
  });

  describe.skipIf(!HAS_OBJCOPY || !systemFile(LIBPYTHON, "libpython3.11-dbg"))(
    "a big file recompressed by objcopy",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "symcache-zstd-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));
      it("libpython3.11d.so with --compress-debug-sections=zstd equals the uncompressed file", async () => {
        const out = join(dir, "libpython.zstd.so");
        const run = spawnSync("objcopy", ["--compress-debug-sections=zstd", LIBPYTHON, out]);
        expect(run.status, run.stderr.toString()).toBe(0);
        const elf = new Uint8Array(readFileSync(out));
        expect((sections(elf).find((s) => s.name === ".debug_info")?.flags ?? 0) & SHF_COMPRESSED).toBe(SHF_COMPRESSED);
        const ours = await build(elf);
        expect(ours.ok, ours.ok ? "" : ours.error).toBe(true);
        const plain = await symcacheOf(LIBPYTHON);
        expect(ours.ok && Buffer.from(ours.symcache).equals(Buffer.from(plain))).toBe(true);
      }, 120_000);
    },
  );

  describe("hostile headers and streams", () => {
    const original = new Uint8Array(readFileSync(`${PIE}.zstd.debug`));
    const info = sections(original).find((s) => s.name === ".debug_info");
    if (!info) throw new Error("no .debug_info");

    it("a declared size above what a build step inflates is refused without allocating it", async () => {
      const bytes = original.slice();
      new DataView(bytes.buffer).setBigUint64(info.offset + 8, 1n << 40n, true);
      const built = await build(bytes);
      expect(built).toMatchObject({
        ok: false,
        error: expect.stringMatching(/inflates to 1099511627776 bytes/) as unknown,
      });
    });

    it("output beyond the declared size is an error, not a bigger buffer", async () => {
      const bytes = original.slice();
      const view = new DataView(bytes.buffer);
      view.setBigUint64(info.offset + 8, view.getBigUint64(info.offset + 8, true) - 1n, true);
      const built = await build(bytes);
      expect(built).toMatchObject({
        ok: false,
        error: expect.stringMatching(/\.debug_info could not be decompressed/) as unknown,
      });
    });

    it("fuzz: mutated zstd streams give ok or a clear error, never a trap", async () => {
      const targets = sections(original).filter((s) => s.flags & SHF_COMPRESSED && s.size > 24);
      const next = mulberry32(0x2575d);
      const deadline = Date.now() + 15_000;
      let runs = 0;
      let errors = 0;
      while (Date.now() < deadline && runs < 2000) {
        const bytes = original.slice();
        const s = targets[Math.floor(next() * targets.length)] ?? info;
        const n = 1 + Math.floor(next() * 8);
        for (let i = 0; i < n; i++) {
          // Mostly the stream (after the 24-byte Elf64_Chdr), sometimes its first bytes (frame header).
          const span = next() < 0.3 ? Math.min(32, s.size - 24) : s.size - 24;
          const at = s.offset + 24 + Math.floor(next() * span);
          const mode = Math.floor(next() * 3);
          if (mode === 0) bytes[at] = Math.floor(next() * 256);
          else if (mode === 1) bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(next() * 8));
          else bytes[at] = [0, 0xff, 0x7f, 0x80][Math.floor(next() * 4)] ?? 0;
        }
        const built = await build(bytes);
        if (built.ok) expect(MemorySymcache.open(built.symcache).ok).toBe(true);
        else {
          errors++;
          expect(built.error.length).toBeGreaterThan(10);
        }
        runs++;
      }
      console.log(`zstd fuzz: ${runs} runs, ${errors} clear errors`);
      expect(runs).toBeGreaterThan(100);
      expect(errors).toBeGreaterThan(0);
    }, 30_000);

    it("fuzz: truncated zstd streams are errors", async () => {
      const next = mulberry32(7);
      for (let i = 0; i < 200; i++) {
        const bytes = original.slice();
        const cut = 24 + Math.floor(next() * (info.size - 24));
        // Shrink the section (sh_size) so the stream ends early.
        const shoff = Number(new DataView(bytes.buffer).getBigUint64(0x28, true));
        const idx = sections(bytes).findIndex((s) => s.name === ".debug_info");
        new DataView(bytes.buffer).setBigUint64(shoff + idx * 64 + 32, BigInt(cut), true);
        const built = await build(bytes);
        expect(built.ok).toBe(false);
      }
    });
  });
});
