/**
 * The two auxiliary files of Apple bitcode builds (docs/apple-bitcode.md):
 *
 * - a BCSymbolMap (`<UUID>.bcsymbolmap`): UTF-8 text, the line `BCSymbolMap Version: 2.0`, then
 *   one name per line; line N after the header is the name hidden as `__hidden#N_`.
 * - a UUID map (`<dSYM UUID>.plist` in a dSYM's `Contents/Resources`): an XML property list whose
 *   `DBGOriginalUUID` names the UUID of the BCSymbolMap for the dSYM's UUID.
 *
 * Neither file carries its own id: sentry-cli sends the UUID of the file name as the assemble
 * request's `debug_id`, and Sentry stores the file under it (a BCSymbolMap without one is refused,
 * a UUID map falls back to its file name). Both are stored like debug files, with arch `any`, no
 * features and no symcache; symcache builds of dSYMs read them (symcache/symbol-map.ts).
 */
import type { RangedReader } from "../common/ranged-reader";
import { NIL_DEBUG_ID } from "./debug-id";
import { parseDebugId } from "./debug-id-parse";
import { readRange } from "./read-range";
import { failed, identified, malformed } from "./result";
import type { IdentifyResult } from "./types";

export const BCSYMBOLMAP_HEADER = "BCSymbolMap Version: 2.0";

/** What the upload says about a file: the name and debug id of its assemble request. */
export interface UploadClaims {
  name: string;
  debugId?: string;
}

/** Read in pieces: a BCSymbolMap of a large app is tens of megabytes. */
const PIECE = 1 << 20;
/** The symcache builder holds a map whole, up to this size (crates/symcache/src/hidden.rs). */
export const MAX_BCSYMBOLMAP_BYTES = 64 * 1024 * 1024;
/** A UUID map holds one key; anything this large is not one. */
export const MAX_UUID_MAP_BYTES = 64 * 1024;

export async function identifyBcSymbolMap(reader: RangedReader, claims: UploadClaims): Promise<IdentifyResult> {
  const debugId = claimedId(claims.debugId);
  if (!debugId) {
    return failed(
      "missing_debug_id",
      "missing debug identifier: a BCSymbolMap is identified by the UUID of its file name (<UUID>.bcsymbolmap), which the upload must send as its debug_id; upload it with sentry-cli",
    );
  }
  if (reader.size > MAX_BCSYMBOLMAP_BYTES) {
    return malformed(
      `BCSymbolMap: ${Math.ceil(reader.size / 2 ** 20)} MiB is more than the ${MAX_BCSYMBOLMAP_BYTES / 2 ** 20} MiB a symcache build reads`,
    );
  }
  // Every byte must be UTF-8 (as symbolic's parser requires); the lines are counted on the way.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let header: string | undefined;
  let newlines = 0;
  let endsWithNewline = false;
  for (let offset = 0; offset < reader.size; offset += PIECE) {
    const piece = await readRange(reader, offset, Math.min(PIECE, reader.size - offset));
    if (!piece) return malformed("BCSymbolMap: the file could not be read to its end");
    let text: string;
    try {
      text = decoder.decode(piece, { stream: offset + PIECE < reader.size });
    } catch {
      return malformed(`BCSymbolMap: the file is not valid UTF-8 (near byte ${offset})`);
    }
    header ??= text.split("\n", 1)[0]!.replace(/\r$/, "");
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) newlines++;
    if (text.length > 0) endsWithNewline = text.endsWith("\n");
  }
  if (header !== BCSYMBOLMAP_HEADER) {
    return malformed(`BCSymbolMap: the first line must be "${BCSYMBOLMAP_HEADER}" (it is not a version 2.0 map)`);
  }
  // Lines after the header; the last one needs no newline.
  const names = endsWithNewline ? newlines - 1 : newlines;
  return identified({
    format: "bcsymbolmap",
    debugId,
    codeId: null,
    arch: "any",
    kind: "none",
    features: [],
    details: { names },
  });
}

export async function identifyUuidMap(reader: RangedReader, claims: UploadClaims): Promise<IdentifyResult> {
  if (reader.size > MAX_UUID_MAP_BYTES) {
    return failed(
      "unsupported_format",
      `not a debug information file: an XML file of ${reader.size} bytes, too large for a UUID map`,
    );
  }
  const bytes = await readRange(reader, 0, reader.size);
  if (!bytes) return malformed("UUID map: the file could not be read");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return malformed("UUID map: the property list is not valid UTF-8");
  }
  const original = originalUuid(text);
  if (typeof original !== "string") {
    // Any other XML (an Info.plist, say) is no debug file at all; a UUID map with a bad value is a broken one.
    return original.notAMap
      ? failed(
          "unsupported_format",
          `not a debug information file: an XML file that is not a UUID map (${original.error})`,
        )
      : malformed(`UUID map: ${original.error}`);
  }
  const debugId = claimedId(claims.debugId) ?? claimedId(fileStem(claims.name));
  if (!debugId) {
    return failed(
      "missing_debug_id",
      "missing debug identifier: a UUID map is identified by the dSYM UUID of its file name (<UUID>.plist); upload it with sentry-cli",
    );
  }
  return identified({
    format: "uuidmap",
    debugId,
    codeId: null,
    arch: "any",
    kind: "none",
    features: [],
    details: { originalUuid: original },
  });
}

/**
 * `DBGOriginalUUID` of an XML property list, with the checks symbolic's parser makes: a `plist`
 * root of version 1.0 holding a `dict`, the key, and the element after it parsing as a UUID.
 */
export function originalUuid(text: string): string | { error: string; notAMap?: true } {
  const body = text.replace(/<!--[\s\S]*?-->/g, "");
  const root = /<plist(\s[^>]*)?>/.exec(body);
  if (!root) return { error: "no <plist> element", notAMap: true };
  if (!/\sversion\s*=\s*["']1\.0["']/.test(root[1] ?? "")) return { error: 'the <plist> is not version="1.0"' };
  const dict = body.indexOf("<dict>", root.index);
  if (dict < 0) return { error: "the property list has no <dict>" };
  const entry = /<key>DBGOriginalUUID<\/key>\s*<(\w+)>([^<]*)<\/\1>/.exec(body.slice(dict));
  if (!entry) return { error: "the property list has no DBGOriginalUUID", notAMap: true };
  const uuid = parseDebugId(entry[2]!);
  if (!uuid || uuid === NIL_DEBUG_ID) return { error: `DBGOriginalUUID "${entry[2]!.slice(0, 64)}" is not a UUID` };
  return uuid;
}

function claimedId(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const id = parseDebugId(text);
  return id && id !== NIL_DEBUG_ID ? id : undefined;
}

/** `Path::file_stem` of the uploaded name: the base name up to its last dot. */
function fileStem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}
