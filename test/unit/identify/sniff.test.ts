import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import { sniff } from "../../../src/identify/sniff";
import { BufferReader } from "../../../src/common/ranged-reader";

const bytes = (head: string | number[], size = 64) => {
  const out = new Uint8Array(size);
  out.set(typeof head === "string" ? Array.from(head, (c) => c.charCodeAt(0)) : head);
  return out;
};

describe("sniff (symbolic's Archive::peek order)", () => {
  it.each([
    ["\x7fELF", "elf"],
    ["MZ", "pe"],
    ["Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0", "pdb"],
    ["SYSB", "sourcebundle"],
    ["MODULE ", "breakpad"],
    ["\0asm", "wasm"],
    ["BSJB", "portablepdb"],
    ["\xcf\xfa\xed\xfe", "macho"],
    ["\xfe\xed\xfa\xce", "macho"],
    ["\xca\xfe\xba\xbe\0\0\0\x02", "macho-fat"],
    ["\xca\xfe\xba\xbe\0\0\0\x34", "unknown"], // Java class file, version 52
    ["\xca\xfe\xba\xbf\0\0\0\x02", "unknown"], // 64-bit fat: symbolic does not know it
    ["Microsoft C/C++ program database 2.00", "unknown"],
    ["MODULE\t", "unknown"],
  ])("%j -> %s", (head, format) => {
    expect(sniff(bytes(head), 64)).toBe(format);
  });

  it("calls anything shorter than 16 bytes unknown, even with a good magic", () => {
    expect(sniff(bytes("\x7fELF", 15), 15)).toBe("unknown");
  });
});

describe("identify() outside the known formats", () => {
  it("refuses with sentry-server's wording", async () => {
    expect(await identify(new BufferReader(bytes("hello, I am text")))).toEqual({
      ok: false,
      failure: {
        reason: "unsupported_format",
        detail: "not a debug information file (unsupported object file format)",
      },
    });
  });
  it("says what is wrong with a Portable PDB whose metadata root is cut short", async () => {
    expect(await identify(new BufferReader(bytes("BSJB")))).toMatchObject({
      ok: false,
      failure: {
        reason: "malformed",
        detail: expect.stringMatching(/^this Portable PDB cannot be read: /) as unknown,
      },
    });
  });

  it("says what is wrong with a source bundle that is not a ZIP archive", async () => {
    expect(await identify(new BufferReader(bytes("SYSB\x02\0\0\0" + "x".repeat(40))))).toMatchObject({
      ok: false,
      failure: {
        reason: "malformed",
        detail: expect.stringMatching(/^source bundle: the ZIP archive has no end-of-central-directory/) as unknown,
      },
    });
  });
});
