/**
 * PE (Windows executables and DLLs) identity, read the way symbolic's `PeObject` reads it
 * (symbolic-debuginfo `src/pe.rs`, getsentry/symbolic). All fields are little-endian.
 *
 * Layout:
 *
 *   DOS header: "MZ" ... e_lfanew u32 @0x3c -> "PE\0\0"
 *   COFF header (20 bytes after the signature): Machine u16 @0, NumberOfSections u16 @2,
 *     TimeDateStamp u32 @4, PointerToSymbolTable u32 @8, NumberOfSymbols u32 @12,
 *     SizeOfOptionalHeader u16 @16, Characteristics u16 @18 (0x2000 = DLL)
 *   Optional header: Magic 0x10b (PE32) / 0x20b (PE32+); SizeOfImage u32 @56;
 *     NumberOfRvaAndSizes @92 / @108, then data directories {rva u32, size u32}:
 *     [0] export, [3] exception (.pdata), [6] debug
 *   Section table (40 bytes each) after the optional header: Name[8] ("/123" = offset into the
 *     COFF string table), VirtualSize @8, VirtualAddress @12, SizeOfRawData @16,
 *     PointerToRawData @20
 *   Debug directory entries (28 bytes): TimeDateStamp @4, MinorVersion u16 @10, Type u32 @12
 *     (2 = CodeView), SizeOfData @16, AddressOfRawData @20, PointerToRawData @24
 *   CodeView PDB 7.0 record: "RSDS" | GUID[16] | Age u32 | path
 *
 * Identity: code id = TimeDateStamp %08x + SizeOfImage %x; debug id = GUID + age of the RSDS
 * record, except that an entry with MinorVersion 0x504d (a Portable PDB build) uses the entry's
 * TimeDateStamp as the age; symtab = the export directory lists functions; debug = a section
 * named `.debug_info` (MinGW DWARF); unwind = non-empty exception data (.pdata) and not a stub;
 * a .NET image that embeds its Portable PDB (debug entry type 17) adds that file's debug and
 * sources features (portable-pdb-embedded.ts).
 */
