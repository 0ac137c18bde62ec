/**
 * Parsing debug ids written as text (Breakpad MODULE lines), as the `debugid` crate's FromStr
 * does: hyphenated or not, lower or upper case, with an optional appendix (age) in hex.
 */
import { formatDebugId } from "./debug-id";

const HYPHENATED = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})(?:-([0-9a-f]+))?$/i;
const COMPACT = /^([0-9a-f]{32})([0-9a-f]*)$/i;

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Canonical text for a debug id, or undefined when `text` is not one. */
export function parseDebugId(input: string): string | undefined {
  const text = input.trim();
  let uuidHex: string;
  let appendixHex: string;
  const h = HYPHENATED.exec(text);
  const c = h ? null : COMPACT.exec(text);
  if (h) {
    uuidHex = h.slice(1, 6).join("");
    appendixHex = h[6] ?? "";
  } else if (c) {
    uuidHex = c[1]!;
    appendixHex = c[2] ?? "";
  } else {
    return undefined;
  }
  // The crate reads at most 8 appendix digits and ignores the rest.
  const appendix = appendixHex === "" ? 0 : parseInt(appendixHex.slice(0, 8), 16);
  return formatDebugId(fromHex(uuidHex), appendix);
}

/** `CodeId::new`: keep only hex digits, lowercased. */
export function normalizeCodeId(text: string): string {
  return text.replace(/[^0-9a-f]/gi, "").toLowerCase();
}
