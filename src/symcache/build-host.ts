/**
 * The host side of a builder call: the numbered sources it reads (the debug file, its dwz
 * alternate file, inflated sections, runs of earlier tasks), where its output goes, and the
 * parameter words of each call (crates/symcache/src/ffi.rs). Every read is one ranged R2 request
 * and is counted: an invocation has a budget of about a thousand.
 */
import type { FileManifest } from "../storage/file-store";
import { ManifestReader } from "../storage/file-store";
import { STREAM_PAGE, STREAM_RUN, type BuilderHost } from "./builder";

export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
}

/** A stored debug file, read through its manifest. */
export function fileSource(bucket: R2Bucket, manifest: FileManifest): ByteSource {
  const reader = new ManifestReader(bucket, manifest);
  return { size: manifest.size, read: (offset, length) => reader.readUncached(offset, length) };
}

/** An R2 object (a run, an inflated section) of known size. */
export function objectSource(bucket: R2Bucket, key: string, size: number): ByteSource {
  return {
    size,
    read: async (offset, length) => {
      const start = Math.min(offset, size);
      const take = Math.min(length, size - start);
      if (take <= 0) return new Uint8Array(0);
      const object = await bucket.get(key, { range: { offset: start, length: take } });
      if (!object) throw new Error(`build object ${key} is missing`);
      return new Uint8Array(await object.arrayBuffer());
    },
  };
}

/** Bytes in memory (tests, tools). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) =>
      bytes.subarray(Math.min(offset, bytes.byteLength), Math.min(offset + length, bytes.byteLength)),
  };
}

export const NO_SOURCE: ByteSource = memorySource(new Uint8Array(0));

export interface HostSinks {
  /** A finished symcache page (stream 0). */
  page?: (raw: Uint8Array, firstAddress: number) => Promise<void> | void;
  /** Bytes of a run (stream 1). */
  run?: (bytes: Uint8Array) => Promise<void> | void;
}

export class TaskHost implements BuilderHost {
  reads = 0;
  bytesRead = 0;

  constructor(
    private readonly sources: readonly ByteSource[],
    private readonly sinks: HostSinks = {},
  ) {}

  read(source: number, offset: number, length: number): Promise<Uint8Array> | Uint8Array {
    const s = this.sources[source];
    if (!s) throw new Error(`the builder asked for source ${source}, which this task does not have`);
    this.reads++;
    this.bytesRead += length;
    return s.read(offset, length);
  }

  write(stream: number, bytes: Uint8Array, meta: number): Promise<void> | void {
    if (stream === STREAM_PAGE && this.sinks.page) return this.sinks.page(bytes, meta);
    if (stream === STREAM_RUN && this.sinks.run) return this.sinks.run(bytes);
    throw new Error(`the builder wrote to stream ${stream}, which this task does not expect`);
  }
}

/** The builder's input kinds (ffi.rs). */
export type InputKind = "object" | "breakpad" | "pdb" | "portablepdb";

export interface InputParams {
  kind: InputKind;
  mainSize: number;
  /** Size of the dwz alternate file (source 1), when there is one. */
  altSize: number | null;
  /** Inflated sections: section code (plan SECTION_NAMES) and source number. */
  materialized: { section: number; source: number }[];
  /** The BCSymbolMap that resolves a bitcode dSYM's `__hidden#N_` names: source number and size. */
  symbolMap?: { source: number; size: number };
}

const INPUT_KIND_WORDS: Record<InputKind, number> = { object: 0, breakpad: 1, pdb: 2, portablepdb: 3 };

function inputWords(p: InputParams): number[] {
  return [
    INPUT_KIND_WORDS[p.kind],
    p.mainSize,
    p.altSize === null ? 0 : p.altSize + 1,
    p.materialized.length,
    ...p.materialized.flatMap((m) => [m.section, m.source]),
    p.symbolMap ? p.symbolMap.source + 1 : 0,
    p.symbolMap ? p.symbolMap.size : 0,
  ];
}

/** Adds the BCSymbolMap as the last source of a build step, when there is one. */
export function withSymbolMap(sources: ByteSource[], input: InputParams, map: ByteSource | null): void {
  if (!map) return;
  sources.push(map);
  input.symbolMap = { source: sources.length - 1, size: map.size };
}

export function planParams(
  input: InputParams,
  limits: { fastBytes: number; unitBytes: number; symbolsPerUnit: number },
): number[] {
  return [...inputWords(input), limits.fastBytes, limits.unitBytes, limits.symbolsPerUnit];
}

export function wholeParams(input: InputParams): number[] {
  return inputWords(input);
}

export type UnitKind = 1 | 2 | 3 | 4 | 5;

/** A planned unit's kind code (plan.rs `to_json`) as `build_unit` takes it. */
export function unitKind(code: number): UnitKind {
  return code === 2 || code === 3 || code === 4 || code === 5 ? code : 1;
}

export interface UnitParams {
  index: number;
  /**
   * 1: a span of `.debug_info`; 2: a range of symbol-table entries; 3: a span of a Breakpad file;
   * 4: a run of a PDB's modules; 5: a PDB's public symbols.
   */
  kind: UnitKind;
  from: number;
  to: number;
  unitOffsets: readonly number[];
  supUnitOffsets: readonly number[];
}

export function unitParams(input: InputParams, unit: UnitParams): number[] {
  return [
    ...inputWords(input),
    unit.index,
    unit.kind,
    unit.from,
    unit.to,
    unit.unitOffsets.length,
    ...unit.unitOffsets,
    unit.supUnitOffsets.length,
    ...unit.supUnitOffsets,
  ];
}

export function mergeParams(
  last: boolean,
  blockBytes: number,
  inputs: readonly { source: number; size: number }[],
): number[] {
  return [last ? 1 : 0, blockBytes, inputs.length, ...inputs.flatMap((i) => [i.source, i.size])];
}

/** The plan the builder returns (crates/symcache/src/plan.rs `to_json`). */
export interface BuilderPlan {
  inputBytes: number;
  fast: boolean;
  materialize: { section: number; offset: number; size: number; dataSize: number; compression: "zlib" | "zstd" }[];
  units: [number, number, number][];
  unitOffsets: number[];
  supUnitOffsets: number[];
}

/** Section names by code (crates/symcache/src/plan.rs SECTION_NAMES). */
export const SECTION_NAMES = [
  ".debug_abbrev",
  ".debug_addr",
  ".debug_info",
  ".debug_line",
  ".debug_line_str",
  ".debug_str",
  ".debug_str_offsets",
  ".debug_ranges",
  ".debug_rnglists",
] as const;
