/**
 * Agreement with llvm-symbolizer-19 (`--inlines`) on sampled addresses of a file: addresses
 * inside function symbols (seeded), symbolized by both; three rates, as the issue asks for them:
 * the innermost frame's file:line, its function (raw linkage names), and the whole inline chain
 * (every frame's function, file and line, in order).
 */
import { execFileSync } from "node:child_process";
import { openSync, readFileSync, readSync, closeSync } from "node:fs";
import { MemorySymcache } from "../../src/symcache/reader";
import { cleanPath } from "../../src/symcache/paths";
import { elfFunctionSymbols, elfLoadAddress, lineTableAddresses, symbolize } from "../../test/unit/symcache/helpers";
import { mulberry32 } from "../../test/support/prng.mjs";

function isElf(file: string): boolean {
  const fd = openSync(file, "r");
  const magic = Buffer.alloc(4);
  readSync(fd, magic, 0, 4, 0);
  closeSync(fd);
  return magic.toString("latin1") === "\x7fELF";
}

/** Mach-O symcache addresses are relative to the __TEXT segment's vmaddr (0 for a dylib). */
function machoTextVmaddr(file: string): number {
  const text = execFileSync("llvm-objdump-19", ["--macho", "--private-headers", file], {
    maxBuffer: 1 << 28,
  }).toString();
  const m = /segname __TEXT\n\s+vmaddr 0x([0-9a-f]+)/.exec(text);
  return m ? Number.parseInt(m[1] ?? "0", 16) : 0;
}

export interface Agreement {
  n: number;
  fileLine: number;
  function: number;
  chain: number;
  examples: string[];
}

/**
 * ELF: addresses inside function symbols. Mach-O symbols carry no size, so there: line-table
 * rows (a dSYM's own rows, each a place an instruction pointer can be).
 */
export function sampleAddresses(file: string, count: number, seed: number): number[] {
  const next = mulberry32(seed);
  if (!isElf(file)) {
    const rows = lineTableAddresses(file);
    return Array.from({ length: Math.min(count, rows.length) }, () => rows[Math.floor(next() * rows.length)] ?? 0);
  }
  const funcs = elfFunctionSymbols(file);
  const out: number[] = [];
  while (out.length < count && funcs.length > 0) {
    const f = funcs[Math.floor(next() * funcs.length)];
    if (f) out.push(f.addr + Math.floor(next() * f.size));
  }
  return out;
}

export function agreement(file: string, symcachePath: string, vmas: number[]): Agreement {
  const opened = MemorySymcache.open(new Uint8Array(readFileSync(symcachePath)));
  if (!opened.ok) throw new Error(`symcache unreadable: ${opened.reason}`);
  const sc = opened.symcache;
  const load = isElf(file) ? elfLoadAddress(file) : machoTextVmaddr(file);
  const oracle = symbolize(file, vmas);
  let fileLine = 0;
  let fn = 0;
  let chain = 0;
  const examples: string[] = [];
  vmas.forEach((vma, i) => {
    const ours = sc.lookup(vma - load);
    const theirs = (oracle[i] ?? []).filter((f) => f.FunctionName !== "??" || f.Line !== 0);
    const path = (p: string | undefined) => (p ? cleanPath(p) : undefined);
    const a = ours[0];
    const b = theirs[0];
    const sameFileLine =
      (!a && !b) ||
      (a !== undefined &&
        b !== undefined &&
        a.lineno === b.Line &&
        (a.absPath === path(b.FileName) || (a.lineno === 0 && b.Line === 0)));
    const sameFunction = (!a && !b) || (a !== undefined && b !== undefined && a.symbol === b.FunctionName);
    const sameChain =
      ours.length === theirs.length &&
      ours.every((f, k) => {
        const t = theirs[k];
        return (
          t !== undefined &&
          f.symbol === t.FunctionName &&
          f.lineno === t.Line &&
          (f.absPath === path(t.FileName) || (f.lineno === 0 && t.Line === 0))
        );
      });
    if (sameFileLine) fileLine++;
    if (sameFunction) fn++;
    if (sameChain) chain++;
    else if (examples.length < 5) {
      examples.push(
        `0x${vma.toString(16)}: ours ${ours.map((f) => `${f.symbol}@${f.filename ?? "?"}:${f.lineno}`).join(" < ")} | llvm ${theirs.map((f) => `${f.FunctionName}@${f.FileName.split("/").pop() ?? "?"}:${f.Line}`).join(" < ")}`,
      );
    }
  });
  const n = vmas.length;
  return { n, fileLine: fileLine / n, function: fn / n, chain: chain / n, examples };
}
