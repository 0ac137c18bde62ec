/**
 * The parts of a Portable PDB's ECMA-335 metadata that identification needs (dotnet/runtime
 * `docs/design/specs/PortablePdb-Metadata.md`; ECMA-335 II.24), from its streams, each read with
 * one bounded ranged read. The symcache builder has its own
 * reader (crates/symcache/src/ppdb/); this one answers only "which streams and tables, how many
 * rows, which custom debug information kinds", which is what sentry-cli's features come from.
 *
 * Layout, little-endian:
 *
 *   root    "BSJB" | major u16 | minor u16 | reserved u32 | version length u32 | version (padded
 *           to 4) | flags u16 | stream count u16 | { offset u32, size u32, name NUL-padded to 4 }
 *   #Pdb    PDB id [20] = GUID + stamp | entry point u32 | referenced tables u64 | rows u32 each
 *   #~      reserved u32 | major u8 | minor u8 | heap sizes u8 | reserved u8 | valid u64 |
 *           sorted u64 | rows u32 per valid table | tables 0x30-0x37, rows back to back
 *
 * Row sizes depend on the heap-size flags (bit 0 strings, 1 GUIDs, 2 blobs: 4-byte indexes) and
 * on the row counts of the tables they index, the assembly's included (from #Pdb).
 */
import { Cursor } from "./cursor";

export const DOCUMENT = 0x30;
export const METHOD_DEBUG_INFORMATION = 0x31;
const LOCAL_SCOPE = 0x32;
const LOCAL_VARIABLE = 0x33;
const LOCAL_CONSTANT = 0x34;
const IMPORT_SCOPE = 0x35;
const STATE_MACHINE_METHOD = 0x36;
export const CUSTOM_DEBUG_INFORMATION = 0x37;
const METHOD_DEF = 0x06;

/** Tables a HasCustomDebugInformation coded index names (5 tag bits), in tag order. */
const HAS_CUSTOM_DEBUG_INFORMATION = [
  0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x00, 0x0e, 0x17, 0x14, 0x11, 0x1a, 0x1b, 0x20, 0x23, 0x26, 0x27, 0x28,
  0x2a, 0x2c, 0x2b, 0x30, 0x32, 0x33, 0x34, 0x35,
];

/** Custom debug information kinds, as .NET stores the GUIDs (first three fields little-endian). */
export const SOURCE_LINK_KIND = "cc110556-a091-4d38-9fec-25ab9a351a6a";
export const EMBEDDED_SOURCE_KIND = "0e8a571b-6926-466e-b4ad-8ab04611f5fe";

const MAX_STREAMS = 16;

export interface PortablePdbMetadata {
  /** GUID (16 bytes) + stamp (4): the PDB id. */
  pdbId: Uint8Array;
  rows: number[];
  /** The custom debug information kinds present (lowercase GUID text). */
  customDebugKinds: Set<string>;
  /** The raw tables and heaps, for the tests' independent reader of sequence points. */
  tables: { tilde: Uint8Array; offsets: number[]; rowSizes: number[] };
  blobs: Uint8Array;
  guids: Uint8Array;
  wide: { strings: boolean; guids: boolean; blobs: boolean };
}

export type MetadataResult = { ok: true; metadata: PortablePdbMetadata } | { ok: false; detail: string };

export interface StreamHeader {
  name: string;
  offset: number;
  size: number;
}

/** The stream headers of the metadata root (the file's first bytes). */
export function streamHeaders(root: Uint8Array): StreamHeader[] | string {
  const c = new Cursor(root, true);
  if (c.u32(0) !== 0x424a5342) return "no BSJB metadata signature";
  const versionLength = c.u32(12);
  if (versionLength === undefined || versionLength > 255) return "the metadata root is truncated";
  let at = 16 + Math.ceil(versionLength / 4) * 4;
  const count = c.u16(at + 2);
  if (count === undefined) return "the metadata root is truncated";
  at += 4;
  const headers: StreamHeader[] = [];
  for (let i = 0; i < Math.min(count, MAX_STREAMS); i++) {
    const offset = c.u32(at);
    const size = c.u32(at + 4);
    const name = c.cString(at + 8, 32);
    if (offset === undefined || size === undefined || name === undefined) return "the stream headers are truncated";
    headers.push({ name, offset, size });
    at += 8 + Math.ceil((name.length + 1) / 4) * 4;
  }
  return headers;
}

/** The streams of a Portable PDB held whole (tests). */
export function streamsOf(bytes: Uint8Array): Map<string, Uint8Array> | string {
  const headers = streamHeaders(bytes);
  if (typeof headers === "string") return headers;
  const streams = new Map<string, Uint8Array>();
  for (const h of headers) {
    if (h.offset + h.size > bytes.byteLength) return `the ${h.name} stream lies outside the file`;
    streams.set(h.name, bytes.subarray(h.offset, h.offset + h.size));
  }
  return streams;
}

