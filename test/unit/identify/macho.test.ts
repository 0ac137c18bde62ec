import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import { identifyMacho } from "../../../src/identify/macho";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader } from "../../../src/common/ranged-reader";
import { fixture } from "./helpers";

function ok(result: IdentifyResult) {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.detail}`);
  return result.identity;
}

function failure(result: IdentifyResult) {
  if (result.ok) throw new Error("expected a failure");
  return result.failure;
}

/** Offset of the first load command with `cmd` in a 64-bit little-endian Mach-O. */
function commandOffset(bytes: Uint8Array, cmd: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  let at = 32;
  for (let i = 0; i < v.getUint32(16, true); i++) {
    if (v.getUint32(at, true) === cmd) return at;
    at += v.getUint32(at + 4, true);
  }
  throw new Error(`no load command ${cmd}`);
}

describe("Mach-O identification", () => {
  describe("identity", () => {
    it("takes LC_UUID as both debug id (unswapped) and code id", async () => {
      const id = ok(await identifyMacho(new BufferReader(fixture("macho-arm64"))));
      expect(id.debugId).toBe("4c4c4465-5555-3144-a1f9-0446a09abebb");
      expect(id.codeId).toBe("4c4c446555553144a1f90446a09abebb");
      expect(id.arch).toBe("arm64");
    });

    it("masks capability bits off cpusubtype (arm64e with pointer authentication)", async () => {
      const bytes = fixture("macho-arm64").slice();
      new DataView(bytes.buffer).setUint32(8, 0x8000_0002, true);
      expect(ok(await identifyMacho(new BufferReader(bytes))).arch).toBe("arm64e");
    });

    it("reports a missing LC_UUID as a missing debug identifier", async () => {
      const bytes = fixture("macho-arm64").slice();
      new DataView(bytes.buffer).setUint32(commandOffset(bytes, 0x1b), 0x7fff_0000, true);
      expect(failure(await identify(new BufferReader(bytes))).reason).toBe("missing_debug_id");
    });
  });

  describe("features", () => {
    it("does not count dsymutil's phantom __debug_info headers in an executable", async () => {
      expect(ok(await identifyMacho(new BufferReader(fixture("macho-arm64")))).features).toEqual(["symtab", "unwind"]);
    });
    it("sees debug info in the dSYM companion", async () => {
      const id = ok(await identifyMacho(new BufferReader(fixture("macho-x86_64.dwarf"))));
      expect(id.kind).toBe("dbg");
      expect(id.features).toEqual(["symtab", "debug", "unwind"]);
    });
  });

  describe("universal (fat) files", () => {
    it("are refused with the architectures they contain", async () => {
      const f = failure(await identify(new BufferReader(fixture("macho-universal"))));
      expect(f.reason).toBe("fat_archive");
      expect(f.detail).toContain(
        "fat Mach-O archives must be split by the client (found 2 architectures: x86_64, arm64)",
      );
    });
    it("are told apart from Java class files by the < 45 guard", async () => {
      expect(failure(await identify(new BufferReader(fixture("neg-java.class")))).reason).toBe("unsupported_format");
    });
  });

  describe("broken load commands", () => {
    it("stops at a command of size 0 instead of looping on it", async () => {
      const bytes = fixture("macho-arm64").slice();
      new DataView(bytes.buffer).setUint32(32 + 4, 0, true);
      expect(failure(await identifyMacho(new BufferReader(bytes))).detail).toBe(
        "load command 0 has an invalid size (0 bytes)",
      );
    });
    it("reports a command that runs past the load command area", async () => {
      const bytes = fixture("macho-arm64").slice();
      const v = new DataView(bytes.buffer);
      v.setUint32(16, 1_000_000, true); // ncmds far beyond what sizeofcmds holds
      expect(failure(await identifyMacho(new BufferReader(bytes))).detail).toMatch(
        /^load command \d+ extends past the end of the load command area$/,
      );
    });
    it("refuses load commands larger than the file without reading them", async () => {
      const bytes = fixture("macho-arm64").slice();
      new DataView(bytes.buffer).setUint32(20, 0xffff_fff0, true);
      expect(failure(await identifyMacho(new BufferReader(bytes))).reason).toBe("malformed");
    });
    it("reports a segment whose section count does not fit in it", async () => {
      const bytes = fixture("macho-arm64").slice();
      const seg = commandOffset(bytes, 0x19);
      new DataView(bytes.buffer).setUint32(seg + 64, 0x0fff_ffff, true);
      expect(failure(await identifyMacho(new BufferReader(bytes))).detail).toMatch(/declares \d+ sections/);
    });
  });
});
