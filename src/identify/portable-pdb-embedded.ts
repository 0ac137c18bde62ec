/**
 * A Portable PDB embedded in a .NET PE (`-debug:embedded`): the debug directory entry of type 17
 * holds `"MPDB" | uncompressed size u32 | raw DEFLATE stream` (dotnet/runtime
 * `docs/design/specs/PE-COFF.md`, "Embedded Portable PDB Debug Directory Entry"). sentry-cli
 * reports such a PE with the embedded file's features (`debug`, `sources`), and the symcache
 * builder reads the embedded file (crates/symcache/src/ppdb/embedded.rs).
 */
import { inflateRawSync } from "node:zlib";
import { BufferReader } from "../common/ranged-reader";
import type { Feature } from "../common/debug-file";
import type { RangedReader } from "../common/ranged-reader";
import { Cursor } from "./cursor";
import { portablePdbFeatures, readPortablePdb } from "./portable-pdb";
import { readRange } from "./read-range";

export const IMAGE_DEBUG_TYPE_EMBEDDED_PORTABLE_PDB = 17;
/** The builder reads embedded Portable PDBs of up to this size (ppdb::WHOLE_BYTES). */
const MAX_INFLATED = 32 * 1024 * 1024;

/** The features of the embedded Portable PDB at `offset`, or a reason it cannot be read. */
export async function embeddedPortablePdbFeatures(
  reader: RangedReader,
  offset: number,
  size: number,
): Promise<{ ok: true; features: Feature[] } | { ok: false; detail: string }> {
  const entry = await readRange(reader, offset, size);
  if (!entry || entry.byteLength < 8) return { ok: false, detail: "the embedded Portable PDB lies outside the file" };
  const c = new Cursor(entry, true);
  if (c.u32(0) !== 0x4244_504d)
    return { ok: false, detail: "the embedded Portable PDB entry does not start with MPDB" };
  const inflatedSize = c.u32(4) ?? 0;
  if (inflatedSize > MAX_INFLATED)
    return { ok: false, detail: `the embedded Portable PDB inflates to ${inflatedSize} bytes, more than is read` };
  let inflated: Uint8Array;
  try {
    inflated = new Uint8Array(inflateRawSync(entry.subarray(8), { maxOutputLength: Math.max(inflatedSize, 1) }));
  } catch {
    return { ok: false, detail: "the embedded Portable PDB does not inflate" };
  }
  if (inflated.byteLength !== inflatedSize)
    return { ok: false, detail: "the embedded Portable PDB inflates to a size other than its header declares" };
  const read = await readPortablePdb(new BufferReader(inflated));
  if (!read.ok) return { ok: false, detail: read.detail };
  return { ok: true, features: portablePdbFeatures(read.metadata) };
}