/** Reads the tables from the streams `#Pdb`, `#~` (or `#-`), `#GUID` and, when given, `#Blob`. */
export function parsePortablePdbMetadata(streams: Map<string, Uint8Array>): MetadataResult {
  const pdb = streams.get("#Pdb");
  const tilde = streams.get("#~") ?? streams.get("#-");
  if (!pdb || pdb.byteLength < 32) return { ok: false, detail: "the #Pdb stream is missing or truncated" };
  if (!tilde) return { ok: false, detail: "the #~ table stream is missing" };
  const rows = new Array<number>(64).fill(0);
  const p = new Cursor(pdb, true);
  const referenced = p.u64(24) ?? 0;
  // Only the assembly's type-system tables (below 0x30) are referenced from #Pdb.
  if (referenced >= 2 ** DOCUMENT)
    return { ok: false, detail: "the #Pdb stream names debug tables among the assembly's" };
  let at = 32;
  for (let t = 0; t < 64; t++) {
    if ((BigInt(referenced) >> BigInt(t)) & 1n) {
      const n = p.u32(at);
      if (n === undefined) return { ok: false, detail: "the #Pdb stream's row counts are truncated" };
      rows[t] = n;
      at += 4;
    }
  }
  const t = new Cursor(tilde, true);
  const heapSizes = t.u8(6);
  const validLow = t.u32(8);
  const validHigh = t.u32(12);
  if (heapSizes === undefined || validLow === undefined || validHigh === undefined)
    return { ok: false, detail: "the #~ stream is truncated" };
  const valid = BigInt(validLow) | (BigInt(validHigh) << 32n);
  at = 24;
  for (let i = 0; i < 64; i++) {
    if ((valid >> BigInt(i)) & 1n) {
      const n = t.u32(at);
      if (n === undefined) return { ok: false, detail: "the #~ stream's row counts are truncated" };
      rows[i] = n;
      at += 4;
    }
  }
  if (valid & ((1n << BigInt(DOCUMENT)) - 1n))
    return { ok: false, detail: "type-system tables in a Portable PDB's own #~ stream are not read" };
  const wide = { strings: (heapSizes & 1) !== 0, guids: (heapSizes & 2) !== 0, blobs: (heapSizes & 4) !== 0 };
  const index = (table: number) => ((rows[table] ?? 0) >= 1 << 16 ? 4 : 2);
  const [s, g, b] = [wide.strings ? 4 : 2, wide.guids ? 4 : 2, wide.blobs ? 4 : 2];
  const coded = Math.max(...HAS_CUSTOM_DEBUG_INFORMATION.map((x) => rows[x] ?? 0)) < 1 << 11 ? 2 : 4;
  const rowSizes = new Array<number>(64).fill(0);
  rowSizes[DOCUMENT] = b + g + b + g;
  rowSizes[METHOD_DEBUG_INFORMATION] = index(DOCUMENT) + b;
  rowSizes[LOCAL_SCOPE] = index(METHOD_DEF) + index(IMPORT_SCOPE) + index(LOCAL_VARIABLE) + index(LOCAL_CONSTANT) + 8;
  rowSizes[LOCAL_VARIABLE] = 4 + s;
  rowSizes[LOCAL_CONSTANT] = s + b;
  rowSizes[IMPORT_SCOPE] = index(IMPORT_SCOPE) + b;
  rowSizes[STATE_MACHINE_METHOD] = 2 * index(METHOD_DEF);
  rowSizes[CUSTOM_DEBUG_INFORMATION] = coded + g + b;
  const offsets = new Array<number>(64).fill(0);
  for (let table = DOCUMENT; table <= CUSTOM_DEBUG_INFORMATION; table++) {
    if (!((valid >> BigInt(table)) & 1n)) continue;
    offsets[table] = at;
    at += (rows[table] ?? 0) * (rowSizes[table] ?? 0);
    if (at > tilde.byteLength)
      return { ok: false, detail: `table 0x${table.toString(16)} runs past the end of the #~ stream` };
  }
  const guids = streams.get("#GUID") ?? new Uint8Array(0);
  const customDebugKinds = new Set<string>();
  const cdiSize = rowSizes[CUSTOM_DEBUG_INFORMATION];
  const cdiRows = (valid >> BigInt(CUSTOM_DEBUG_INFORMATION)) & 1n ? (rows[CUSTOM_DEBUG_INFORMATION] ?? 0) : 0;
  for (let row = 0; row < cdiRows; row++) {
    const at = (offsets[CUSTOM_DEBUG_INFORMATION] as number) + row * cdiSize + coded;
    const kind = g === 4 ? t.u32(at) : t.u16(at);
    const text = kind ? guidText(guids, kind) : undefined;
    if (text) customDebugKinds.add(text);
  }
  return {
    ok: true,
    metadata: {
      pdbId: pdb.subarray(0, 20),
      rows,
      customDebugKinds,
      tables: { tilde, offsets, rowSizes },
      blobs: streams.get("#Blob") ?? new Uint8Array(0),
      guids,
      wide,
    },
  };
}

/** The GUID at 1-based `index` of #GUID, as text (.NET's byte order: first three fields LE). */
export function guidText(guids: Uint8Array, index: number): string | undefined {
  const b = guids.subarray((index - 1) * 16, index * 16);
  if (index < 1 || b.byteLength !== 16) return undefined;
  const hex = (bytes: number[]) => bytes.map((x) => x.toString(16).padStart(2, "0")).join("");
  const at = (i: number) => b[i] as number;
  return [
    hex([at(3), at(2), at(1), at(0)]),
    hex([at(5), at(4)]),
    hex([at(7), at(6)]),
    hex([at(8), at(9)]),
    hex([10, 11, 12, 13, 14, 15].map(at)),
  ].join("-");
}
