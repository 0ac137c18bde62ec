/**
 * Typed wrapper over the symcache builder (crates/symcache compiled to wasm32, plain C ABI).
 *
 * Each build gets a fresh `WebAssembly.Instance`: linear memory only grows, so reusing an
 * instance would keep the peak of the largest file ever built alive in the isolate. Dropping the
 * instance after the build releases it. The module is passed in, because wrangler hands the
 * Worker a precompiled `WebAssembly.Module` (`import m from "./symcache.wasm"`) while Node tests
 * compile it from bytes.
 */

/**
 * `object-with-alt`: an ELF file and its dwz alternate file (`.gnu_debugaltlink`) framed together
 * as "DWZ\0" | u32 LE main length | main | zero padding to 8 | alternate (crates/symcache lib.rs).
 * `pdb`: a Windows PDB (MSF 7.00), crates/symcache/src/pdb.
 */
export type SymcacheInputKind = "object" | "breakpad" | "object-with-alt" | "pdb";

export type BuildResult =
  { ok: true; symcache: Uint8Array; peakMemoryBytes: number } | { ok: false; error: string; peakMemoryBytes: number };

interface BuilderExports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  dealloc(ptr: number, len: number): void;
  build(ptr: number, len: number, kind: number): number;
  output_ptr(): number;
  output_len(): number;
  error_ptr(): number;
  error_len(): number;
  memory_bytes(): number;
  format_version(): number;
}

const KIND_CODES: Record<SymcacheInputKind, number> = { object: 0, breakpad: 1, "object-with-alt": 2, pdb: 3 };

/** Builds a symcache from the bytes of one debug file. Never throws. */
export function buildSymcache(module: WebAssembly.Module, input: Uint8Array, kind: SymcacheInputKind): BuildResult {
  const started = start(module, input.byteLength);
  if ("ok" in started) return started;
  new Uint8Array(started.exports.memory.buffer, started.ptr, input.byteLength).set(input);
  return finish(started, input.byteLength, kind);
}

/**
 * Builds a symcache from `size` input bytes that `fill` writes straight into the builder's
 * memory, so the file is never held twice (once in JavaScript, once in WebAssembly): the
 * consumer streams it from R2 into `target`. Never throws, except what `fill` throws.
 */
export async function buildSymcacheFilled(
  module: WebAssembly.Module,
  size: number,
  kind: SymcacheInputKind,
  fill: (target: Uint8Array) => Promise<void>,
): Promise<BuildResult> {
  const started = start(module, size);
  if ("ok" in started) return started;
  // No builder call happens during the fill, so memory cannot grow and this view stays valid.
  await fill(new Uint8Array(started.exports.memory.buffer, started.ptr, size));
  return finish(started, size, kind);
}

interface Started {
  exports: BuilderExports;
  ptr: number;
}

function start(module: WebAssembly.Module, size: number): Started | BuildResult {
  let exports: BuilderExports;
  try {
    exports = new WebAssembly.Instance(module, {}).exports as unknown as BuilderExports;
  } catch (err) {
    return { ok: false, error: `the symcache builder could not be started (${describe(err)})`, peakMemoryBytes: 0 };
  }
  const peak = () => exports.memory.buffer.byteLength;
  try {
    const ptr = exports.alloc(size);
    if (ptr !== 0) return { exports, ptr };
  } catch {
    // an allocation failure traps: reported below like a refusal
  }
  return {
    ok: false,
    error: `the file (${size} bytes) does not fit into the builder's memory`,
    peakMemoryBytes: safePeak(peak),
  };
}

function finish({ exports, ptr }: Started, size: number, kind: SymcacheInputKind): BuildResult {
  const peak = () => exports.memory.buffer.byteLength;
  try {
    const status = exports.build(ptr, size, KIND_CODES[kind]);
    if (status !== 0) {
      const message = new TextDecoder().decode(
        new Uint8Array(exports.memory.buffer, exports.error_ptr(), exports.error_len()),
      );
      return { ok: false, error: message || "the symcache builder failed without a message", peakMemoryBytes: peak() };
    }
    // Copy out: the instance (and its memory) is dropped when we return.
    const symcache = new Uint8Array(exports.memory.buffer, exports.output_ptr(), exports.output_len()).slice();
    return { ok: true, symcache, peakMemoryBytes: peak() };
  } catch (err) {
    // A trap: out of memory (allocation failure aborts), or a bug. Either way this file cannot
    // be converted by this builder; the message says which trap it was.
    return {
      ok: false,
      error: `the symcache builder crashed on this file (${describe(err)}); it may be too large or malformed`,
      peakMemoryBytes: safePeak(peak),
    };
  }
}

function safePeak(peak: () => number): number {
  try {
    return peak();
  } catch {
    return 0;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
