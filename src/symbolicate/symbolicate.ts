/**
 * Symbolicates a parsed request against resolved modules and builds Symbolicator's response:
 * one output frame per inline level, innermost first, all with the input frame's
 * `original_index`; unsymbolicated frames come back as they were sent, with a status.
 * The caller resolves modules (catalog, R2, cache) and hands them in; the only I/O here is the
 * symbolizers' page fetches, all started at once before any frame is looked up.
 */
import { dotnetAddress } from "../symcache/format";
import type { SymcacheFrame, Symbolizer } from "../symcache/reader";
import { adjustedAddress } from "./instruction-address";
import { findModule, moduleRanges } from "./module-lookup";
import { parseHex, type RawFrame, type RawModule, type SymbolicateRequest } from "./request";

/**
 * Symbolicator's module statuses, plus `unsupported` (a file we store but cannot symbolicate
 * from). `timeout` is Symbolicator's "not available in time, ask again": here, a symcache that
 * is still being built.
 */
export type ModuleStatus = "found" | "unused" | "missing" | "malformed" | "unsupported" | "timeout";

export interface ResolvedModule {
  status: Exclude<ModuleStatus, "unused">;
  symbolizer?: Symbolizer;
  arch?: string;
  features?: { has_debug_info: boolean; has_unwind_info: boolean; has_symbols: boolean; has_sources: boolean };
}

export type FrameStatus = "symbolicated" | "missing_symbol" | "unknown_image" | "missing" | "malformed";

export const hex = (n: bigint | number): string => `0x${n.toString(16)}`;

/** Which modules some frame points into: only those are resolved (the rest are `unused`). */
export function referencedModules(request: SymbolicateRequest): Set<number> {
  const ranges = moduleRanges(request.modules);
  const used = new Set<number>();
  for (const st of request.stacktraces) {
    for (const f of st.frames) {
      const rel = /^rel:(\d+)$/.exec(f.addrMode);
      const index = rel ? Number(rel[1]) : f.instructionAddr !== null ? findModule(ranges, f.instructionAddr) : null;
      if (index !== null && index < request.modules.length) used.add(index);
    }
  }
  return used;
}

/** Symbolicator's module type for .NET assemblies, symbolicated from their Portable PDB. */
export const DOTNET_MODULE = "pe_dotnet";

type Target =
  | { status: FrameStatus }
  | { moduleIndex: number; symbolizer: Symbolizer; relative: bigint; absolute: boolean; rel: boolean; dotnet: boolean };

/** Where a frame points: its module's symbolizer and image-relative address, or why none. */
function target(
  request: SymbolicateRequest,
  ranges: ReturnType<typeof moduleRanges>,
  resolved: Map<number, ResolvedModule>,
  st: SymbolicateRequest["stacktraces"][number],
  index: number,
): Target {
  const frame = st.frames[index] as SymbolicateRequest["stacktraces"][number]["frames"][number];
  if (frame.instructionAddr === null) return { status: "malformed" };
  const rel = /^rel:(\d+)$/.exec(frame.addrMode);
  const moduleIndex = rel ? Number(rel[1]) : findModule(ranges, frame.instructionAddr);
  const module = moduleIndex === null ? undefined : request.modules[moduleIndex];
  if (moduleIndex === null || !module) return { status: "unknown_image" };
  const resolution = resolved.get(moduleIndex);
  if (!resolution || resolution.status !== "found" || !resolution.symbolizer) {
    return { status: resolution?.status === "malformed" ? "malformed" : "missing" };
  }
  const symbolizer = resolution.symbolizer;
  if (module.type === DOTNET_MODULE) {
    // Symbolicator's .NET frames: `function_id` names the method, `instruction_addr` is the IL
    // offset in it (never adjusted: it is exact, not a return address).
    if (frame.functionId === null) return { status: "missing_symbol" };
    const il = frame.instructionAddr > 0xffffffffn ? 0xffffffff : Number(frame.instructionAddr);
    const address = dotnetAddress(frame.functionId, il, symbolizer.ilOffsetBits);
    if (address === null) return { status: "missing_symbol" };
    return { moduleIndex, symbolizer, relative: BigInt(address), absolute: false, rel: true, dotnet: true };
  }
  const absolute = !rel && module.imageAddr !== 0n;
  let relative = rel ? frame.instructionAddr : frame.instructionAddr - module.imageAddr;
  if (relative < 0n) return { status: "missing_symbol" };
  if (absolute) {
    relative =
      adjustedAddress(frame.instructionAddr, {
        arch: symbolizer.arch,
        frameIndex: index,
        adjust: frame.adjustInstructionAddr,
        threadAdjusts: st.frames.some((f) => f.adjustInstructionAddr === true),
        signal: request.signal,
        registers: st.registers,
        parseHex,
      }) - module.imageAddr;
  }
  if (relative < 0n || relative > 0xffffffffn) return { status: "missing_symbol" };
  return { moduleIndex, symbolizer, relative, absolute, rel: rel !== null, dotnet: false };
}

