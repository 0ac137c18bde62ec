import { describe, expect, it } from "vitest";
import {
  breakpadId,
  breakpadModuleName,
  parseBreakpadPath,
  parseBuildId,
  parseSymstorePath,
  sameFileName,
} from "../../../src/symbol-server/ids";

const BUILD_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";

describe("parseBuildId", () => {
  it("accepts hex in any case and returns it lowercase", () => {
    expect(parseBuildId(BUILD_ID.toUpperCase())).toBe(BUILD_ID);
    expect(parseBuildId("4C4C446555553144A1F90446A09ABEBB")).toBe("4c4c446555553144a1f90446a09abebb");
  });
  it("rejects odd lengths, non-hex and empty ids", () => {
    expect(parseBuildId("abc")).toBeNull();
    expect(parseBuildId("zz")).toBeNull();
    expect(parseBuildId("")).toBeNull();
    expect(parseBuildId("ab".repeat(65))).toBeNull();
  });
});

describe("parseSymstorePath (SSQP key conventions)", () => {
  it("reads PDB keys (GUID + age) in any case", () => {
    const want = {
      by: "debugId",
      id: "f17a7fb0-e420-3a7d-4c4c-44205044422e-1",
      formats: ["pdb", "portablepdb"],
      want: "any",
      name: "pe-x86_64.pdb",
    };
    expect(parseSymstorePath("pe-x86_64.pdb", "F17A7FB0E4203A7D4C4C44205044422E1", "pe-x86_64.pdb")).toEqual(want);
    expect(parseSymstorePath("PE-X86_64.PDB", "f17a7fb0e4203a7d4c4c44205044422e1", "pe-x86_64.pdb")).toEqual(want);
  });
  it("reads a Portable PDB key (age FFFFFFFF) as the bare GUID", () => {
    expect(parseSymstorePath("a.pdb", "F17A7FB0E4203A7D4C4C44205044422EFFFFFFFF", "a.pdb")?.id).toBe(
      "f17a7fb0-e420-3a7d-4c4c-44205044422e",
    );
  });
  it("reads PE keys (TIMESTAMP %08X + SizeOfImage %x) as the code id", () => {
    expect(parseSymstorePath("pe-x86_64.exe", "DEFB115C5000", "PE-X86_64.EXE")).toEqual({
      by: "codeId",
      id: "defb115c5000",
      formats: ["pe"],
      want: "code",
      name: "pe-x86_64.exe",
    });
  });
  it("reads ELF and Mach-O keys; `_.debug` and `_.dwarf` take any object name", () => {
    expect(parseSymstorePath("libfoo.so", `elf-buildid-${BUILD_ID}`, "libfoo.so")).toMatchObject({
      by: "codeId",
      id: BUILD_ID,
      formats: ["elf"],
      want: "code",
      name: "libfoo.so",
    });
    expect(parseSymstorePath("_.debug", `ELF-BUILDID-SYM-${BUILD_ID.toUpperCase()}`, "_.DEBUG")).toMatchObject({
      id: BUILD_ID,
      want: "debug",
      name: null,
    });
    expect(parseSymstorePath("app", "mach-uuid-4c4c446555553144a1f90446a09abebb", "app")).toMatchObject({
      formats: ["macho"],
      want: "code",
      name: "app",
    });
    expect(parseSymstorePath("_.dwarf", "mach-uuid-sym-4C4C446555553144A1F90446A09ABEBB", "_.dwarf")).toMatchObject({
      id: "4c4c446555553144a1f90446a09abebb",
      want: "debug",
      name: null,
    });
  });
  it("refuses mismatched names and unknown keys", () => {
    expect(parseSymstorePath("a.pdb", "F17A7FB0E4203A7D4C4C44205044422E1", "b.pdb")).toBeNull();
    expect(parseSymstorePath("a.exe", "xyz", "a.exe")).toBeNull();
    expect(parseSymstorePath("a.exe", "12345678", "a.exe")).toBeNull();
    expect(parseSymstorePath("a.so", "elf-buildid-abc", "a.so")).toBeNull();
  });
});

describe("Breakpad paths", () => {
  it("accepts `<file>/<ID>/<file minus extension>.sym` and `<file>.sym`, any case", () => {
    expect(parseBreakpadPath("fixture.pdb", "9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2", "fixture.sym")).toEqual({
      debugId: "9c1a6e5b-3d7f-4a2c-8e0b-1d2f3a4b5c6d-2",
      debugFile: "fixture.pdb",
    });
    expect(parseBreakpadPath("libfoo.so", "b8f3c1d2a4e5460798a1b2c3d4e5f6070", "LIBFOO.SO.SYM")?.debugId).toBe(
      "b8f3c1d2-a4e5-4607-98a1-b2c3d4e5f607",
    );
    expect(parseBreakpadPath("fixture-linux", "B8F3C1D2A4E5460798A1B2C3D4E5F6070", "fixture-linux.sym")).not.toBeNull();
  });
  it("refuses other names and ids", () => {
    expect(parseBreakpadPath("fixture.pdb", "9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2", "other.sym")).toBeNull();
    expect(parseBreakpadPath("fixture.pdb", "9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2", "fixture.pdb")).toBeNull();
    expect(parseBreakpadPath("fixture.pdb", "9C1A6E5B", "fixture.sym")).toBeNull();
  });
  it("formats Breakpad ids", () => {
    expect(breakpadId("9c1a6e5b-3d7f-4a2c-8e0b-1d2f3a4b5c6d-2")).toBe("9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2");
    expect(breakpadId("b8f3c1d2-a4e5-4607-98a1-b2c3d4e5f607")).toBe("B8F3C1D2A4E5460798A1B2C3D4E5F6070");
    expect(breakpadId("9c1a6e5b-3d7f-4a2c-8e0b-1d2f3a4b5c6d-1a")).toBe("9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D1A");
  });
  it("compares file names case-insensitively on their basename", () => {
    expect(sameFileName("C:\\build\\Foo.PDB", "foo.pdb")).toBe(true);
    expect(sameFileName("foo.pdb", "foo.pd_")).toBe(false);
  });
});

describe("breakpadModuleName", () => {
  it("reads the name from the MODULE line", () => {
    expect(breakpadModuleName("MODULE windows x86_64 9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2 fixture.pdb\nINFO")).toBe(
      "fixture.pdb",
    );
    expect(breakpadModuleName("MODULE Linux x86 ABC0 my lib.so\r\n")).toBe("my lib.so");
    expect(breakpadModuleName("MODULE Linux x86 ABC0\n")).toBeNull();
    expect(breakpadModuleName("INFO CODE_ID x")).toBeNull();
  });
});
