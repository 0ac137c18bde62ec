import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../helpers";
import { bytesOf, get, store, type Stored } from "../symbol-server-helpers";

const WINDOWS_ID = "9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2";
const LINUX_ID = "B8F3C1D2A4E5460798A1B2C3D4E5F6070";

describe("Breakpad symbol store", () => {
  let token: string;
  let windows: Stored;
  let linux: Stored;

  beforeAll(async () => {
    token = await mintToken("acme");
    // Uploaded under its file name; its MODULE line says `fixture.pdb`.
    windows = await store(token, "acme", "app", "breakpad-windows.sym");
    linux = await store(token, "acme", "app", "breakpad-linux.sym", "fixture-linux.sym");
    // A PE and PDB share the Windows file's debug id: they must not answer Breakpad paths.
    await store(token, "acme", "app", "pe-x86_64.pdb");
  });

  const hits: [string, string, () => Stored][] = [
    ["the MODULE name, extension dropped", `/breakpad/acme/app/fixture.pdb/${WINDOWS_ID}/fixture.sym`, () => windows],
    [
      "lower-case id and names",
      `/breakpad/acme/app/fixture.pdb/${WINDOWS_ID.toLowerCase()}/fixture.sym`,
      () => windows,
    ],
    ["upper-case names", `/breakpad/acme/app/FIXTURE.PDB/${WINDOWS_ID}/FIXTURE.SYM`, () => windows],
    ["the stored object name", `/breakpad/acme/app/breakpad-windows/${WINDOWS_ID}/breakpad-windows.sym`, () => windows],
    ["a name without extension", `/breakpad/acme/app/fixture-linux/${LINUX_ID}/fixture-linux.sym`, () => linux],
    ["mixed case", `/breakpad/acme/app/Fixture-Linux/b8F3c1D2a4E5460798a1B2c3D4e5F6070/fixture-LINUX.sym`, () => linux],
  ];
  for (const [what, path, file] of hits) {
    it(`serves the file by ${what}`, async () => {
      const res = await get(token, path);
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe(`"${file().checksum}"`);
      expect(await bytesOf(res)).toEqual(file().bytes);
    });
  }

  it("supports Range, HEAD and If-None-Match", async () => {
    const path = `/breakpad/acme/app/fixture.pdb/${WINDOWS_ID}/fixture.sym`;
    const part = await get(token, path, { range: "bytes=0-5" });
    expect(part.status).toBe(206);
    expect(new TextDecoder().decode(await bytesOf(part))).toBe("MODULE");
    const head = await get(token, path, {}, "HEAD");
    expect(head.headers.get("content-length")).toBe(String(windows.bytes.byteLength));
    expect((await bytesOf(head)).byteLength).toBe(0);
    expect((await get(token, path, { "if-none-match": `"${windows.checksum}"` })).status).toBe(304);
    expect((await get(token, path, { range: "bytes=999999-" })).status).toBe(416);
  });

  it("answers 404 for other names, ids, the PDB's path, and a foreign org alike", async () => {
    const paths = [
      `/breakpad/acme/app/other.pdb/${WINDOWS_ID}/other.sym`,
      `/breakpad/acme/app/fixture.pdb/${WINDOWS_ID.slice(0, -1)}3/fixture.sym`,
      `/breakpad/acme/app/pe-x86_64.pdb/F17A7FB0E4203A7D4C4C44205044422E1/pe-x86_64.sym`,
      `/breakpad/acme/app/fixture.pdb/${WINDOWS_ID}/fixture.pdb`,
    ];
    const answers = await Promise.all(paths.map((p) => get(token, p)));
    const foreign = await get(await mintToken("other"), `/breakpad/acme/app/fixture.pdb/${WINDOWS_ID}/fixture.sym`);
    expect([...answers, foreign].map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect(new Set(await Promise.all([...answers, foreign].map((r) => r.text()))).size).toBe(1);
  });
});
