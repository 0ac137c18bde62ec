/**
 * The conformance table of the README, recomputed: per toolchain, the share of addresses where
 * the symcache gives llvm-symbolizer-19's answer (function linkage name, file, line of every
 * frame, the whole inline chain; test/unit/symcache/helpers.ts `compareFrames`). Addresses are
 * every line-table row of the toolchain's fixtures. A row whose tools or files are missing is
 * skipped with the reason printed; the table is printed at the end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildFileSymcache } from "../../../src/symcache/build-file";
import type { SymcacheFrame } from "../../../src/symcache/reader";
import {
  builderModule,
  compareFrames,
  elfLoadAddress,
  FIXTURES,
  HAS_LLVM,
  lineTableAddresses,
  openBytes,
  openSymcache,
  symbolize,
  wasmCodeOffset,
  type OracleFrame,
} from "./helpers";
import { pdbLineTableAddresses, peImageBase, symbolizePe, undecorateX86 } from "./pdb-helpers";

interface Tally {
  agree: number;
  total: number;
  frames: number;
  /** Disagreements by kind. */
  kinds: Record<string, number>;
}

/** Our frames and llvm's at each address, compared; `rename` maps llvm's symbol-table names to our style. */
function tally(
  ours: (address: number) => SymcacheFrame[],
  oracle: OracleFrame[][],
  addresses: number[],
  rename: (name: string) => string = (n) => n,
): Tally {
  let agree = 0;
  let frames = 0;
  const kinds: Record<string, number> = {};
  addresses.forEach((a, i) => {
    // Only the outermost frame's name comes from the symbol table (the inlined ones are DWARF's).
    const all = oracle[i] ?? [];
    const theirs = all.map((f, j) => (j === all.length - 1 ? { ...f, FunctionName: rename(f.FunctionName) } : f));
    frames += theirs.length;
    const kind = compareFrames(ours(a), theirs);
    if (!kind) agree++;
    else {
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (process.env.CONFORMANCE_VERBOSE)
        console.log(a.toString(16), kind, JSON.stringify(ours(a)), JSON.stringify(theirs));
    }
  });
  return { agree, total: addresses.length, frames, kinds };
}

/** [start, end) of the executable sections: rows elsewhere are the linker's leftovers of dropped code. */
function elfCodeRanges(file: string): [number, number][] {
  const text = execFileSync("llvm-readelf-19", ["-SW", file]).toString();
  const out: [number, number][] = [];
  for (const m of text.matchAll(
    /^\s*\[\s*\d+\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*X\S*)/gm,
  )) {
    const start = Number.parseInt(m[1] ?? "0", 16);
    out.push([start, start + Number.parseInt(m[2] ?? "0", 16)]);
  }
  return out;
}

async function elfTally(file: string): Promise<Tally> {
  const sc = await openSymcache(file);
  const load = elfLoadAddress(file);
  const code = elfCodeRanges(file);
  const vmas = lineTableAddresses(file).filter((a) => code.some(([lo, hi]) => a >= lo && a < hi));
  return tally((a) => sc.lookup(a - load), symbolize(file, vmas), vmas);
}

function machoTextVmaddr(file: string): number {
  const text = execFileSync("llvm-readobj-19", ["--macho-segment", file]).toString();
  const m = /Name: __TEXT\s+Size: \d+\s+vmaddr: (0x[0-9a-f]+)/i.exec(text);
  return m ? Number.parseInt(m[1] ?? "0", 16) : 0;
}

async function machoTally(file: string): Promise<Tally> {
  const sc = await openSymcache(file);
  const load = machoTextVmaddr(file);
  const vmas = lineTableAddresses(file);
  return tally((a) => sc.lookup(a - load), symbolize(file, vmas), vmas);
}

/** PE with DWARF (MinGW); llvm keeps i686's `_` decoration, the symcache removes it (symbolic's rule). */
async function mingwTally(file: string): Promise<Tally> {
  const sc = await openSymcache(file);
  const base = peImageBase(file);
  const rvas = lineTableAddresses(file).map((a) => a - base);
  const x86 = file.includes("i686");
  return tally((a) => sc.lookup(a), symbolizePe(file, rvas, false), rvas, x86 ? undecorateX86 : undefined);
}

async function pdbTally(exe: string): Promise<Tally> {
  const pdb = exe.replace(/\.(exe|dll)$/, ".pdb");
  const sc = await openSymcache(pdb, "pdb");
  const rvas = pdbLineTableAddresses(pdb);
  const x86 = /(^|\/)pe-x86[-.]/.test(exe);
  return tally((a) => sc.lookup(a), symbolizePe(exe, rvas, false), rvas, x86 ? undecorateX86 : undefined);
}

