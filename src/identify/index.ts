/**
 * identify(): what debug file is this, and which identity does sentry-cli give it?
 *
 * The entry point of identification: sniff the first bytes (sniff.ts), hand the reader to the
 * format's parser, then apply the checks sentry-cli's `debug-files check` applies to every
 * format, in its order: a nil debug id is "missing debug identifier", and a file with no
 * symbols, debug or unwind information is "missing debug or unwind information" (sentry-cli
 * prints "Usable: no" for both and does not upload them; if one arrives anyway we refuse it
 * with the same words).
 *
 * Everything goes through `reader.read`, a few small ranged reads per file, so a 2 GiB file
 * identifies in a few kilobytes of memory. No parser throws on bad input; the try/catch here
 * is the last line of defence, turning a bug into a `malformed` result instead of a crash.
 */
import type { RangedReader } from "../common/ranged-reader";
import { identifyBcSymbolMap, identifyUuidMap, type UploadClaims } from "./apple-maps";
import { identifyBreakpad, type BreakpadRecords } from "./breakpad";
import { NIL_DEBUG_ID } from "./debug-id";
import { identifyElf } from "./elf";
import { identifyMacho } from "./macho";
import { identifyFatMacho } from "./macho-fat";
import { identifyPdb } from "./pdb";
import { identifyPe } from "./pe";
import { identifyPortablePdb } from "./portable-pdb";
import { readUpTo } from "./read-range";
import { failed } from "./result";
import { sniff, SNIFF_BYTES } from "./sniff";
import { identifySourceBundle } from "./source-bundle";
import type { IdentifyResult } from "./types";
import { identifyWasm } from "./wasm";

export type { DebugFileIdentity, IdentifyFailure, IdentifyResult } from "./types";
export type { UploadClaims } from "./apple-maps";

const FORMAT_NAMES = {
  elf: "ELF",
  macho: "Mach-O",
  pe: "PE",
  pdb: "PDB",
  breakpad: "Breakpad",
  wasm: "WebAssembly",
  portablepdb: "Portable PDB",
  sourcebundle: "source bundle",
  bcsymbolmap: "BCSymbolMap",
  uuidmap: "UUID map",
} as const;

/** What a release engineer changes in the build so the next file carries a debug id. */
const HOW_TO_GET_AN_ID: Record<keyof typeof FORMAT_NAMES, string> = {
  elf: "link it with a build id (-Wl,--build-id) and upload that file or its matching .debug file",
  macho: "link it with an LC_UUID (do not pass -no_uuid)",
  pe: "link it with /DEBUG so it carries a CodeView (RSDS) record",
  pdb: "regenerate the PDB with the linker",
  breakpad: "regenerate the .sym file with dump_syms",
  wasm: "link it with a build id (-Wl,--build-id)",
  portablepdb: "rebuild it with the .NET SDK",
  sourcebundle: "recreate the bundle with sentry-cli",
  bcsymbolmap: "name it <UUID>.bcsymbolmap and upload it with sentry-cli",
  uuidmap: "name it <UUID>.plist and upload it with sentry-cli",
};

/** What assembly learned while streaming the file, so identification need not read it again. */
export interface StreamedFacts {
  breakpadRecords?: BreakpadRecords;
}

/** `claims`: the upload's name and debug id, the only identity Apple's BCSymbolMaps and UUID maps have. */
export async function identify(
  reader: RangedReader,
  streamed: StreamedFacts = {},
  claims: UploadClaims = { name: "" },
): Promise<IdentifyResult> {
  try {
    return checkUsable(await dispatch(reader, streamed, claims));
  } catch {
    return failed("malformed", "the debug file could not be read (it is damaged or in an unexpected layout)");
  }
}

async function dispatch(reader: RangedReader, streamed: StreamedFacts, claims: UploadClaims): Promise<IdentifyResult> {
  const head = await readUpTo(reader, 0, SNIFF_BYTES);
  switch (sniff(head, reader.size)) {
    case "elf":
      return identifyElf(reader);
    case "pe":
      return identifyPe(reader);
    case "pdb":
      return identifyPdb(reader);
    case "sourcebundle":
      return identifySourceBundle(reader);
    case "breakpad":
      return identifyBreakpad(reader, streamed.breakpadRecords);
    case "wasm":
      return identifyWasm(reader);
    case "portablepdb":
      return identifyPortablePdb(reader);
    case "macho":
      return identifyMacho(reader);
    case "macho-fat":
      return identifyFatMacho(reader);
    case "bcsymbolmap":
      return identifyBcSymbolMap(reader, claims);
    case "uuidmap":
      return identifyUuidMap(reader, claims);
    case "unknown":
      return failed("unsupported_format", "not a debug information file (unsupported object file format)");
  }
}

/** sentry-cli's "Usable: no" rules, in its order. */
function checkUsable(result: IdentifyResult): IdentifyResult {
  if (!result.ok) return result;
  const { identity } = result;
  // Name maps, not debug files: they have no features by nature (Sentry stores them without).
  if (identity.format === "bcsymbolmap" || identity.format === "uuidmap") return result;
  const what = `${FORMAT_NAMES[identity.format]} file`;
  if (identity.debugId === NIL_DEBUG_ID) {
    return failed(
      "missing_debug_id",
      `missing debug identifier, likely stripped: this ${what} has no debug id; ${HOW_TO_GET_AN_ID[identity.format]}`,
    );
  }
  if (identity.features.length === 0) {
    return failed(
      "no_features",
      `missing debug or unwind information: this ${what} has no symbol table, debug information or unwind information; upload its debug companion (e.g. the PDB or .debug file) instead`,
    );
  }
  return result;
}
