/** The reader's validation of the container and its pages, and symbolic's path rules. */
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SYMCACHE_VERSION, TRAILER_SIZE, Trailer } from "../../../src/symcache/format";
import {
  MemorySymcache,
  PackedPageCache,
  PageCache,
  PagedSymcache,
  SymcacheIndex,
  SymcachePage,
} from "../../../src/symcache/reader";
import { cleanPath, joinPath } from "../../../src/symcache/paths";
import { buildFile, FIXTURES } from "./helpers";

describe("the symcache container", async () => {
  const built = await buildFile(`${FIXTURES}elf-x86_64-cpp`);
  const bytes = built.ok ? built.symcache : new Uint8Array();
  const trailer = bytes.byteLength - TRAILER_SIZE;
  const parse = (b: Uint8Array) => SymcacheIndex.parse(b, b.byteLength);

  it("opens what the builder and the container writer produce", () => {
    const parsed = parse(bytes);
    expect(parsed.ok && parsed.index.arch).toBe("x86_64");
    expect(parsed.ok && parsed.index.pages).toBeGreaterThan(0);
  });

  it("rejects short, foreign, future and inconsistent input", () => {
    expect(parse(bytes.subarray(0, 10))).toEqual({ ok: false, reason: "too_short" });
    const foreign = bytes.slice();
    foreign.set([0x53, 0x59, 0x4d, 0x43], trailer); // "SYMC": symbolic's own format is not ours
    expect(parse(foreign)).toEqual({ ok: false, reason: "bad_magic" });
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(trailer + Trailer.version, SYMCACHE_VERSION + 1, true);
    expect(parse(future)).toEqual({ ok: false, reason: "unsupported_version", version: SYMCACHE_VERSION + 1 });
    const pages = bytes.slice();
    new DataView(pages.buffer).setUint32(trailer + Trailer.numPages, 1000, true);
    expect(parse(pages)).toEqual({ ok: false, reason: "inconsistent" });
    expect(parse(bytes.subarray(0, bytes.length - 1))).toMatchObject({ ok: false });
  });

  it("names an older symcache's version (1: one flat table; 2: files without source links)", () => {
    for (const version of [1, 2]) {
      const old = new Uint8Array(200);
      new DataView(old.buffer).setUint32(0, 0x45435953, true);
      new DataView(old.buffer).setUint32(4, version, true);
      expect(parse(old)).toEqual({ ok: false, reason: "unsupported_version", version });
    }
  });

  it("carries a file's source link (a PDB's srcsrv stream) into its frames", async () => {
    const pdb = await buildFile(`${FIXTURES}pe-x86_64-o2.pdb`, "pdb");
    const opened = MemorySymcache.open(pdb.ok ? pdb.symcache : new Uint8Array());
    const main = opened.ok ? opened.symcache.lookup(0x1006) : [];
    expect(main.at(-1)).toMatchObject({ function: "main", filename: "main.c" });
    expect(main.at(-1)?.sourceLink).toMatch(/^https:\/\/raw\.githubusercontent\.com\/.*\/src\/main\.c$/);
  });

  it("reads a page again from the packed tier, not from storage, once it left the inflated one", async () => {
    const parsed = parse(bytes);
    if (!parsed.ok) throw new Error("unreadable");
    let reads = 0;
    const read = (offset: number, length: number) => {
      reads++;
      return Promise.resolve(bytes.slice(offset, offset + length));
    };
    const packed = new PackedPageCache(1 << 20);
    const whole = MemorySymcache.open(bytes);
    if (!whole.ok) throw new Error("unreadable");
    let address = 0;
    while (address < 1 << 20 && whole.symcache.lookup(address).length === 0) address++;
    const page = parsed.index.pageOf(address);
    const frames = async (inflated: PageCache) => {
      const sc = new PagedSymcache(parsed.index, "f", read, inflated, packed);
      await sc.prefetch([address]);
      return sc.lookup(address);
    };
    const first = await frames(new PageCache(1 << 20));
    expect(first.length).toBeGreaterThan(0);
    expect(reads).toBe(1);
    // A fresh inflated tier (as after eviction): the page is inflated again from memory.
    expect(await frames(new PageCache(1 << 20))).toEqual(first);
    expect(reads).toBe(1);
    expect(packed.bytes).toBe(parsed.index.location(page).length);
  });

  it("needs only the tail for the index", () => {
    const tail = bytes.subarray(bytes.byteLength - 4096);
    expect(SymcacheIndex.missingIndexBytes(tail, bytes.byteLength)).toBe(0);
    expect(SymcacheIndex.parse(tail, bytes.byteLength).ok).toBe(true);
  });

  it("refuses pages that are not sound, and looks up nothing in them", () => {
    expect(SymcachePage.decode(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(SymcachePage.decode(new Uint8Array(deflateRawSync(new Uint8Array(31))))).toBeNull();
    const lying = new Uint8Array(32);
    new DataView(lying.buffer).setUint32(0, 5, true); // five ranges in no bytes
    expect(SymcachePage.parse(lying)).toBeNull();
    const opened = MemorySymcache.open(bytes);
    expect(opened.ok && opened.symcache.lookup(-1)).toEqual([]);
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
