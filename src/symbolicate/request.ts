/**
 * The symbolication request, Symbolicator's native shape (getsentry/symbolicator, `POST /symbolicate`), checked.
 * Hex values may be JSON numbers, "0x..." strings or decimal strings; invalid debug ids are
 * treated as absent, as Symbolicator does.
 */
export interface RawFrame {
  instructionAddr: bigint | null;
  /** "abs" (default) or "rel:<module index>". */
  addrMode: string;
  adjustInstructionAddr?: boolean;
  /**
   * .NET frames: the method's 1-based row in the MethodDef table, from `function_id` (the
   * metadata token without its table byte; a full `0x06xxxxxx` token is the same method).
   */
  functionId: number | null;
  /** The frame as received, echoed back when it cannot be symbolicated. */
  raw: Record<string, unknown>;
}

export interface RawStacktrace {
  frames: RawFrame[];
  registers: Record<string, unknown> | undefined;
  raw: Record<string, unknown>;
}

export interface RawModule {
  type: string;
  debugId: string | null;
  codeId: string | null;
  imageAddr: bigint;
  imageSize: bigint | null;
  raw: Record<string, unknown>;
}

export interface SymbolicateRequest {
  signal: number | null;
  stacktraces: RawStacktrace[];
  modules: RawModule[];
}

/** Per request; the body bound leaves ~800 bytes per frame and module at the other limits. */
export const LIMITS = { stacktraces: 256, frames: 20_000, modules: 5_000, bodyBytes: 16 * 1024 * 1024 };

export type ParsedRequest = { ok: true; request: SymbolicateRequest } | { ok: false; error: string };

export function parseHex(value: unknown): bigint | null {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^0x[0-9a-f]{1,16}$/i.test(text)) return BigInt(text);
  if (/^\d{1,20}$/.test(text)) {
    const n = BigInt(text);
    return n < 1n << 64n ? n : null;
  }
  return null;
}

export function parseSymbolicateRequest(body: unknown, normalizeDebugId: (t: string) => string | null): ParsedRequest {
  if (!isObject(body)) return { ok: false, error: "The request body must be a JSON object" };
  const stacktraces = body.stacktraces ?? [];
  const modules = body.modules ?? [];
  if (!Array.isArray(stacktraces)) return { ok: false, error: "'stacktraces' must be a list" };
  if (!Array.isArray(modules)) return { ok: false, error: "'modules' must be a list" };
  if (stacktraces.length > LIMITS.stacktraces)
    return { ok: false, error: `At most ${LIMITS.stacktraces} stacktraces per request` };
  if (modules.length > LIMITS.modules) return { ok: false, error: `At most ${LIMITS.modules} modules per request` };

  let frameCount = 0;
  const parsedStacktraces: RawStacktrace[] = [];
  for (const [i, st] of stacktraces.entries()) {
    if (!isObject(st) || !Array.isArray(st.frames))
      return { ok: false, error: `stacktraces[${i}] must be an object with a 'frames' list` };
    frameCount += st.frames.length;
    if (frameCount > LIMITS.frames) return { ok: false, error: `At most ${LIMITS.frames} frames per request` };
    const frames: RawFrame[] = [];
    for (const [j, f] of st.frames.entries()) {
      if (!isObject(f)) return { ok: false, error: `stacktraces[${i}].frames[${j}] must be an object` };
      const addrMode = typeof f.addr_mode === "string" ? f.addr_mode : "abs";
      if (addrMode !== "abs" && !/^rel:\d+$/.test(addrMode)) {
        return { ok: false, error: `stacktraces[${i}].frames[${j}].addr_mode must be "abs" or "rel:<index>"` };
      }
      const functionId = parseFunctionId(f.function_id);
      if (typeof functionId === "string")
        return { ok: false, error: `stacktraces[${i}].frames[${j}].function_id ${functionId}` };
      frames.push({
        instructionAddr: parseHex(f.instruction_addr),
        addrMode,
        functionId,
        ...(typeof f.adjust_instruction_addr === "boolean" ? { adjustInstructionAddr: f.adjust_instruction_addr } : {}),
        raw: f,
      });
    }
    parsedStacktraces.push({ frames, registers: isObject(st.registers) ? st.registers : undefined, raw: st });
  }

  const parsedModules: RawModule[] = [];
  for (const [i, m] of modules.entries()) {
    if (!isObject(m)) return { ok: false, error: `modules[${i}] must be an object` };
    const imageAddr = m.image_addr === undefined ? 0n : parseHex(m.image_addr);
    if (imageAddr === null) return { ok: false, error: `modules[${i}].image_addr is not a valid address` };
    parsedModules.push({
      type: typeof m.type === "string" ? m.type : "unknown",
      debugId: typeof m.debug_id === "string" ? normalizeDebugId(m.debug_id) : null,
      codeId: typeof m.code_id === "string" && /^[0-9a-fA-F]+$/.test(m.code_id) ? m.code_id.toLowerCase() : null,
      imageAddr,
      imageSize: m.image_size === undefined || m.image_size === null ? null : parseHex(m.image_size),
      raw: m,
    });
  }
  const signal = typeof body.signal === "number" ? body.signal : null;
  return { ok: true, request: { signal, stacktraces: parsedStacktraces, modules: parsedModules } };
}

/** MethodDef is metadata table 0x06; a token is `table << 24 | row`. */
const METHOD_DEF_TABLE = 0x06;

/** The MethodDef row a frame's `function_id` names, null when absent, or what is wrong with it. */
function parseFunctionId(value: unknown): number | null | string {
  if (value === undefined || value === null) return null;
  const id = parseHex(value);
  if (id === null || id > 0xffffffffn)
    return 'must be a MethodDef row or metadata token (a number or a "0x..." string)';
  const table = Number(id >> 24n);
  const row = Number(id & 0xffffffn);
  if (table !== 0 && table !== METHOD_DEF_TABLE) {
    return `0x${id.toString(16)} is a token of metadata table 0x${table.toString(16).padStart(2, "0")}; .NET frames name their method by its MethodDef row (table 0x06)`;
  }
  if (row === 0) return "names no method (MethodDef rows start at 1)";
  return row;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
