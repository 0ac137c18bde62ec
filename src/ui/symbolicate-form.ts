/**
 * The symbolicate tool's two inputs turned into Symbolicator's request, and its response turned
 * into what the page shows: one row per input address with its inline chain. Pure.
 */
import { parseDebugId } from "../identify/debug-id-parse";

export type ToolInput =
  { mode: "addresses"; module: string; imageAddr: string; addresses: string } | { mode: "json"; json: string };

export type ToolRequest = { ok: true; body: unknown } | { ok: false; error: string };

/** More than this many addresses belong in a JSON request (or the API). */
const MAX_ADDRESSES = 500;

export function toolRequest(input: ToolInput): ToolRequest {
  if (input.mode === "json") {
    if (input.json.trim() === "")
      return { ok: false, error: "Paste a Symbolicator request: a JSON object with stacktraces and modules." };
    try {
      return { ok: true, body: JSON.parse(input.json) as unknown };
    } catch (err) {
      return { ok: false, error: `The request is not valid JSON: ${(err as Error).message}` };
    }
  }
  const id = input.module.trim();
  // A UUID (hyphenated, or 32 hex digits plus a short Breakpad age) is a debug id; longer hex
  // runs are code ids (a GNU build id is 40 digits, which would also parse as a UUID + age).
  const debugId = id.includes("-") || /^[0-9a-f]{32,34}$/i.test(id) ? parseDebugId(id) : undefined;
  const codeId = !debugId && /^[0-9a-f]{2,128}$/i.test(id) ? id.toLowerCase() : null;
  if (!debugId && !codeId) {
    return {
      ok: false,
      error: "Enter the module's debug id (e.g. ea12398f-3c5a-c7b2-4c56-17488bdb6729) or its code id (hex).",
    };
  }
  const imageAddr = input.imageAddr.trim() || "0x0";
  if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(imageAddr))
    return { ok: false, error: `"${imageAddr}" is not an address: write it in hex (0x7f0000000000) or decimal.` };
  const words = input.addresses.split(/[\s,]+/).filter((w) => w !== "");
  if (words.length === 0) return { ok: false, error: "Enter one or more addresses, one per line." };
  if (words.length > MAX_ADDRESSES)
    return { ok: false, error: `At most ${MAX_ADDRESSES} addresses at once; send larger requests as JSON.` };
  const bad = words.find((w) => !/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(w));
  if (bad !== undefined)
    return { ok: false, error: `"${bad}" is not an address: write addresses in hex (0x1a2b) or decimal.` };
  // Image address 0 means the addresses are relative to the module: Symbolicator's `rel:0`
  // (it never places a module at 0, so an absolute address could not find it).
  const relative = /^(0x0*|0+)$/i.test(imageAddr);
  return {
    ok: true,
    body: {
      stacktraces: [
        { frames: words.map((w) => ({ instruction_addr: w, ...(relative ? { addr_mode: "rel:0" } : {}) })) },
      ],
      modules: [
        {
          type: "unknown",
          ...(debugId ? { debug_id: debugId } : { code_id: codeId }),
          image_addr: imageAddr,
        },
      ],
    },
  };
}

export interface ShownFrame {
  function: string | null;
  file: string | null;
  line: number | null;
  instructionAddr: string | null;
}

/** One input address: its status and, when symbolicated, the chain innermost first. */
export interface ShownAddress {
  index: number;
  status: string;
  /** The address as it was sent (the frames carry the one looked up, which may be adjusted). */
  input: string | null;
  frames: ShownFrame[];
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Groups Symbolicator's frames (one per inline level, same `original_index`) back by input address. */
export function shownStacktraces(request: unknown, response: { stacktraces?: unknown }): ShownAddress[][] {
  const sent = list((request as Json | null)?.stacktraces);
  return list(response.stacktraces).map((st, i) => {
    const inputs = list(sent[i]?.frames);
    const frames = list(st.frames);
    const byIndex = new Map<number, ShownAddress>();
    for (const f of frames) {
      const index = typeof f.original_index === "number" ? f.original_index : byIndex.size;
      let entry = byIndex.get(index);
      if (!entry) {
        const sentAddr = inputs[index]?.instruction_addr;
        const input = typeof sentAddr === "number" ? `0x${sentAddr.toString(16)}` : str(sentAddr);
        entry = { index, status: str(f.status) ?? "unknown", input, frames: [] };
        byIndex.set(index, entry);
      }
      if (f.status === "symbolicated") {
        entry.frames.push({
          function: str(f.function) ?? str(f.symbol),
          file: str(f.abs_path) ?? str(f.filename),
          line: typeof f.lineno === "number" && f.lineno > 0 ? f.lineno : null,
          instructionAddr: str(f.instruction_addr),
        });
      }
    }
    return [...byIndex.values()].sort((a, b) => a.index - b.index);
  });
}
