import { describe, expect, it } from "vitest";
import { Msf } from "../../../src/identify/msf";
import { identifyPdb } from "../../../src/identify/pdb";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader } from "../../../src/common/ranged-reader";
import { counting, fixture } from "./helpers";

function ok(result: IdentifyResult) {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.detail}`);
  return result.identity;
}

async function streamStart(bytes: Uint8Array, index: number): Promise<number> {
  const msf = await Msf.open(new BufferReader(bytes));
  if (typeof msf === "string") throw new Error(msf);
  const stream = await msf.stream(index);
  if (!stream || typeof stream === "string") throw new Error("no stream");
  return stream.pages[0]! * msf.blockSize;
}

describe("PDB identification", () => {
  describe("identity", () => {
    it("reads GUID and age through a handful of page reads", async () => {
      const reader = counting(fixture("pe-x86_64.pdb"));
      const id = ok(await identifyPdb(reader));
      expect(id.debugId).toBe("f17a7fb0-e420-3a7d-4c4c-44205044422e-1");
      expect(id).toMatchObject({ codeId: null, kind: "dbg", arch: "x86_64", features: ["symtab", "debug"] });
      expect(reader.bytesRead).toBeLessThan(1024);
    });

    it("prefers the DBI age over the PDB info stream age", async () => {
      const bytes = fixture("pe-x86_64.pdb").slice();
      new DataView(bytes.buffer).setUint32((await streamStart(bytes, 1)) + 8, 7, true);
      expect(ok(await identifyPdb(new BufferReader(bytes))).debugId).toBe("f17a7fb0-e420-3a7d-4c4c-44205044422e-1");
      new DataView(bytes.buffer).setUint32((await streamStart(bytes, 3)) + 8, 9, true);
      expect(ok(await identifyPdb(new BufferReader(bytes))).debugId).toBe("f17a7fb0-e420-3a7d-4c4c-44205044422e-9");
    });

    it("claims unwind information for 32-bit x86 only", async () => {
      expect(ok(await identifyPdb(new BufferReader(fixture("pe-x86.pdb")))).features).toEqual([
        "symtab",
        "debug",
        "unwind",
      ]);
      expect(ok(await identifyPdb(new BufferReader(fixture("pe-arm64.pdb")))).arch).toBe("arm64");
    });
  });

  describe("broken files", () => {
    it("rejects a page size that is not a power of two", async () => {
      const bytes = fixture("pe-x86_64.pdb").slice();
      new DataView(bytes.buffer).setUint32(32, 1000, true);
      expect(await identifyPdb(new BufferReader(bytes))).toMatchObject({
        ok: false,
        failure: { reason: "malformed", detail: "invalid PDB page size (1000 bytes)" },
      });
    });
    it("rejects a block map beyond the file", async () => {
      const bytes = fixture("pe-x86_64.pdb").slice();
      new DataView(bytes.buffer).setUint32(52, 0x00ff_ffff, true);
      expect(await identifyPdb(new BufferReader(bytes))).toMatchObject({ ok: false, failure: { reason: "malformed" } });
    });
    it("rejects a directory that claims more streams than it holds", async () => {
      const bytes = fixture("pe-x86_64.pdb").slice();
      const v = new DataView(bytes.buffer);
      const blockSize = v.getUint32(32, true);
      const dirPage = v.getUint32(v.getUint32(52, true) * blockSize, true);
      v.setUint32(dirPage * blockSize, 0xffff_fff0, true);
      expect(await identifyPdb(new BufferReader(bytes))).toMatchObject({
        ok: false,
        failure: { detail: "the PDB stream directory lists more streams than it holds" },
      });
    });
  });
});
