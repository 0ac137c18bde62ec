/**
 * The builder over the committed fixture corpus (test/fixtures/files): which formats build,
 * which are refused with which message, and the frames at known addresses. Needs only Node.
 */
import { describe, expect, it } from "vitest";
import type { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, buildFile, FIXTURES, openBytes, openSymcache } from "./helpers";

const chain = (sc: MemorySymcache, addr: number) =>
  sc.lookup(addr).map((f) => `${f.function} ${f.filename ?? "?"}:${f.lineno}`);

describe("symcache builder", () => {
  describe("every format builds", () => {
    const files = [
      "elf-x86_64-gcc-dw5-O2-pie",
      "elf-x86_64-gcc-dw5-O2-pie.debug",
      "elf-x86_64-gcc-dw5-O2-pie.zlib.debug",
      "elf-x86_64-gcc-dw5-O2-pie.zstd.debug",
      "elf-x86_64-no-buildid",
      "elf-arm64-exe",
      "elf-mips64-be-static",
      "macho-arm64.dSYM/Contents/Resources/DWARF/macho-arm64",
      "macho-x86_64.dwarf",
      "pe-x86_64.exe",
      "wasm-buildid-sha1.wasm",
      "breakpad-windows.sym",
    ];
    for (const name of files) {
      it(name, async () => {
        const built = await buildFile(FIXTURES + name, name.endsWith(".sym") ? "breakpad" : "object");
        expect(built.ok, built.ok ? "" : built.error).toBe(true);
        // A PE without exports or DWARF (pe-x86_64.exe) has nothing to put in a page, and neither
        // has the WebAssembly fixture (a DWARF unit without code ranges, no name section).
        if (built.ok && !/^(pe|wasm)-/.test(name)) expect(openBytes(built.symcache).index.pages).toBeGreaterThan(0);
      });
    }

    it("the container carries the identity it was built for", async () => {
      const sc = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`);
      expect([sc.index.debugId, sc.arch]).toEqual(["3249d99d-0c40-4931-8610-f4e4fb0b6936-1", "x86_64"]);
    });
  });

  describe("DWARF", () => {
    it("resolves inline chains innermost first, with symAddr on the outermost frame", async () => {
      const sc = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`);
      const frames = sc.lookup(0x105d);
      expect(frames.map((f) => [f.function, f.absPath, f.lineno])).toEqual([
        ["clamp_add", "/build/src/util.h", 14],
        ["point_sum", "/build/src/util.h", 21],
        ["main", "/build/src/main.c", 18],
      ]);
      expect(frames[0]?.symAddr).toBeUndefined();
      expect(frames[2]?.symAddr).toBe(0x1040);
      expect(frames[2]?.lang).toBe("c");
    });

    it("reads zlib-compressed sections like the uncompressed file", async () => {
      const plain = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie.debug`);
      const zlib = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie.zlib.debug`);
      for (let a = 0x1000; a < 0x1300; a++) expect(chain(zlib, a)).toEqual(chain(plain, a));
    });

    it("reads zstd-compressed sections like the uncompressed file", async () => {
      const plain = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie.debug`);
      const zstd = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie.zstd.debug`);
      for (let a = 0x1000; a < 0x1300; a++) expect(chain(zstd, a)).toEqual(chain(plain, a));
    });

    it("stores demangled C++ names next to the raw ones", async () => {
      const sc = await openSymcache(`${FIXTURES}elf-x86_64-cpp`);
      const all = new Map<string, string>();
      for (let a = 0x1700; a < 0x1c00; a++) for (const f of sc.lookup(a)) all.set(f.symbol, f.function);
      const area = [...all].find(([raw]) => raw.includes("Shape4area"));
      expect(area).toBeDefined();
      expect(area?.[1]).toBe("fixture::geom::Shape::area() const");
    });

    it("makes gaps between functions resolve to nothing (end sentinels)", async () => {
      const sc = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`);
      expect(sc.lookup(0)).toEqual([]);
      expect(sc.lookup(0x1070)[0]?.function).toBe("main");
      expect(sc.lookup(0x1071)).toEqual([]); // main is 0x1040 + 49
      expect(sc.lookup(0x107f)).toEqual([]);
      expect(sc.lookup(0x1_0000_0000)).toEqual([]);
      expect(sc.lookup(-1)).toEqual([]);
    });

    it("degrades dwz alternate-file names to empty instead of failing", async () => {
      // .gnu_debugaltlink strings (DW_FORM_GNU_strp_alt) live in the dwz common file, which is
      // not passed to the builder: the inlined frame keeps its file and line but has no name.
      const sc = await openSymcache(`${FIXTURES}elf-x86_64-dwz-b.so`);
      const frames = sc.lookup(0x1120);
      expect(frames.length).toBe(2);
      expect(frames[0]?.symbol).toBe("");
      expect(frames[0]?.filename).toBe("util.h");
      expect(frames[1]?.function).toBe("lib_helper");
    });
  });

  describe("symbol tables fill holes", () => {
    it("uses Mach-O nlist names without the leading underscore", async () => {
      const sc = await openSymcache(`${FIXTURES}macho-arm64`);
      expect(sc.lookup(0x3dc)).toEqual([{ function: "compute", symbol: "compute", lineno: 0, symAddr: 0x3dc }]);
    });

    it("uses PE exports", async () => {
      const sc = await openSymcache(`${FIXTURES}pe-x86_64-fixture.dll`);
      expect(sc.lookup(0x1020)[0]?.function).toBe("lib_api");
    });

    it("uses ELF symbols where DWARF has no function (crt code)", async () => {
      const sc = await openSymcache(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`);
      expect(sc.lookup(0x1000)[0]).toMatchObject({ function: "_init", lineno: 0 });
    });
  });

  describe("Breakpad", () => {
    it("builds FUNC, line, INLINE and INLINE_ORIGIN records", async () => {
      const sc = await openSymcache(`${FIXTURES}breakpad-inline.sym`, "breakpad");
      expect(chain(sc, 0x1016)).toEqual(["clamp_add util.h:14", "point_sum util.h:21", "compute calc.c:11"]);
      expect(chain(sc, 0x1004)).toEqual(["square calc.c:6", "compute calc.c:10"]);
      expect(chain(sc, 0x1056)).toEqual(["clamp_add util.h:14", "accumulate calc.c:17"]);
    });

    it("caps inline depth at 128 and stays fast on an INLINE bomb", async () => {
      const lines = ["MODULE Linux x86_64 0F1E2D3C4B5A69788796A5B4C3D2E1F00 bomb", "FILE 0 a.c", "INLINE_ORIGIN 0 f"];
      lines.push("FUNC 1000 1000 0 outer", "1000 1000 1 0");
      for (let d = 0; d < 300; d++)
        lines.push(`INLINE ${d} ${d + 1} 0 0 ${(0x1000 + d).toString(16)} ${(0x1000 - 2 * d).toString(16)}`);
      const built = await buildBytes(new TextEncoder().encode(lines.join("\n")), "breakpad");
      if (!built.ok) throw new Error(built.error);
      expect(openBytes(built.symcache).lookup(0x1100).length).toBe(129);
    });
  });

  describe("refused inputs have a clear message", () => {
    const cases: [string, RegExp][] = [
      ["macho-universal", /fat \(universal\) Mach-O/],
      ["neg-random.bin", /not a readable ELF, Mach-O, PE or WASM/],
      ["neg-truncated.elf", /truncated or malformed/],
      ["neg-text.txt", /not a readable/],
    ];
    for (const [name, message] of cases) {
      it(name, async () => {
        const built = await buildFile(FIXTURES + name);
        expect(built.ok).toBe(false);
        if (!built.ok) expect(built.error).toMatch(message);
      });
    }
    it("a Breakpad file without a MODULE line", async () => {
      const built = await buildFile(`${FIXTURES}neg-text.txt`, "breakpad");
      expect(built).toMatchObject({ ok: false, error: expect.stringMatching(/MODULE line/) as unknown });
    });
  });

  it("reports peak memory", async () => {
    const built = await buildFile(`${FIXTURES}elf-x86_64-gcc-dw5-O2-pie`);
    expect(built.peakMemoryBytes).toBeGreaterThan(65536);
  });
});
