/**
 * Typed wrapper over the symcache builder (crates/symcache compiled to wasm32, plain C ABI).
 *
 * Each build gets a fresh `WebAssembly.Instance`: linear memory only grows, so reusing an
 * instance would keep the peak of the largest file ever built alive in the isolate. Dropping the
 * instance after the build releases it. The module is passed in, because wrangler hands the
 * Worker a precompiled `WebAssembly.Module` (`import m from "./symcache.wasm"`) while Node tests
 * compile it from bytes.
 */

export type SymcacheInputKind = "object" | "breakpad";

export type BuildResult =
  | { ok: true; symcache: Uint8Array; peakMemoryBytes: number }
  | { ok: false; error: string; peakMemoryBytes: number };

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

const KIND_CODES: Record<SymcacheInputKind, number> = { object: 0, breakpad: 1 };

/** Builds a symcache from the bytes of one debug file. Never throws. */
export function buildSymcache(module: WebAssembly.Module, input: Uint8Array, kind: SymcacheInputKind): BuildResult {
  let exports: BuilderExports;
  try {
    exports = new WebAssembly.Instance(module, {}).exports as unknown as BuilderExports;
  } catch (err) {
    return { ok: false, error: `the symcache builder could not be started (${describe(err)})`, peakMemoryBytes: 0 };
  }
  const peak = () => exports.memory.buffer.byteLength;
  try {
    const ptr = exports.alloc(input.byteLength);
    if (ptr === 0) {
      return {
        ok: false,
        error: `the file (${input.byteLength} bytes) does not fit into the builder's memory`,
        peakMemoryBytes: peak(),
      };
    }
    // Views must be re-created after every call: memory.grow detaches the old buffer.
    new Uint8Array(exports.memory.buffer, ptr, input.byteLength).set(input);
    const status = exports.build(ptr, input.byteLength, KIND_CODES[kind]);
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
