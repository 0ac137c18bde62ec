/**
 * The PDB side of the llvm-symbolizer oracle: line-table addresses from `llvm-pdbutil-19 dump`,
 * the executable's image base, and llvm-symbolizer over the executable (it finds the PDB next to
 * it through the CodeView record and reads it natively).
 */
import { execFileSync } from "node:child_process";
import type { OracleFrame } from "./helpers";

/** Virtual addresses of the PDB's section headers, index 0 = section 1. */
function sectionRvas(pdb: string): number[] {
  const text = execFileSync("llvm-pdbutil-19", ["dump", "-section-headers", pdb]).toString();
  return [...text.matchAll(/^\s+([0-9A-F]+) virtual address$/gm)].map((m) => Number.parseInt(m[1] ?? "0", 16));
}

/**
 * The RVA of every line-table entry of every module (`llvm-pdbutil dump -l`: a block header
 * `SSSS:OOOOOOOO-EEEEEEEE, line/addr entries = N`, then `line offset !` entries whose offsets
 * are section offsets).
 */
export function pdbLineTableAddresses(pdb: string): number[] {
  const rvas = sectionRvas(pdb);
  const text = execFileSync("llvm-pdbutil-19", ["dump", "-l", pdb], { maxBuffer: 1 << 30 }).toString();
  const out = new Set<number>();
  let section = 0;
  for (const line of text.split("\n")) {
    const header = /^\s*([0-9A-F]{4}):[0-9A-F]{8}-[0-9A-F]{8}, line\/addr entries/.exec(line);
    if (header) {
      section = Number.parseInt(header[1] ?? "0", 16);
      continue;
    }
    if (!/^\s+\d+ [0-9A-F]{8} /.test(line)) continue;
    const base = rvas[section - 1];
    if (base === undefined) continue;
    for (const m of line.matchAll(/(\d+) ([0-9A-F]{8}) /g)) out.add(base + Number.parseInt(m[2] ?? "0", 16));
  }
  return [...out].sort((a, b) => a - b);
}

export function peImageBase(exe: string): number {
  const text = execFileSync("llvm-readobj-19", ["--file-headers", exe]).toString();
  return Number.parseInt(/ImageBase: (0x[0-9A-F]+)/i.exec(text)?.[1] ?? "0", 16);
}

/**
 * llvm-symbolizer's frames (innermost first) for image-relative addresses of a PE whose PDB
 * lies next to it: linkage names, demangled (its default, Microsoft demangler without access
 * specifiers, calling conventions or return types) or raw.
 */
export function symbolizePe(exe: string, rvas: readonly number[], demangle: boolean): OracleFrame[][] {
  const base = peImageBase(exe);
  const args = [`--obj=${exe}`, "--inlining", "--functions=linkage", "--output-style=JSON"];
  if (!demangle) args.push("--no-demangle");
  const input = rvas.map((a) => `0x${(a + base).toString(16)}`).join("\n");
  const stdout = execFileSync("llvm-symbolizer-19", args, { input, maxBuffer: 1 << 30 }).toString();
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { Symbol?: OracleFrame[] }).Symbol ?? []);
}

/**
 * 32-bit x86 C name decoration removed the way llvm-symbolizer does when it demangles
 * (`_f` → `f`, `_f@8` → `f`, `@f@8` → `f`, `f@@8` → `f`); our symcaches store x86 C names so.
 */
export function undecorateX86(name: string): string {
  if (name.startsWith("?")) return name;
  let n = name.startsWith("_") || name.startsWith("@") ? name.slice(1) : name;
  const at = n.lastIndexOf("@");
  if (at >= 0 && /^\d+$/.test(n.slice(at + 1))) {
    n = n.slice(0, at);
    if (n.endsWith("@")) n = n.slice(0, -1);
  }
  return n;
}
