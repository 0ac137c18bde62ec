import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../helpers";
import { bytesOf, get, mixedCase, store, type Stored } from "../symbol-server-helpers";

const BUILD_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";
const MACHO_UUID = "4c4c448255553144a1e52d380fb62da1";
/** sentry-cli's identities (test/fixtures/expected.json) in SSQP key form. */
const PDB_KEY = "F17A7FB0E4203A7D4C4C44205044422E1";
const PE_KEY = "DEFB115C5000";

describe("symstore / SSQP", () => {
  let token: string;
  const files: Record<string, Stored> = {};

  beforeAll(async () => {
    token = await mintToken("acme");
    files.exe = await store(token, "acme", "win", "pe-x86_64.exe");
    files.pdb = await store(token, "acme", "win", "pe-x86_64.pdb");
    files.stripped = await store(token, "acme", "linux", "elf-x86_64-gcc-dw5-O2-pie.stripped", "hello");
    files.debug = await store(token, "acme", "linux", "elf-x86_64-gcc-dw5-O2-pie.debug", "hello.debug");
    files.macho = await store(token, "acme", "mac", "macho-x86_64");
    files.dwarf = await store(token, "acme", "mac", "macho-x86_64.dwarf", "macho-x86_64");
  });

  const cases: [string, string, string][] = [
    ["PDB (symstore casing)", "/symstore/acme/win/pe-x86_64.pdb/" + PDB_KEY + "/pe-x86_64.pdb", "pdb"],
    ["PDB (ssqp casing)", "/symstore/acme/win/pe-x86_64.pdb/" + PDB_KEY.toLowerCase() + "/pe-x86_64.pdb", "pdb"],
    ["PDB (upper-case names)", "/symstore/acme/win/PE-X86_64.PDB/" + PDB_KEY + "/PE-X86_64.PDB", "pdb"],
    ["PDB (mixed case)", "/symstore/acme/win/Pe-X86_64.Pdb/" + mixedCase(PDB_KEY) + "/pE-x86_64.pDB", "pdb"],
    ["PE", "/symstore/acme/win/pe-x86_64.exe/" + PE_KEY + "/pe-x86_64.exe", "exe"],
    ["PE (lower case)", "/symstore/acme/win/pe-x86_64.exe/" + PE_KEY.toLowerCase() + "/PE-X86_64.EXE", "exe"],
    ["ELF code file", `/symstore/acme/linux/hello/elf-buildid-${BUILD_ID}/hello`, "stripped"],
    [
      "ELF code file (upper case)",
      `/symstore/acme/linux/HELLO/ELF-BUILDID-${BUILD_ID.toUpperCase()}/HELLO`,
      "stripped",
    ],
    ["ELF debug file", `/symstore/acme/linux/_.debug/elf-buildid-sym-${BUILD_ID}/_.debug`, "debug"],
    [
      "ELF debug file (mixed case)",
      `/symstore/acme/linux/_.DEBUG/${mixedCase(`elf-buildid-sym-${BUILD_ID}`)}/_.Debug`,
      "debug",
    ],
    ["Mach-O code file", `/symstore/acme/mac/macho-x86_64/mach-uuid-${MACHO_UUID}/macho-x86_64`, "macho"],
    ["Mach-O debug file", `/symstore/acme/mac/_.dwarf/mach-uuid-sym-${MACHO_UUID.toUpperCase()}/_.dwarf`, "dwarf"],
  ];
  for (const [what, path, file] of cases) {
    it(`serves the ${what} byte for byte`, async () => {
      const res = await get(token, path);
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe(`"${files[file]?.checksum}"`);
      expect(await bytesOf(res)).toEqual(files[file]?.bytes);
    });
  }

  it("supports Range, HEAD and If-None-Match", async () => {
    const path = `/symstore/acme/win/pe-x86_64.pdb/${PDB_KEY}/pe-x86_64.pdb`;
    const pdb = files.pdb as Stored;
    const part = await get(token, path, { range: "bytes=4090-4100" });
    expect(part.status).toBe(206);
    expect(await bytesOf(part)).toEqual(pdb.bytes.subarray(4090, 4101));
    const head = await get(token, path, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(pdb.bytes.byteLength));
    expect((await bytesOf(head)).byteLength).toBe(0);
    const cached = await get(token, path, { "if-none-match": `"${pdb.checksum}"` });
    expect(cached.status).toBe(304);
    const beyond = await get(token, path, { range: `bytes=${pdb.bytes.byteLength + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${pdb.bytes.byteLength}`);
  });

  describe("not found", () => {
    const misses = [
      ["a compressed twin", `/symstore/acme/win/pe-x86_64.pd_/${PDB_KEY}/pe-x86_64.pd_`],
      ["another file name", `/symstore/acme/win/other.pdb/${PDB_KEY}/other.pdb`],
      ["mismatched names", `/symstore/acme/win/pe-x86_64.pdb/${PDB_KEY}/pe-x86_64.exe`],
      ["another age", `/symstore/acme/win/pe-x86_64.pdb/${PDB_KEY.slice(0, -1)}2/pe-x86_64.pdb`],
      ["a PE key for the PDB", `/symstore/acme/win/pe-x86_64.pdb/${PE_KEY}/pe-x86_64.pdb`],
      ["an unknown key form", `/symstore/acme/win/pe-x86_64.pdb/nonsense/pe-x86_64.pdb`],
      ["the debug companion as a code file", `/symstore/acme/linux/hello.debug/elf-buildid-${BUILD_ID}/hello.debug`],
      ["a file in another project", `/symstore/acme/linux/pe-x86_64.pdb/${PDB_KEY}/pe-x86_64.pdb`],
    ];
    for (const [what, path] of misses) {
      it(`answers 404 for ${what}`, async () => {
        expect((await get(token, path as string)).status).toBe(404);
      });
    }

    it("gives a foreign org's token the same 404 as an unknown id", async () => {
      const unknown = await get(token, `/symstore/acme/win/pe-x86_64.pdb/${"0".repeat(32)}1/pe-x86_64.pdb`);
      const foreign = await get(await mintToken("other"), `/symstore/acme/win/pe-x86_64.pdb/${PDB_KEY}/pe-x86_64.pdb`);
      expect([unknown.status, foreign.status]).toEqual([404, 404]);
      expect(await foreign.text()).toBe(await unknown.text());
    });
  });
});