import { coffArch } from "./arch";
import { Cursor } from "./cursor";
import { debugIdFromGuidAge, NIL_DEBUG_ID } from "./debug-id";
import { readRange, readUpTo } from "./read-range";
import { identified, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { Feature } from "../common/debug-file";
import type { IdentifyResult } from "./types";
import { embeddedPortablePdbFeatures, IMAGE_DEBUG_TYPE_EMBEDDED_PORTABLE_PDB } from "./portable-pdb-embedded";

const IMAGE_FILE_DLL = 0x2000;
const IMAGE_DEBUG_TYPE_CODEVIEW = 2;
const PORTABLE_PDB_MINOR_VERSION = 0x504d;
/** The debug directory of a real image has a handful of entries; more than this is a lie. */
const MAX_DEBUG_ENTRIES = 64;

interface Section {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  rawSize: number;
  rawPointer: number;
}

interface Directory {
  rva: number;
  size: number;
}

export interface PeDetails {
  imageBase: number;
  /** The PDB path from the CodeView record, when there is one. */
  debugFileName: string | null;
  /** The image embeds its Portable PDB (.NET `-debug:embedded`): its symcache is built from that. */
  embeddedPortablePdb?: boolean;
  sections: { name: string; virtualAddress: number; virtualSize: number; rawPointer: number; rawSize: number }[];
}

/** goblin's RVA -> file offset mapping (raw pointers rounded down to the 512-byte file alignment). */
function rvaToOffset(sections: Section[], rva: number): number | undefined {
  for (const s of sections) {
    const span = Math.max(s.virtualSize, s.rawSize);
    if (rva >= s.virtualAddress && rva < s.virtualAddress + span) {
      return Math.floor(s.rawPointer / 512) * 512 + (rva - s.virtualAddress);
    }
  }
  return undefined;
}

export async function identifyPe(reader: RangedReader): Promise<IdentifyResult> {
  const dos = await readRange(reader, 0, 0x40);
  const lfanew = dos && new Cursor(dos, true).u32(0x3c);
  if (lfanew === undefined) return malformed("truncated DOS header (this is not a complete PE file)");
  const nt = await readRange(reader, lfanew, 24);
  if (!nt) return malformed("the PE header offset points past the end of the file");
  const ntc = new Cursor(nt, true);
  if (ntc.u32(0) !== 0x0000_4550)
    return malformed("missing PE signature (the file starts with MZ but is not a PE image)");
  const coff = ntc.struct(4, {
    machine: [0, "u16"],
    sections: [2, "u16"],
    timestamp: [4, "u32"],
    symbolTable: [8, "u32"],
    symbolCount: [12, "u32"],
    optionalSize: [16, "u16"],
    characteristics: [18, "u16"],
  });
  if (!coff) return malformed("truncated COFF file header");

  const optionalStart = lfanew + 24;
  const optional = coff.optionalSize > 0 ? await readRange(reader, optionalStart, coff.optionalSize) : undefined;
  if (coff.optionalSize > 0 && !optional) return malformed("truncated PE optional header");

  const sectionTable = await readRange(reader, optionalStart + coff.optionalSize, coff.sections * 40);
  if (!sectionTable) return malformed("truncated PE section table (it extends past the end of the file)");
  const st = new Cursor(sectionTable, true);
  const sections: Section[] = [];
  for (let i = 0; i < coff.sections; i++) {
    const s = st.struct(i * 40, {
      virtualSize: [8, "u32"],
      virtualAddress: [12, "u32"],
      rawSize: [16, "u32"],
      rawPointer: [20, "u32"],
    });
    if (!s) return malformed("truncated PE section table");
    const shortName = st.cString(i * 40, 8) ?? "";
    sections.push({ name: await longSectionName(reader, shortName, coff.symbolTable, coff.symbolCount), ...s });
  }

  let codeId: string | null = null;
  let imageBase = 0;
  const directories: Directory[] = [];
  if (optional) {
    const oc = new Cursor(optional, true);
    const magic = oc.u16(0);
    const wide = magic === 0x20b;
    if (magic !== 0x10b && magic !== 0x20b)
      return malformed("unknown PE optional header kind (neither PE32 nor PE32+)");
    const sizeOfImage = oc.u32(56);
    if (sizeOfImage === undefined) return malformed("truncated PE optional header");
    codeId = `${coff.timestamp.toString(16).padStart(8, "0")}${sizeOfImage.toString(16)}`;
    imageBase = (wide ? oc.u64(24) : oc.u32(28)) ?? 0;
    const count = oc.u32(wide ? 108 : 92) ?? 0;
    const first = wide ? 112 : 96;
    for (let i = 0; i < Math.min(count, 16); i++) {
      const d = oc.struct(first + i * 8, { rva: [0, "u32"], size: [4, "u32"] });
      if (!d) break;
      directories.push(d);
    }
  }

  const features: Feature[] = [];
  if (await hasExports(reader, sections, directories[0])) features.push("symtab");
  if (sections.some((s) => s.name === ".debug_info")) features.push("debug");
  const isStub =
    sections.some((s) => s.name.startsWith(".stub")) && sections.some((s) => s.name === ".pdata" && s.rawSize === 0);
  // goblin counts exception data in 12-byte runtime-function entries; x86 images have none.
  const exception = directories[3];
  if (!isStub && exception && exception.rva !== 0 && exception.size >= 12) {
    features.push("unwind");
  }

  const entries = await debugEntries(reader, sections, directories[6]);
  const codeView = await readCodeView(reader, entries);
  // .NET: a Portable PDB embedded in the image brings its debug information and sources.
  const embedded = findEmbeddedPortablePdb(entries);
  if (embedded) {
    const read = await embeddedPortablePdbFeatures(reader, embedded.offset, embedded.size);
    if (read.ok) for (const f of read.features) if (!features.includes(f)) features.push(f);
  }
  sortFeatures(features);
  return identified({
    format: "pe",
    debugId: codeView?.debugId ?? NIL_DEBUG_ID,
    codeId,
    arch: coffArch(coff.machine),
    kind: (coff.characteristics & IMAGE_FILE_DLL) !== 0 ? "lib" : isStub ? "other" : "exe",
    features,
    details: {
      imageBase,
      debugFileName: codeView?.path ?? null,
      embeddedPortablePdb: embedded !== undefined,
      sections: sections.map((s) => ({ ...s })),
    } satisfies PeDetails,
  });
}

/** Names longer than 8 bytes (MinGW's `.debug_info`) live in the COFF string table as "/<offset>". */
async function longSectionName(
  reader: RangedReader,
  name: string,
  symbolTable: number,
  symbolCount: number,
): Promise<string> {
  const match = /^\/(\d{1,7})$/.exec(name);
  if (!match || symbolTable === 0) return name;
  const at = symbolTable + symbolCount * 18 + Number(match[1]);
  const bytes = await readUpTo(reader, at, 64);
  return new Cursor(bytes, true).cString(0, 64) ?? name;
}

async function hasExports(reader: RangedReader, sections: Section[], dir: Directory | undefined): Promise<boolean> {
  if (!dir || dir.rva === 0 || dir.size === 0) return false;
  const offset = rvaToOffset(sections, dir.rva);
  const table = offset === undefined ? undefined : await readRange(reader, offset, 40);
  if (!table) return false;
  const c = new Cursor(table, true);
  return (c.u32(20) ?? 0) > 0 || (c.u32(24) ?? 0) > 0;
}

const FEATURE_ORDER: Feature[] = ["symtab", "debug", "unwind", "sources"];
function sortFeatures(features: Feature[]): void {
  features.sort((a, b) => FEATURE_ORDER.indexOf(a) - FEATURE_ORDER.indexOf(b));
}

interface DebugEntry {
  timestamp: number;
  minor: number;
  type: number;
  size: number;
  /** File offset of the entry's data, when it maps into the file. */
  at: number | undefined;
}

/** The debug directory's entries (28 bytes each), or none when the directory is unreadable. */
async function debugEntries(
  reader: RangedReader,
  sections: Section[],
  dir: Directory | undefined,
): Promise<DebugEntry[]> {
  if (!dir || dir.rva === 0 || dir.size < 28) return [];
  const offset = rvaToOffset(sections, dir.rva);
  const count = Math.min(Math.floor(dir.size / 28), MAX_DEBUG_ENTRIES);
  const table = offset === undefined ? undefined : await readRange(reader, offset, count * 28);
  if (!table) return [];
  const c = new Cursor(table, true);
  const entries: DebugEntry[] = [];
  for (let i = 0; i < count; i++) {
    const e = c.struct(i * 28, {
      timestamp: [4, "u32"],
      minor: [10, "u16"],
      type: [12, "u32"],
      size: [16, "u32"],
      rva: [20, "u32"],
      pointer: [24, "u32"],
    });
    if (!e) break;
    const at = e.pointer !== 0 ? e.pointer : rvaToOffset(sections, e.rva);
    entries.push({ timestamp: e.timestamp, minor: e.minor, type: e.type, size: e.size, at });
  }
  return entries;
}

/** The file offset and size of the embedded Portable PDB's data, if the image has one. */
function findEmbeddedPortablePdb(entries: DebugEntry[]): { offset: number; size: number } | undefined {
  const e = entries.find((x) => x.type === IMAGE_DEBUG_TYPE_EMBEDDED_PORTABLE_PDB);
  return e?.at === undefined ? undefined : { offset: e.at, size: e.size };
}

async function readCodeView(
  reader: RangedReader,
  entries: DebugEntry[],
): Promise<{ debugId: string; path: string } | undefined> {
  const e = entries.find((x) => x.type === IMAGE_DEBUG_TYPE_CODEVIEW);
  if (!e) return undefined;
  const record = e.at === undefined ? undefined : await readUpTo(reader, e.at, Math.min(e.size, 24 + 1024));
  if (!record || record.byteLength < 24) return undefined;
  const r = new Cursor(record, true);
  if (r.u32(0) !== 0x5344_5352) return undefined; // "RSDS"
  const guid = r.slice(4, 16)!;
  const age = e.minor === PORTABLE_PDB_MINOR_VERSION ? e.timestamp : (r.u32(20) ?? 0);
  return { debugId: debugIdFromGuidAge(guid, age), path: r.cString(24, 1024) ?? "" };
}
