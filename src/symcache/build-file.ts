/**
 * Builds the symcache of a file held in memory, in one piece: the tests, the benches and tools
 * use it; the Worker builds from R2 through the same calls (prepare.ts).
 */
import { runBuilder } from "./builder";
import { memorySource, NO_SOURCE, TaskHost, wholeParams, withSymbolMap, type InputKind } from "./build-host";
import { MemorySink, SymcacheWriter, type SymcacheIdentity } from "./container";

export type FileBuildResult =
  | { ok: true; symcache: Uint8Array; peakMemoryBytes: number; report: BuildReport }
  | { ok: false; error: string; peakMemoryBytes: number };

/** The builder's account of a call (crates/symcache/src/ffi.rs `report`). */
export interface BuildReport {
  recordsIn: number;
  rangesOut: number;
  pages: number;
  bytesOut: number;
  hostReads: number;
  hostReadBytes: number;
  memoryBytes: number;
  /** Compilation units of `.debug_info` whose header was read, and units skipped as unreadable. */
  dwarfUnitsRead: number;
  dwarfUnitsSkipped: number;
  /** Where a malformed unit header ended the walk (nothing after it could be read), or null. */
  dwarfUnreadableFrom: number | null;
  /** .NET symcaches: the low address bits holding the IL offset (0: native addresses). */
  ilOffsetBits: number;
}

const UNKNOWN: SymcacheIdentity = { debugId: "00000000-0000-0000-0000-000000000000", arch: "unknown" };

export async function buildFileSymcache(
  module: WebAssembly.Module,
  file: { main: Uint8Array; alt?: Uint8Array; symbolMap?: Uint8Array },
  kind: InputKind = "object",
  identity: SymcacheIdentity = UNKNOWN,
): Promise<FileBuildResult> {
  const sink = new MemorySink();
  const writer = new SymcacheWriter(sink, identity);
  const sources = [memorySource(file.main), file.alt ? memorySource(file.alt) : NO_SOURCE];
  const input = {
    kind,
    mainSize: file.main.byteLength,
    altSize: file.alt ? file.alt.byteLength : null,
    materialized: [],
  };
  withSymbolMap(sources, input, file.symbolMap ? memorySource(file.symbolMap) : null);
  const host = new TaskHost(sources, {
    // Synchronous: the builder runs without JSPI in Node.
    page: (raw, first) => writer.addPageSync(raw, first),
  });
  const params = wholeParams(input);
  const result = await runBuilder(module, "build_whole", params, host);
  if (!result.ok) return result;
  const report = JSON.parse(result.output) as BuildReport;
  await writer.finish(report.ilOffsetBits);
  return { ok: true, symcache: sink.bytes(), peakMemoryBytes: result.peakMemoryBytes, report };
}
