/** The reader's validation and symbolic's path rules. */
import { describe, expect, it } from "vitest";
import { SymCache } from "../../../src/symcache/reader";
import { cleanPath, joinPath } from "../../../src/symcache/paths";
import { buildFile, FIXTURES } from "./helpers";

describe("SymCache.parse", () => {
  const built = buildFile(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`);
  const bytes = built.ok ? built.symcache : new Uint8Array();

  it("accepts what the builder writes", () => {
    const parsed = SymCache.parse(bytes);
    expect(parsed.ok && parsed.symcache.arch).toBe("x86_64");
  });
  it("rejects short, foreign, future and truncated input", () => {
    expect(SymCache.parse(bytes.subarray(0, 10))).toEqual({ ok: false, reason: "too_short" });
    const foreign = bytes.slice();
    foreign.set([0x53, 0x59, 0x4d, 0x43]); // "SYMC": symbolic's own format is not ours
    expect(SymCache.parse(foreign)).toEqual({ ok: false, reason: "bad_magic" });
    const future = bytes.slice();
    future[4] = 2;
    expect(SymCache.parse(future)).toEqual({ ok: false, reason: "unsupported_version" });
    expect(SymCache.parse(bytes.subarray(0, bytes.length - 1))).toEqual({ ok: false, reason: "truncated" });
  });
  it("reads the optional source-link table, and refuses one that runs past the end", () => {
    const pdb = buildFile(`${FIXTURES}pe-x86_64-o2.pdb`, "pdb");
    const withLinks = pdb.ok ? pdb.symcache : new Uint8Array();
    const count = new DataView(withLinks.buffer, withLinks.byteOffset).getUint32(64, true);
    expect(count).toBeGreaterThan(0);
    const parsed = SymCache.parse(withLinks);
    expect(parsed.ok && parsed.symcache.lookup(0x1000)[0]?.sourceLink).toMatch(
      /^https:\/\/raw\.githubusercontent\.com\//,
    );
    expect(SymCache.parse(withLinks.subarray(0, withLinks.length - 1))).toEqual({ ok: false, reason: "truncated" });
    // Symcaches without source indexing have a zero count and no table (files written before it existed too).
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(64, true)).toBe(0);
  });
  it("rejects more ranges than source locations", () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(56, 0xffffffff, true);
    expect(SymCache.parse(bad)).toEqual({ ok: false, reason: "inconsistent_counts" });
  });
});

describe("paths (symbolic-common join_path / clean_path)", () => {
  it.each([
    ["/build", "src/a.c", "/build/src/a.c"],
    ["/build", "/abs/a.c", "/abs/a.c"],
    ["", "a.c", "a.c"],
    ["C:\\src", "a.c", "C:\\src\\a.c"],
    ["C:\\src", "\\other\\a.c", "C:\\other\\a.c"],
    ["/build", "<stdin>", "<stdin>"],
    ["/build", "D:/x.c", "D:/x.c"],
  ])("join(%s, %s) = %s", (base, other, out) => expect(joinPath(base, other)).toBe(out));
  it.each([
    ["./csu/../libio/libioP.h", "libio/libioP.h"],
    ["/a/./b//c/../d.c", "/a/b/d.c"],
    ["../x/y.c", "../x/y.c"],
    ["/../x.c", "/x.c"],
    ["C:\\a\\..\\b.c", "C:\\b.c"],
  ])("clean(%s) = %s", (input, out) => expect(cleanPath(input)).toBe(out));
});
