/**
 * Shared helpers of the symcache tests: the builder compiled from the committed .wasm, the
 * llvm-symbolizer oracle, line-table addresses from llvm-dwarfdump, and a frame comparator that
 * names the kind of each disagreement.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildFileSymcache } from "../../../src/symcache/build-file";
import type { InputKind } from "../../../src/symcache/build-host";
import { MemorySymcache, type SymcacheFrame } from "../../../src/symcache/reader";
import { cleanPath } from "../../../src/symcache/paths";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const FIXTURES = `${ROOT}test/fixtures/files/`;

let compiled: WebAssembly.Module | undefined;
export function builderModule(): WebAssembly.Module {
  // workers-types declares Module abstract (workerd only hands out precompiled modules); Node
  // compiles from bytes.
  const ModuleCtor = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
  compiled ??= new ModuleCtor(readFileSync(`${ROOT}src/symcache/symcache.wasm`));
  return compiled;
}

export function buildBytes(main: Uint8Array, kind: InputKind = "object", alt?: Uint8Array) {
  return buildFileSymcache(builderModule(), alt ? { main, alt } : { main }, kind, {
    debugId: "3249d99d-0c40-4931-8610-f4e4fb0b6936-1",
    arch: "x86_64",
  });
}

export function buildFile(path: string, kind: InputKind = "object") {
  return buildBytes(new Uint8Array(readFileSync(path)), kind);
}

export function openBytes(bytes: Uint8Array): MemorySymcache {
  const opened = MemorySymcache.open(bytes);
  if (!opened.ok) throw new Error(`symcache unreadable: ${opened.reason}`);
  return opened.symcache;
}

export async function openSymcache(path: string, kind: InputKind = "object"): Promise<MemorySymcache> {
  const built = await buildFile(path, kind);
  if (!built.ok) throw new Error(`build of ${path} failed: ${built.error}`);
  return openBytes(built.symcache);
}

function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}
export const HAS_LLVM = hasTool("llvm-symbolizer-19") && hasTool("llvm-dwarfdump-19") && hasTool("llvm-readelf-19");
export const fileExists = (p: string) => existsSync(p);

/** Whether a system file a test compares against is there; when not, says which package brings it. */
export function systemFile(path: string, debianPackage: string): boolean {
  if (existsSync(path)) return true;
  console.log(`skipped: ${path} is missing (apt-get install ${debianPackage}, or bash scripts/install-toolchain.sh)`);
  return false;
}

export interface OracleFrame {
  FunctionName: string;
  FileName: string;
  Line: number;
  StartAddress?: string;
}

/** llvm-symbolizer's frames (innermost first) for many addresses, raw linkage names. */
export function symbolize(file: string, vmas: readonly number[]): OracleFrame[][] {
  const out: OracleFrame[][] = [];
  const batch = 20_000;
  for (let i = 0; i < vmas.length; i += batch) {
    const input = vmas
      .slice(i, i + batch)
      .map((a) => `0x${a.toString(16)}`)
      .join("\n");
    const stdout = execFileSync(
      "llvm-symbolizer-19",
      [`--obj=${file}`, "--inlining", "--functions=linkage", "--no-demangle", "--output-style=JSON"],
      { input, maxBuffer: 1 << 30 },
    ).toString();
    for (const line of stdout.split("\n")) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as { Symbol?: OracleFrame[] };
      out.push(parsed.Symbol ?? []);
    }
  }
  return out;
}

/** Addresses of every line-table row (not end_sequence) of a file. */
export function lineTableAddresses(file: string): number[] {
  const text = execFileSync("llvm-dwarfdump-19", ["--debug-line", file], { maxBuffer: 1 << 30 }).toString();
  const set = new Set<number>();
  for (const m of text.matchAll(/^0x([0-9a-f]{16})\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s*(.*)$/gm)) {
    if ((m[2] ?? "").includes("end_sequence")) continue;
    const a = Number.parseInt(m[1] ?? "0", 16);
    if (a !== 0) set.add(a);
  }
  return [...set].sort((a, b) => a - b);
}

/** Offset of a WebAssembly module's code-section payload: what its DWARF addresses are relative to. */
export function wasmCodeOffset(bytes: Uint8Array): number {
  let pos = 8;
  const uleb = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++] ?? 0;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = uleb();
    if (id === 10) return pos;
    pos += size;
  }
  throw new Error("no code section");
}

/** ELF load address: p_vaddr of the first PT_LOAD (what symcache addresses are relative to). */
export function elfLoadAddress(file: string): number {
  const text = execFileSync("llvm-readelf-19", ["-lW", file]).toString();
  const m = /^\s*LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/m.exec(text);
  return m ? Number.parseInt(m[1] ?? "0", 16) : 0;
}

/** Function ranges [lowpc, highpc) of DW_TAG_subprogram DIEs with code, from the symbol table. */
export function elfFunctionSymbols(file: string): { addr: number; size: number; name: string }[] {
  const text = execFileSync("llvm-readelf-19", ["-sW", file], { maxBuffer: 1 << 30 }).toString();
  const out: { addr: number; size: number; name: string }[] = [];
  for (const m of text.matchAll(/^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+FUNC\s+\S+\s+\S+\s+(\d+)\s+(\S+)/gm)) {
    const size = Number(m[2]);
    if (size > 0) out.push({ addr: Number.parseInt(m[1] ?? "0", 16), size, name: m[4] ?? "" });
  }
  return out;
}

export type Disagreement =
  "llvm_unknown_we_resolve" | "we_unknown_llvm_resolves" | "inline_depth" | "function_name" | "file" | "line";

/**
 * null when our frames and llvm-symbolizer's agree on name, file, line of every frame. `name`
 * picks the name compared with llvm's: the raw symbol (default, for `--no-demangle`) or the
 * demangled function.
 */
export function compareFrames(
  ours: SymcacheFrame[],
  theirs: OracleFrame[],
  name: (frame: SymcacheFrame) => string = (f) => f.symbol,
): Disagreement | null {
  // llvm-symbolizer's JSON names an unknown function "" (its text output "??").
  const known = theirs.filter((f) => (f.FunctionName !== "??" && f.FunctionName !== "") || f.Line !== 0);
  if (known.length === 0) return ours.length === 0 ? null : "llvm_unknown_we_resolve";
  if (ours.length === 0) return "we_unknown_llvm_resolves";
  if (ours.length !== known.length) return "inline_depth";
  for (let i = 0; i < known.length; i++) {
    const a = ours[i];
    const b = known[i];
    if (!a || !b) return "inline_depth";
    if (name(a) !== b.FunctionName) return "function_name";
  }
  for (let i = 0; i < known.length; i++) {
    const a = ours[i];
    const b = known[i];
    if (!a || !b) return "inline_depth";
    const theirPath = b.FileName ? cleanPath(b.FileName) : undefined;
    if ((a.absPath ?? undefined) !== theirPath && !(a.lineno === 0 && b.Line === 0)) return "file";
    if (a.lineno !== b.Line) return "line";
  }
  return null;
}
