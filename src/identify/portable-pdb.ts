/**
 * Portable PDB (.NET) files: recognised and refused for now.
 *
 * Layout (ECMA-335 metadata root, little-endian): "BSJB" | major u16 | minor u16 | reserved u32 |
 * version length u32 | version string (padded to 4) | flags u16 | stream count u16 |
 * stream headers { offset u32, size u32, NUL-terminated name padded to 4 }. The `#Pdb` stream
 * starts with the 20-byte PDB id: GUID[16] + stamp u32, and the debug id is
 * from_guid_age(GUID, stamp).
 *
 * Why refused: symbolic's features need the metadata tables (MethodDebugInformation rows for
 * `debug`, CustomDebugInformation kinds for SourceLink and embedded `sources`), and reading
 * those is more than identification should do. We read the id, say it in the detail so the
 * engineer sees we understood the file, and fail with `not_supported_yet`.
 */
import { Cursor } from "./cursor";
import { debugIdFromGuidAge } from "./debug-id";
import { readUpTo } from "./read-range";
import { failed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { IdentifyResult } from "./types";

/** The metadata root and its stream headers sit in the first few hundred bytes. */
const ROOT_BYTES = 4096;
const MAX_STREAMS = 16;

async function pdbId(reader: RangedReader): Promise<string | undefined> {
  const root = await readUpTo(reader, 0, ROOT_BYTES);
  const c = new Cursor(root, true);
  const versionLength = c.u32(12);
  if (versionLength === undefined) return undefined;
  let at = 16 + Math.ceil(versionLength / 4) * 4;
  const streams = c.u16(at + 2);
  if (streams === undefined) return undefined;
  at += 4;
  for (let i = 0; i < Math.min(streams, MAX_STREAMS); i++) {
    const offset = c.u32(at);
    const name = c.cString(at + 8, 32);
    if (offset === undefined || name === undefined) return undefined;
    if (name === "#Pdb") {
      const id = await readUpTo(reader, offset, 20);
      if (id.byteLength < 20) return undefined;
      return debugIdFromGuidAge(id.subarray(0, 16), new Cursor(id, true).u32(16) ?? 0);
    }
    at += 8 + Math.ceil((name.length + 1) / 4) * 4;
  }
  return undefined;
}

export async function identifyPortablePdb(reader: RangedReader): Promise<IdentifyResult> {
  const id = await pdbId(reader);
  const which = id ? ` (debug id ${id})` : "";
  return failed(
    "not_supported_yet",
    `Portable PDB files${which} are not supported yet by this symbol service; upload the PE file's native symbols or use Sentry`,
  );
}
