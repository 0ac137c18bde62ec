/**
 * Windows PDB (MSF 7.00) identity, read the way symbolic's `PdbObject` reads it
 * (symbolic-debuginfo `src/pdb.rs`, getsentry/symbolic). Container layout: see msf.ts.
 *
 * Streams used (little-endian):
 *   1, PDB info: Version u32 @0 | Signature u32 @4 | Age u32 @8 | GUID[16] @12
 *   3, DBI:      VersionSignature i32 @0 (-1 for every format since VC 4.1) | VersionHeader @4 |
 *                Age u32 @8 | ... | Machine u16 @58        (64-byte header)
 *
 * Reads: the superblock, the block map, the directory entries for streams 0-3, 28 bytes of
 * stream 1 and 64 bytes of stream 3. That is a few pages, whatever the PDB's size.
 *
 * Identity: debug id = GUID (Microsoft byte order) + age, the age preferably from the DBI
 * header, because tools bump the info-stream age when they rewrite a PDB and it then no longer
 * matches the executable; arch from the DBI machine; kind dbg; no code id; features symtab and
 * debug always (symbolic does not open the module streams to check), unwind for 32-bit x86,
 * whose frame data every PDB carries.
 */
import { coffArch } from "./arch";
import { Cursor } from "./cursor";
import { debugIdFromGuidAge } from "./debug-id";
import { Msf } from "./msf";
import { identified, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { Feature } from "../common/debug-file";
import type { IdentifyResult } from "./types";

const PDB_INFO_STREAM = 1;
const DBI_STREAM = 3;
const DBI_HEADER_BYTES = 64;

export async function identifyPdb(reader: RangedReader): Promise<IdentifyResult> {
  const msf = await Msf.open(reader);
  if (typeof msf === "string") return malformed(msf);

  const infoStream = await msf.stream(PDB_INFO_STREAM);
  if (typeof infoStream === "string") return malformed(infoStream);
  if (!infoStream) return malformed("the PDB has no PDB information stream");
  const info = await msf.read(infoStream, 0, 28);
  if (!info) return malformed("truncated PDB information stream");
  const ic = new Cursor(info, true);
  const infoAge = ic.u32(8) ?? 0;
  const guid = ic.slice(12, 16)!;

  const dbiStream = await msf.stream(DBI_STREAM);
  if (typeof dbiStream === "string") return malformed(dbiStream);
  if (!dbiStream) return malformed("the PDB has no debug information (DBI) stream");
  const dbi = await msf.read(dbiStream, 0, Math.min(DBI_HEADER_BYTES, dbiStream.size));
  if (!dbi || dbi.byteLength < DBI_HEADER_BYTES) return malformed("truncated PDB debug information (DBI) header");
  const dc = new Cursor(dbi, true);
  const isNewHeader = dc.i32(0) === -1;
  const age = isNewHeader ? (dc.u32(8) ?? infoAge) : infoAge;
  const arch = isNewHeader ? coffArch(dc.u16(58) ?? 0) : "unknown";

  const features: Feature[] = ["symtab", "debug"];
  if (arch === "x86") features.push("unwind");
  return identified({
    format: "pdb",
    debugId: debugIdFromGuidAge(guid, age),
    codeId: null,
    arch,
    kind: "dbg",
    features,
    details: { infoAge, dbiAge: isNewHeader ? age : null, pageSize: msf.blockSize },
  });
}