export async function symbolicate(request: SymbolicateRequest, resolved: Map<number, ResolvedModule>) {
  const ranges = moduleRanges(request.modules);
  const targets = request.stacktraces.map((st) => st.frames.map((_, i) => target(request, ranges, resolved, st, i)));

  // Every page any frame needs is fetched at once, per symbolizer.
  const wanted = new Map<Symbolizer, number[]>();
  for (const t of targets.flat()) {
    if ("symbolizer" in t) wanted.set(t.symbolizer, [...(wanted.get(t.symbolizer) ?? []), Number(t.relative)]);
  }
  await Promise.all([...wanted].map(([symbolizer, addresses]) => symbolizer.prefetch(addresses)));

  const stacktraces = request.stacktraces.map((st, s) => {
    const frames: Record<string, unknown>[] = [];
    st.frames.forEach((frame, index) => {
      const t = targets[s]?.[index] as Target;
      const unsymbolicated = (status: FrameStatus) => frames.push({ ...frame.raw, status, original_index: index });
      if ("status" in t) return unsymbolicated(t.status);
      const module = request.modules[t.moduleIndex] as RawModule;
      const found = t.symbolizer.lookup(Number(t.relative));
      if (found.length === 0) return unsymbolicated("missing_symbol");
      if (t.dotnet) return frames.push(dotnetFrame(frame, index, found[0] as SymcacheFrame));
      const base = t.absolute ? module.imageAddr : 0n;
      for (const f of found) {
        frames.push({
          status: "symbolicated",
          original_index: index,
          ...(t.absolute ? {} : { addr_mode: t.rel ? frame.addrMode : `rel:${t.moduleIndex}` }),
          instruction_addr: hex(base + t.relative),
          ...(typeof module.raw.code_file === "string" ? { package: module.raw.code_file } : {}),
          ...(f.lang ? { lang: f.lang } : {}),
          symbol: f.symbol,
          function: f.function,
          ...(f.symAddr !== undefined ? { sym_addr: hex(base + BigInt(f.symAddr)) } : {}),
          ...(f.filename !== undefined ? { filename: f.filename } : {}),
          ...(f.absPath !== undefined ? { abs_path: f.absPath } : {}),
          lineno: f.lineno,
          ...(f.sourceLink !== undefined ? { source_link: f.sourceLink } : {}),
        });
      }
    });
    return { ...(st.registers ? { registers: st.registers } : {}), frames };
  });

  const modules = request.modules.map((m, index) => moduleOut(m, resolved.get(index)));
  return {
    status: "completed" as const,
    ...(request.signal !== null ? { signal: request.signal } : {}),
    stacktraces,
    modules,
  };
}

/** A .NET frame as Symbolicator answers it: the frame as sent, with its source location. */
function dotnetFrame(frame: RawFrame, index: number, f: SymcacheFrame): Record<string, unknown> {
  return {
    ...frame.raw,
    status: "symbolicated",
    original_index: index,
    instruction_addr: hex(frame.instructionAddr ?? 0n),
    ...(f.lang ? { lang: f.lang } : {}),
    ...(f.filename !== undefined ? { filename: f.filename } : {}),
    ...(f.absPath !== undefined ? { abs_path: f.absPath } : {}),
    lineno: f.lineno,
    ...(f.sourceLink !== undefined ? { source_link: f.sourceLink } : {}),
  };
}

function moduleOut(m: RawModule, resolution: ResolvedModule | undefined): Record<string, unknown> {
  const { image_addr: _addr, image_size: _size, ...rest } = m.raw;
  return {
    ...rest,
    type: m.type,
    debug_id: m.debugId,
    code_id: m.codeId,
    image_addr: hex(m.imageAddr),
    ...(m.imageSize !== null ? { image_size: Number(m.imageSize) } : {}),
    debug_status: resolution?.status ?? "unused",
    features: resolution?.features ?? {
      has_debug_info: false,
      has_unwind_info: false,
      has_symbols: false,
      has_sources: false,
    },
    arch: resolution?.arch ?? "unknown",
  };
}
