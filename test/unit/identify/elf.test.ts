import { describe, expect, it } from "vitest";
import { identifyElf } from "../../../src/identify/elf";
import type { ElfDetails } from "../../../src/identify/types";
import { identify } from "../../../src/identify/index";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader } from "../../../src/common/ranged-reader";
import { counting, fixture } from "./helpers";

const PIE = "elf-x86_64-gcc-dw5-O2-pie";

function ok(result: IdentifyResult) {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.detail}`);
  return result.identity;
}

/** Little-endian ELF64 header fields, for building mutated copies of a fixture. */
function header64(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  return {
    v,
    phoff: Number(v.getBigUint64(32, true)),
    shoff: Number(v.getBigUint64(40, true)),
    phnum: v.getUint16(56, true),
    shnum: v.getUint16(60, true),
  };
}

describe("ELF identification", () => {
  describe("build id", () => {
    it("comes from the PT_NOTE segment, GUID-swapped into the debug id for little-endian files", async () => {
      const id = ok(await identifyElf(new BufferReader(fixture(PIE))));
      expect(id.codeId).toBe("8f3912ea5a3cb2c74c5617488bdb67295a87868f");
      expect(id.debugId).toBe("ea12398f-3c5a-c7b2-4c56-17488bdb6729");
    });

    it("falls back to the .note.gnu.build-id section when no PT_NOTE carries it", async () => {
      const bytes = fixture(PIE).slice();
      const h = header64(bytes);
      for (let i = 0; i < h.phnum; i++) {
        const at = h.phoff + i * 56;
        if (h.v.getUint32(at, true) === 4) h.v.setUint32(at, 0x6fff_fff0, true); // PT_NOTE -> unused type
      }
      const id = ok(await identifyElf(new BufferReader(bytes)));
      expect(id.codeId).toBe("8f3912ea5a3cb2c74c5617488bdb67295a87868f");
    });

    it("is not byte-swapped in big-endian files", async () => {
      const id = ok(await identifyElf(new BufferReader(fixture("elf-ppc64-be-static"))));
      expect(id.debugId).toBe("01234567-89ab-cdef-fedc-ba9876543210");
    });

    it("is replaced by a hash of the first page of .text when there is none", async () => {
      const id = ok(await identifyElf(new BufferReader(fixture("elf-x86_64-no-buildid"))));
      expect(id.codeId).toBeNull();
      expect(id.debugId).toBe("69704449-dc24-379c-703d-560552b4103e");
    });

    it("is missing for split DWARF (.dwo/.dwp): no build id and no .text", async () => {
      const result = await identify(new BufferReader(fixture("elf-x86_64-split.dwp")));
      expect(result).toMatchObject({ ok: false, failure: { reason: "missing_debug_id" } });
    });
  });

  describe("kind", () => {
    it("calls a PIE a library, as symbolic does", async () => {
      expect(ok(await identifyElf(new BufferReader(fixture(PIE)))).kind).toBe("lib");
    });
    it("calls an executable without PT_INTERP (objcopy's debug file, static binaries) a debug companion", async () => {
      expect(ok(await identifyElf(new BufferReader(fixture("elf-x86-i386-static")))).kind).toBe("dbg");
      expect(ok(await identifyElf(new BufferReader(fixture("elf-x86_64-gcc-O2-nopie")))).kind).toBe("exe");
    });
    it("calls a shared object without a real .text a debug companion", async () => {
      expect(ok(await identifyElf(new BufferReader(fixture(`${PIE}.debug`)))).kind).toBe("dbg");
    });
    it("calls a relocatable object an object", async () => {
      expect(ok(await identifyElf(new BufferReader(fixture("elf-x86_64-calc.o")))).kind).toBe("rel");
    });
  });

  describe("features", () => {
    it("sees symtab, debug and unwind in an unstripped binary", async () => {
      expect(ok(await identifyElf(new BufferReader(fixture(PIE)))).features).toEqual(["symtab", "debug", "unwind"]);
    });
    it("ignores NOBITS .eh_frame in a debug companion", async () => {
      expect(ok(await identifyElf(new BufferReader(fixture(`${PIE}.debug`)))).features).toEqual(["symtab", "debug"]);
    });
    it("counts compressed .debug_info without inflating it", async () => {
      for (const name of [`${PIE}.zlib.debug`, `${PIE}.zstd.debug`]) {
        const reader = counting(fixture(name));
        expect(ok(await identifyElf(reader)).features).toContain("debug");
        expect(reader.bytesRead).toBeLessThan(8 * 1024);
      }
    });
  });

  describe("details for the symcache builder", () => {
    it("lists every section with its compression and the load address", async () => {
      const zlib = ok(await identifyElf(new BufferReader(fixture(`${PIE}.zlib.debug`))))
        .details as unknown as ElfDetails;
      const zstd = ok(await identifyElf(new BufferReader(fixture(`${PIE}.zstd.debug`))))
        .details as unknown as ElfDetails;
      expect(zlib.sections.find((s) => s.name === ".debug_info")?.compression).toBe("zlib");
      expect(zstd.sections.find((s) => s.name === ".debug_info")?.compression).toBe("zstd");
      expect(zlib.loadAddress).toBe(0);
      const nopie = ok(await identifyElf(new BufferReader(fixture("elf-x86_64-gcc-O2-nopie"))))
        .details as unknown as ElfDetails;
      expect(nopie.loadAddress).toBe(0x400000);
      expect(nopie.sections.find((s) => s.name === ".text")).toMatchObject({ type: 1, compression: "none" });
    });
  });

  describe("broken files", () => {
    it("reports a truncated header", async () => {
      const result = await identifyElf(new BufferReader(fixture(PIE).slice(0, 40)));
      expect(result).toMatchObject({ ok: false, failure: { reason: "malformed", detail: "truncated ELF header" } });
    });
    it("reports a section header table that runs past the end of the file", async () => {
      const bytes = fixture(PIE).slice();
      header64(bytes).v.setUint16(60, 0xfff0, true);
      const result = await identifyElf(new BufferReader(bytes));
      expect(result).toMatchObject({ ok: false, failure: { reason: "malformed" } });
      if (!result.ok) expect(result.failure.detail).toMatch(/section header table/);
    });
    it("reports a program header table at an offset beyond the file", async () => {
      const bytes = fixture(PIE).slice();
      header64(bytes).v.setBigUint64(32, 0xffff_ffff_ffffn, true);
      const result = await identifyElf(new BufferReader(bytes));
      if (result.ok) throw new Error("expected a failure");
      expect(result.failure.detail).toMatch(/program header table/);
    });
    it("rejects an unknown class", async () => {
      const bytes = fixture(PIE).slice();
      bytes[4] = 7;
      expect(await identifyElf(new BufferReader(bytes))).toMatchObject({ ok: false, failure: { reason: "malformed" } });
    });
    it("treats a section name table outside the file as symbolic does: no names, no symbols", async () => {
      const bytes = fixture(PIE).slice();
      const h = header64(bytes);
      const shstrndx = h.v.getUint16(62, true);
      h.v.setBigUint64(h.shoff + shstrndx * 64 + 24, 0x7fff_ffffn, true);
      const id = ok(await identifyElf(new BufferReader(bytes)));
      expect(id.features).toEqual([]);
      expect(id.codeId).toBe("8f3912ea5a3cb2c74c5617488bdb67295a87868f");
    });
  });
});
