/**
 * The symcache builds of bench/symcache-build/run.mjs, with the service's own builder calls
 * (src/symcache/*), on files read from disk with synchronous reads (Node has no JSPI): in one
 * piece, and in parts exactly as the queue tasks run them (plan, every unit, every merge level),
 * each call on a fresh WebAssembly instance, as in the Worker. Runs are kept in temporary files.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBuilder } from "../../src/symcache/builder";
import {
  mergeParams,
  planParams,
  TaskHost,
  unitKind,
  unitParams,
  wholeParams,
  type BuilderPlan,
  type ByteSource,
  type InputKind,
  type InputParams,
} from "../../src/symcache/build-host";
import { MERGE_FAN_IN } from "../../src/symcache/build-task";
import { SymcacheWriter, type ByteSink } from "../../src/symcache/container";
import type { BuildLimits } from "../../src/symcache/limits";

export interface CallStats {
  what: string;
  ms: number;
  /** WebAssembly memory at the end of the call: its peak (linear memory never shrinks). */
  wasmPeak: number;
  hostReads: number;
  hostReadBytes: number;
  /** Largest single read: what the task's JavaScript holds for the builder at once. */
  largestRead: number;
  outputBytes: number;
}

export interface BuildStats {
  mode: "whole" | "parts";
  calls: CallStats[];
  symcacheBytes: number;
  symcachePath: string;
  units: number;
  levels: number;
  inputBytes: number;
}

function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, "r");
  const size = statSync(path).size;
  return {
    size,
    read: (offset, length) => {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let at = 0;
      while (at < buf.byteLength) {
        const n = readSync(fd, buf, at, buf.byteLength - at, offset + at);
        if (n === 0) break;
        at += n;
      }
      return buf.subarray(0, at);
    },
    close: () => closeSync(fd),
  };
}

class FileSink implements ByteSink {
  private readonly fd: number;
  bytes = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }
  writeSync(bytes: Uint8Array): void {
    writeSync(this.fd, bytes);
    this.bytes += bytes.byteLength;
  }
  write(bytes: Uint8Array): Promise<void> {
    this.writeSync(bytes);
    return Promise.resolve();
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** A host over `sources` that measures reads; pages go to `writer`, run bytes to `run`. */
function measuredHost(sources: ByteSource[], sinks: { writer?: SymcacheWriter; run?: FileSink }) {
  let largest = 0;
  const host = new TaskHost(
    sources.map((s) => ({
      size: s.size,
      read: (offset: number, length: number) => {
        largest = Math.max(largest, length);
        return s.read(offset, length);
      },
    })),
    {
      page: (raw, first) => sinks.writer?.addPageSync(raw, first),
      run: (bytes) => sinks.run?.writeSync(bytes),
    },
  );
  return { host, largest: () => largest };
}

async function call(
  module: WebAssembly.Module,
  what: string,
  fn: "plan" | "build_whole" | "build_unit" | "merge_runs",
  params: number[],
  sources: ByteSource[],
  sinks: { writer?: SymcacheWriter; run?: FileSink },
): Promise<{ stats: CallStats; output: string }> {
  const { host, largest } = measuredHost(sources, sinks);
  const before = sinks.run?.bytes ?? 0;
  const t0 = performance.now();
  const result = await runBuilder(module, fn, params, host);
  const ms = performance.now() - t0;
  if (!result.ok) throw new Error(`${what}: ${result.error}`);
  return {
    output: result.output,
    stats: {
      what,
      ms,
      wasmPeak: result.peakMemoryBytes,
      hostReads: host.reads,
      hostReadBytes: host.bytesRead,
      largestRead: largest(),
      outputBytes: (sinks.run?.bytes ?? 0) - before,
    },
  };
}

const IDENTITY = { debugId: "00000000-0000-0000-0000-000000000000", arch: "x86_64" };

export async function buildWhole(
  module: WebAssembly.Module,
  path: string,
  kind: InputKind,
  out: string,
): Promise<BuildStats> {
  const main = fileSource(path);
  const sink = new FileSink(out);
  const writer = new SymcacheWriter(sink, IDENTITY);
  const input: InputParams = { kind, mainSize: main.size, altSize: null, materialized: [] };
  const { stats } = await call(module, "whole", "build_whole", wholeParams(input), [main], { writer });
  stats.outputBytes = await writer.finish();
  sink.close();
  main.close();
  return {
    mode: "whole",
    calls: [stats],
    symcacheBytes: stats.outputBytes,
    symcachePath: out,
    units: 1,
    levels: 0,
    inputBytes: 0,
  };
}

export async function buildInParts(
  module: WebAssembly.Module,
  path: string,
  kind: InputKind,
  limits: BuildLimits,
  out: string,
): Promise<BuildStats> {
  const work = mkdtempSync(join(tmpdir(), "symcache-parts-"));
  const main = fileSource(path);
  const input: InputParams = { kind, mainSize: main.size, altSize: null, materialized: [] };
  const calls: CallStats[] = [];
  const planned = await call(module, "plan", "plan", planParams(input, { ...limits, fastBytes: 0 }), [main], {});
  calls.push(planned.stats);
  const plan = JSON.parse(planned.output) as BuilderPlan;
  if (plan.materialize.length > 0)
    throw new Error("this bench does not inflate compressed sections; use an uncompressed file");
  let runs: string[] = [];
  for (const [i, [kindCode, from, to]] of plan.units.entries()) {
    const runPath = join(work, `run-0-${i}`);
    const sink = new FileSink(runPath);
    const params = unitParams(input, {
      index: i,
      kind: unitKind(kindCode),
      from,
      to,
      unitOffsets: plan.unitOffsets,
      supUnitOffsets: plan.supUnitOffsets,
    });
    const unit = await call(module, `unit ${i} kind ${kindCode}`, "build_unit", params, [main], { run: sink });
    sink.close();
    calls.push(unit.stats);
    runs.push(runPath);
  }
  let level = 1;
  let symcacheBytes = 0;
  for (;;) {
    const final = runs.length <= MERGE_FAN_IN;
    const next: string[] = [];
    for (let g = 0; g * MERGE_FAN_IN < runs.length; g++) {
      const group = runs.slice(g * MERGE_FAN_IN, (g + 1) * MERGE_FAN_IN).map(fileSource);
      const params = mergeParams(
        final,
        limits.mergeBlockBytes,
        group.map((s, i) => ({ source: i, size: s.size })),
      );
      if (final) {
        const sink = new FileSink(out);
        const writer = new SymcacheWriter(sink, IDENTITY);
        const merged = await call(module, `merge L${level} (final)`, "merge_runs", params, group, { writer });
        symcacheBytes = await writer.finish();
        merged.stats.outputBytes = symcacheBytes;
        sink.close();
        calls.push(merged.stats);
      } else {
        const runPath = join(work, `run-${level}-${g}`);
        const sink = new FileSink(runPath);
        const merged = await call(module, `merge L${level}.${g}`, "merge_runs", params, group, { run: sink });
        sink.close();
        calls.push(merged.stats);
        next.push(runPath);
      }
      group.forEach((s) => s.close());
    }
    if (final) break;
    runs = next;
    level++;
  }
  main.close();
  rmSync(work, { recursive: true, force: true });
  return {
    mode: "parts",
    calls,
    symcacheBytes,
    symcachePath: out,
    units: plan.units.length,
    levels: level,
    inputBytes: plan.inputBytes,
  };
}
