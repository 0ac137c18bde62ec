import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import { identifyPe } from "../../../src/identify/pe";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader } from "../../../src/common/ranged-reader";
import { fixture } from "./helpers";

function ok(result: IdentifyResult) {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.detail}`);
  return result.identity;
}

/** The debug directory entry (28 bytes) whose PointerToRawData points at the RSDS record. */
function codeViewEntry(bytes: Uint8Array): number {
  const rsds = Buffer.from(bytes).indexOf("RSDS");
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 0; at + 28 <= bytes.byteLength; at += 4) {
    if (v.getUint32(at + 24, true) === rsds && v.getUint32(at + 12, true) === 2) return at;
  }
  throw new Error("no CodeView entry");
}

describe("PE identification", () => {
  describe("identity", () => {
    it("builds the code id from TimeDateStamp and SizeOfImage, the debug id from RSDS", async () => {
      const id = ok(await identifyPe(new BufferReader(fixture("pe-x86_64.exe"))));
      expect(id.codeId).toBe("defb115c5000");
      expect(id.debugId).toBe("f17a7fb0-e420-3a7d-4c4c-44205044422e-1");
      expect(id.details).toMatchObject({ debugFileName: "pe-x86_64.pdb" });
    });

    it("uses the entry's TimeDateStamp as the age for Portable PDB builds (MinorVersion 0x504d)", async () => {
      const bytes = fixture("pe-x86_64.exe").slice();
      const entry = codeViewEntry(bytes);
      const v = new DataView(bytes.buffer);
      v.setUint16(entry + 10, 0x504d, true);
      v.setUint32(entry + 4, 0xabcdef12, true);
      expect(ok(await identifyPe(new BufferReader(bytes))).debugId).toBe(
        "f17a7fb0-e420-3a7d-4c4c-44205044422e-abcdef12",
      );
    });

    it("has a nil debug id without a CodeView record", async () => {
      const bytes = fixture("pe-x86_64.exe").slice();
      new DataView(bytes.buffer).setUint32(codeViewEntry(bytes) + 12, 16, true);
      const result = await identify(new BufferReader(bytes));
      expect(result).toMatchObject({ ok: false, failure: { reason: "missing_debug_id" } });
    });
  });

  describe("kind and features", () => {
    it("calls a DLL a library and sees its exports and .pdata", async () => {
      const id = ok(await identifyPe(new BufferReader(fixture("pe-x86_64-fixture.dll"))));
      expect(id.kind).toBe("lib");
      expect(id.features).toEqual(["symtab", "unwind"]);
    });

    it("refuses a PE with no features, as sentry-cli marks it unusable", async () => {
      const result = await identify(new BufferReader(fixture("pe-x86.exe")));
      if (result.ok) throw new Error("expected a failure");
      expect(result.failure.reason).toBe("no_features");
      expect(result.failure.detail).toMatch(/^missing debug or unwind information/);
    });
  });

  describe("broken files", () => {
    it("reports an e_lfanew pointing outside the file", async () => {
      const bytes = fixture("pe-x86_64.exe").slice();
      new DataView(bytes.buffer).setUint32(0x3c, 0x7fff_fff0, true);
      expect(await identifyPe(new BufferReader(bytes))).toMatchObject({
        ok: false,
        failure: { reason: "malformed", detail: "the PE header offset points past the end of the file" },
      });
    });
    it("reports an MZ file without a PE signature", async () => {
      const bytes = new Uint8Array(256);
      bytes.set([0x4d, 0x5a]);
      bytes[0x3c] = 0x80;
      expect(await identify(new BufferReader(bytes))).toMatchObject({ ok: false, failure: { reason: "malformed" } });
    });
  });
});
