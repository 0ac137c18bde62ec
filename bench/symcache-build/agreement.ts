/**
 * Agreement with llvm-symbolizer-19 (`--inlines`) on sampled addresses of a file: addresses
 * inside function symbols (seeded), symbolized by both; three rates, as the issue asks for them:
 * the innermost frame's file:line, its function (raw linkage names), and the whole inline chain
 * (every frame's function, file and line, in order).
 */
import { readFileSync } from "node:fs";
import { MemorySymcache } from "../../src/symcache/reader";
import { cleanPath } from "../../src/symcache/paths";
import { elfFunctionSymbols, elfLoadAddress, rng, symbolize } from "../../test/unit/symcache/helpers";

export interface Agreement {
  n: number;
  fileLine: number;
  function: number;
  chain: number;
  examples: string[];
}

export function sampleAddresses(file: string, count: number, seed: number): number[] {
  const funcs = elfFunctionSymbols(file);
  const next = rng(seed);
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
  const load = elfLoadAddress(file);
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
