/**
 * The typed wrapper over the symcache builder (crates/symcache compiled to wasm32, plain C ABI).
 *
 * The builder reads its inputs through `host.read` and hands over output through `host.write`
 * (crates/symcache/src/host.rs), so a file never has to fit in its memory. In a Worker those
 * reads are R2 requests: with WebAssembly's JavaScript Promise Integration (JSPI) the builder is
 * suspended while a read is in flight (`WebAssembly.Suspending` / `WebAssembly.promising`), and
 * its Rust code stays synchronous. Without JSPI (Node, in the unit tests) the host must answer
 * synchronously, which an in-memory host does.
 *
 * Each call gets a fresh `WebAssembly.Instance`: linear memory only grows, so reusing an instance
 * would keep the peak of the largest build alive in the isolate. The module is passed in, because
 * wrangler hands the Worker a precompiled `WebAssembly.Module` while Node compiles it from bytes.
 */

/** What the builder reads and writes, by source number and stream (host.rs). */
export interface BuilderHost {
  /** Up to `length` bytes of `source` at `offset`; fewer only at its end. */
  read(source: number, offset: number, length: number): Uint8Array | Promise<Uint8Array>;
  /** Output: stream 0 = a finished symcache page (`meta`: its first address), 1 = run bytes. */
  write(stream: number, bytes: Uint8Array, meta: number): void | Promise<void>;
}

export const STREAM_PAGE = 0;
export const STREAM_RUN = 1;

export type BuilderCall = "plan" | "build_whole" | "build_unit" | "merge_runs";

export type BuilderResult =
  { ok: true; output: string; peakMemoryBytes: number } | { ok: false; error: string; peakMemoryBytes: number };

interface BuilderExports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  plan(ptr: number, len: number): number | Promise<number>;
  build_whole(ptr: number, len: number): number | Promise<number>;
  build_unit(ptr: number, len: number): number | Promise<number>;
  merge_runs(ptr: number, len: number): number | Promise<number>;
  output_ptr(): number;
  output_len(): number;
  error_ptr(): number;
  error_len(): number;
  format_version(): number;
}

type AnyFunction = (...args: never[]) => unknown;
interface Jspi {
  Suspending: new (fn: AnyFunction) => object;
  promising(fn: AnyFunction): AnyFunction;
}

/** JSPI, when the runtime has it (workerd does; Node 20 does not). */
function jspi(): Jspi | null {
  const wasm = WebAssembly as unknown as Partial<Jspi>;
  return typeof wasm.Suspending === "function" && typeof wasm.promising === "function" ? (wasm as Jspi) : null;
}

export function canSuspend(): boolean {
  return jspi() !== null;
}

/**
 * Runs one builder call with `params` (little-endian u64 words, crates/symcache/src/ffi.rs).
 * Returns the builder's JSON output or its error message; throws only what the host throws (a
 * failed storage read: the caller retries the task).
 */
export async function runBuilder(
  module: WebAssembly.Module,
  call: BuilderCall,
  params: readonly (number | bigint)[],
  host: BuilderHost,
): Promise<BuilderResult> {
  const suspend = jspi();
  // Set once the instance exists; the imports only run after that.
  const instance: { memory?: WebAssembly.Memory } = {};
  const view = (ptr: number, len: number) => new Uint8Array((instance.memory as WebAssembly.Memory).buffer, ptr, len);

  const read = (source: number, lo: number, hi: number, len: number, dst: number) => {
    const got = host.read(source, (lo >>> 0) + (hi >>> 0) * 2 ** 32, len >>> 0);
    const place = (bytes: Uint8Array) => {
      const n = Math.min(bytes.byteLength, len >>> 0);
      // The buffer is looked up after the read: memory may have grown since the call began.
      view(dst >>> 0, n).set(bytes.subarray(0, n));
      return n;
    };
    if (got instanceof Promise) {
      if (!suspend)
        throw new Error("this runtime cannot suspend WebAssembly (no JSPI): the host must answer reads synchronously");
      return got.then(place);
    }
    return place(got);
  };
  const write = (stream: number, ptr: number, len: number, meta: number) => {
    // Copied out: the builder reuses its buffers after the call returns.
    const done = host.write(stream, view(ptr >>> 0, len >>> 0).slice(), meta >>> 0);
    if (done instanceof Promise) {
      if (!suspend)
        throw new Error("this runtime cannot suspend WebAssembly (no JSPI): the host must take writes synchronously");
      return done.then(() => 0);
    }
    return 0;
  };
  const imports = {
    host: suspend ? { read: new suspend.Suspending(read), write: new suspend.Suspending(write) } : { read, write },
  };

  let exports: BuilderExports;
  try {
    exports = new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports as unknown as BuilderExports;
  } catch (err) {
    return { ok: false, error: `the symcache builder could not be started (${describe(err)})`, peakMemoryBytes: 0 };
  }
  instance.memory = exports.memory;
  const peak = () => exports.memory.buffer.byteLength;

  const words = new BigUint64Array(params.length);
  params.forEach((p, i) => (words[i] = BigInt(p)));
  const bytes = new Uint8Array(words.buffer);
  const ptr = exports.alloc(Math.max(1, bytes.byteLength));
  if (ptr === 0) return { ok: false, error: "the symcache builder could not reserve memory", peakMemoryBytes: peak() };
  view(ptr, bytes.byteLength).set(bytes);

  // WebAssembly.promising takes the exported function itself (a bound wrapper is refused); wasm
  // exports do not use `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const exported = exports[call];
  const invoke = suspend ? (suspend.promising(exported) as typeof exported) : exported;
  let status: number;
  try {
    status = await invoke(ptr, bytes.byteLength);
  } catch (err) {
    if (isTrap(err)) {
      // A trap: out of memory (allocation failure aborts), or a bug. Either way this input cannot
      // be converted by this builder; the message says which trap it was.
      return {
        ok: false,
        error: `the symcache builder crashed on this file (${describe(err)}); it may be too large or malformed`,
        peakMemoryBytes: peak(),
      };
    }
    throw err; // the host failed (storage): the task is retried
  }
  const text = (p: number, l: number) => new TextDecoder().decode(view(p, l));
  if (status !== 0) {
    const message = text(exports.error_ptr(), exports.error_len());
    return { ok: false, error: message || "the symcache builder failed without a message", peakMemoryBytes: peak() };
  }
  return { ok: true, output: text(exports.output_ptr(), exports.output_len()), peakMemoryBytes: peak() };
}

function isTrap(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