const scratch = mkdtempSync(join(tmpdir(), "conformance-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** llvm-symbolizer reads WASM symbols at module offsets but DWARF at code offsets: it runs on a copy without names. */
async function wasmTally(file: string): Promise<Tally> {
  const sc = await openSymcache(file);
  const bare = join(scratch, file.split("/").pop() ?? "m.wasm");
  execFileSync("llvm-objcopy-19", ["--remove-section=name", file, bare]);
  const code = wasmCodeOffset(new Uint8Array(readFileSync(file)));
  const rows = lineTableAddresses(file);
  return tally((a) => sc.lookup(a + code), symbolize(bare, rows), rows);
}

/**
 * Breakpad: llvm-symbolizer does not read `.sym` files, so the reference is the file's own
 * records: at each line record, the innermost frame is that record's file and line in its FUNC
 * (files without INLINE records).
 */
async function breakpadTally(file: string): Promise<Tally> {
  const sc = await openSymcache(file, "breakpad");
  const files = new Map<string, string>();
  let func = "";
  let agree = 0;
  let total = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const parts = line.trim().split(" ");
    if (parts[0] === "FILE") files.set(parts[1] ?? "", parts.slice(2).join(" "));
    else if (parts[0] === "FUNC") func = parts.slice(parts[1] === "m" ? 5 : 4).join(" ");
    else if (/^[0-9a-f]+ [0-9a-f]+ \d+ \d+$/.test(line.trim())) {
      total++;
      const [addr, , lineno, fileId] = parts;
      const frame = sc.lookup(Number.parseInt(addr ?? "0", 16))[0];
      if (frame?.symbol === func && frame.lineno === Number(lineno) && frame.absPath === files.get(fileId ?? ""))
        agree++;
    }
  }
  return { agree, total, frames: total, kinds: total === agree ? {} : { breakpad: total - agree } };
}

function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

/** A small Rust program (generics, inlining, a closure), built with Debian's rustc at test time. */
function buildRust(mangling: "legacy" | "v0"): string | undefined {
  const rustc = "/usr/bin/rustc";
  if (!existsSync(rustc)) return undefined;
  const src = join(scratch, "conformance.rs");
  writeFileSync(
    src,
    [
      "#[inline(always)] fn clamp_add(a: u64, b: u64) -> u64 { a.saturating_add(b).min(1 << 40) }",
      "#[inline(never)] fn fold<T: Copy + Into<u64>>(xs: &[T]) -> u64 { xs.iter().fold(0, |acc, &x| clamp_add(acc, x.into())) }",
      "struct Counter { n: u64 }",
      "impl Counter { #[inline(never)] fn bump(&mut self, by: u64) -> u64 { self.n = clamp_add(self.n, by); self.n } }",
      "fn main() {",
      "  let v: Vec<u32> = std::env::args().map(|a| a.len() as u32).collect();",
      "  let mut c = Counter { n: fold(&v) };",
      "  std::process::exit((c.bump(fold(&[1u8, 2, 3])) & 0x7f) as i32);",
      "}",
    ].join("\n"),
  );
  const out = join(scratch, `conformance-${mangling}`);
  const args = ["-g", "-C", "opt-level=1", "-C", `symbol-mangling-version=${mangling}`, src, "-o", out];
  const r = spawnSync(rustc, args);
  return r.status === 0 ? out : undefined;
}

/**
 * The Go fixture (test/fixtures/src/go: three packages, generics, closures, cross-package
 * inlining) built offline with Debian's go, its DWARF zlib-compressed (go's default, SHF_COMPRESSED) or
 * not; undefined without `go`.
 */
function buildGo(compressed: boolean): string | undefined {
  if (!hasTool("go")) return undefined;
  const out = join(scratch, compressed ? "go-fixture-zdebug" : "go-fixture");
  const flags = compressed ? [] : ["-ldflags=-compressdwarf=false"];
  const r = spawnSync("go", ["build", "-trimpath", ...flags, "-o", out, "."], {
    cwd: join(FIXTURES, "..", "src", "go"),
    env: {
      ...process.env,
      GOCACHE: join(scratch, "go-cache"),
      GOPATH: join(scratch, "go-path"),
      GOFLAGS: "-mod=mod",
      GOPROXY: "off",
      GOTOOLCHAIN: "local",
    },
  });
  return r.status === 0 ? out : undefined;
}

interface Row {
  toolchain: string;
  fixtures: string;
  measure: () => Promise<Tally | string>;
}

const f = (name: string) => FIXTURES + name;
const sum = (ts: Tally[]): Tally =>
  ts.reduce((a, b) => {
    const kinds = { ...a.kinds };
    for (const [k, n] of Object.entries(b.kinds)) kinds[k] = (kinds[k] ?? 0) + n;
    return { agree: a.agree + b.agree, total: a.total + b.total, frames: a.frames + b.frames, kinds };
  });

const ROWS: Row[] = [
  {
    toolchain: "gcc 12 (DWARF 4/5, -O0/-O2, PIE/non-PIE, .debug companions, assembly)",
    fixtures: "elf-x86_64-gcc-*, libfixture-x86_64.so",
    measure: async () =>
      sum(
        await Promise.all(
          [
            "elf-x86_64-gcc-dw4-O0-pie",
            "elf-x86_64-gcc-dw5-O2-pie",
            "elf-x86_64-gcc-dw5-O2-pie.debug",
            "elf-x86_64-gcc-O2-nopie",
            "elf-x86_64-gcc-asm",
            "libfixture-x86_64.so",
          ].map((n) => elfTally(f(n))),
        ),
      ),
  },
  {
    toolchain: "clang 19 (DWARF 4/5, lld/bfd, C++, 4 ELF architectures, assembly)",
    fixtures: "elf-x86_64-clang19-*, elf-x86_64-cpp, elf-{arm64,x86,mips64,ppc64}-*",
    measure: async () =>
      sum(
        await Promise.all(
          [
            "elf-x86_64-clang19-dw5-O2-lld",
            "elf-x86_64-clang19-dw4-O1",
            "elf-x86_64-clang19-asm",
            "elf-x86_64-clang19-reldir",
            "elf-x86_64-cpp",
            "elf-arm64-exe",
            "elf-x86-i386-static",
            "elf-mips64-be-static",
            "elf-ppc64-be-static",
          ].map((n) => elfTally(f(n))),
        ),
      ),
  },
  {
    toolchain: "MinGW (clang 19 x86_64-w64-windows-gnu + lld: PE with DWARF)",
    fixtures: "pe-x86_64-mingw.exe",
    measure: () => mingwTally(f("pe-x86_64-mingw.exe")),
  },
  {
    toolchain: "MinGW i686 (C names compared undecorated)",
    fixtures: "pe-i686-mingw.exe",
    measure: () => mingwTally(f("pe-i686-mingw.exe")),
  },
  {
    toolchain: "clang-cl 19 + lld-link (PDB)",
    fixtures: "pe-*.exe + .pdb",
    measure: async () =>
      hasTool("llvm-pdbutil-19")
        ? sum(
            await Promise.all(
              [
                "pe-x86_64-o2.exe",
                "pe-x86_64-o2-ghash.exe",
                "pe-x86-o2.exe",
                "pe-arm64.exe",
                "pe-x86_64-fixture.dll",
              ].map((n) => pdbTally(f(n))),
            ),
          )
        : "llvm-pdbutil-19 is not installed",
  },
  {
    toolchain: "Apple clang dSYM (clang 19 -target *-apple-macos11 + dsymutil-19)",
    fixtures: "macho-arm64.dSYM, macho-x86_64.dwarf",
    measure: async () =>
      sum(
        await Promise.all(
          ["macho-arm64.dSYM/Contents/Resources/DWARF/macho-arm64", "macho-x86_64.dwarf"].map((n) => machoTally(f(n))),
        ),
      ),
  },
  {
    // The symcache of the obfuscated dSYM built with its BCSymbolMap, against llvm on the dSYM
    // before obfuscation (test/fixtures/make-bitcode-fixture.sh).
    toolchain:
      "Apple bitcode (clang 19 -target arm64-apple-ios14 -gdwarf-4, names hidden as __hidden#N_ + BCSymbolMap)",
    fixtures: "bitcode/StoreCheckout.dSYM + .bcsymbolmap",
    measure: async () => {
      const dir = `${FIXTURES}../bitcode/`;
      const map = readdirSync(dir).find((n) => n.endsWith(".bcsymbolmap"));
      if (!map) return "no .bcsymbolmap in test/fixtures/bitcode (bash test/fixtures/make-bitcode-fixture.sh)";
      const built = await buildFileSymcache(builderModule(), {
        main: new Uint8Array(readFileSync(`${dir}StoreCheckout.dSYM/Contents/Resources/DWARF/StoreCheckout`)),
        symbolMap: new Uint8Array(readFileSync(`${dir}${map}`)),
      });
      if (!built.ok) throw new Error(built.error);
      const sc = openBytes(built.symcache);
      const plain = `${dir}StoreCheckout.plain.dwarf`;
      const load = machoTextVmaddr(plain);
      const vmas = lineTableAddresses(plain);
      return tally((a) => sc.lookup(a - load), symbolize(plain, vmas), vmas);
    },
  },
  {
    toolchain: "WebAssembly (clang 19 wasm32 + wasm-ld, DWARF in custom sections)",
    fixtures: "wasm32-dwarf-O1.wasm, wasm32-dwarf-O2.wasm",
    measure: async () =>
      sum(await Promise.all(["wasm32-dwarf-O1.wasm", "wasm32-dwarf-O2.wasm"].map((n) => wasmTally(f(n))))),
  },
  {
    toolchain:
      "Go (Debian go 1.19, DWARF 4 zlib-compressed (its default) and uncompressed, three packages, generics, inlining, runtime included)",
    fixtures: "built by this test from src/go",
    measure: async () => {
      const built = [buildGo(true), buildGo(false)];
      if (built.some((b) => b === undefined)) return "no Go toolchain (apt-get install golang-go) or the build failed";
      return sum(await Promise.all(built.map((b) => elfTally(b as string))));
    },
  },
  {
    toolchain: "Rust (Debian rustc 1.63, -g -C opt-level=1, legacy and v0 mangling)",
    fixtures: "built by this test",
    measure: async () => {
      const built = [buildRust("legacy"), buildRust("v0")].filter((p): p is string => p !== undefined);
      if (built.length === 0) return "/usr/bin/rustc is not installed or failed";
      return sum(await Promise.all(built.map((p) => elfTally(p))));
    },
  },
  {
    toolchain: "Breakpad .sym (the files' own FUNC/line records; llvm reads no .sym)",
    fixtures: "breakpad-{linux,windows}.sym",
    measure: async () =>
      sum(await Promise.all(["breakpad-linux.sym", "breakpad-windows.sym"].map((n) => breakpadTally(f(n))))),
  },
];

const results: { row: Row; result: Tally | string }[] = [];

describe.skipIf(!HAS_LLVM)("conformance with llvm-symbolizer-19, per toolchain", () => {
  afterAll(() => {
    const lines = results.map(({ row, result }) =>
      typeof result === "string"
        ? `| ${row.toolchain} | ${row.fixtures} | — | skipped: ${result} |`
        : `| ${row.toolchain} | ${row.fixtures} | ${result.total} (${result.frames} frames) | ${((100 * result.agree) / result.total).toFixed(2)}% |`,
    );
    console.log(["| toolchain | fixtures | addresses | agreement |", "|---|---|---|---|", ...lines].join("\n"));
  });

  for (const row of ROWS) {
    it(row.toolchain, async () => {
      const result = await row.measure();
      results.push({ row, result });
      if (typeof result === "string") {
        console.log(`${row.toolchain}: skipped: ${result}`);
        return;
      }
      console.log(`${row.toolchain}: ${result.agree}/${result.total}`, result.kinds);
      expect(result.total).toBeGreaterThan(0);
      expect(result.agree / result.total).toBeGreaterThanOrEqual(0.99);
    });
  }
});

describe("MinGW symbol names", () => {
  /** The frames at a symbol's address, from the COFF symbol table (llvm-nm). */
  async function framesAt(file: string, symbol: string) {
    const nm = execFileSync("llvm-nm-19", [file]).toString();
    const vma = Number.parseInt(new RegExp(`^([0-9a-f]+) T ${symbol}$`, "m").exec(nm)?.[1] ?? "0", 16);
    expect(vma, symbol).toBeGreaterThan(0);
    return (await openSymcache(file)).lookup(vma - peImageBase(file));
  }

  it.skipIf(!HAS_LLVM)("x86_64 keeps the leading underscore: _CRT_INIT, Itanium _ZN names demangled", async () => {
    const file = f("pe-x86_64-mingw.exe");
    expect((await framesAt(file, "_CRT_INIT")).at(-1)).toMatchObject({ symbol: "_CRT_INIT", function: "_CRT_INIT" });
    expect((await framesAt(file, "_ZNK7fixture4geom5Shape4areaEv")).at(-1)).toMatchObject({
      symbol: "_ZNK7fixture4geom5Shape4areaEv",
      function: "fixture::geom::Shape::area() const",
    });
  });

  it.skipIf(!HAS_LLVM)("i686 undecorates symbol-table C names only (one `_`), DWARF names never", async () => {
    const file = f("pe-i686-mingw.exe");
    expect((await framesAt(file, "__CRT_INIT")).at(-1)).toMatchObject({ symbol: "_CRT_INIT" });
    expect((await framesAt(file, "_main")).at(-1)).toMatchObject({ symbol: "main" });
    expect((await framesAt(file, "__ZNK7fixture4geom5Shape4areaEv")).at(-1)).toMatchObject({
      function: "fixture::geom::Shape::area() const",
    });
  });
});
