/**
 * Identification of a 2 GiB debug file inside a Worker's 128 MB: only headers and tables are
 * read, through the RangedReader, so a file's size does not matter. The files here are virtual:
 * a real fixture's bytes placed in a 2 GiB address space that reads as zeros elsewhere.
 */
import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import type { RangedReader } from "../../../src/common/ranged-reader";
import { CountingReader, fixture } from "./helpers";

const TWO_GIB = 2 * 1024 * 1024 * 1024;

/** A virtual file of `size` bytes made of `pieces` (offset -> bytes), zeros elsewhere. */
function virtualFile(size: number, pieces: [number, Uint8Array][]): RangedReader {
  return {
    size,
    read(offset, length) {
      const start = Math.max(0, Math.min(offset, size));
      const end = Math.max(start, Math.min(offset + length, size));
      const out = new Uint8Array(end - start);
      for (const [at, bytes] of pieces) {
        const from = Math.max(start, at);
        const to = Math.min(end, at + bytes.byteLength);
        if (from < to) out.set(bytes.subarray(from - at, to - at), from - start);
      }
      return Promise.resolve(out);
    },
  };
}

describe("a 2 GiB debug file", () => {
  it("ELF: section header table at the very end of the file, identified from kilobytes", async () => {
    const elf = fixture("elf-x86_64-gcc-dw5-O2-pie.debug").slice();
    const v = new DataView(elf.buffer);
    const shoff = Number(v.getBigUint64(40, true));
    const table = elf.slice(shoff, shoff + v.getUint16(60, true) * 64);
    const newShoff = TWO_GIB - table.byteLength;
    v.setBigUint64(40, BigInt(newShoff), true);
    const reader = new CountingReader(
      virtualFile(TWO_GIB, [
        [0, elf],
        [newShoff, table],
      ]),
    );
    const result = await identify(reader);
    expect(result).toMatchObject({
      ok: true,
      identity: { debugId: "ea12398f-3c5a-c7b2-4c56-17488bdb6729", kind: "dbg", features: ["symtab", "debug"] },
    });
    expect(reader.bytesRead).toBeLessThan(16 * 1024);
  });

  it.each([
    ["macho-x86_64.dwarf", "4c4c4482-5555-3144-a1e5-2d380fb62da1"],
    ["pe-x86_64.pdb", "f17a7fb0-e420-3a7d-4c4c-44205044422e-1"],
    ["pe-x86_64-fixture.dll", "64f6a68e-cd79-bd42-4c4c-44205044422e-1"],
    ["wasm-buildid-sha1.wasm", null],
  ])("%s padded to 2 GiB", async (name, debugId) => {
    const bytes = fixture(name);
    const reader = new CountingReader(virtualFile(TWO_GIB, [[0, bytes]]));
    const result = await identify(reader);
    if (debugId) {
      expect(result).toMatchObject({ ok: true, identity: { debugId } });
    } else {
      // Zero padding after a WASM module reads as a run of empty custom sections with bad names:
      // the file is refused, still after reading very little.
      expect(result.ok).toBe(false);
    }
    expect(reader.bytesRead).toBeLessThan(64 * 1024);
  });
});
