/**
 * ELF identity, read the way symbolic's `ElfObject` reads it (symbolic-debuginfo `src/elf.rs`, getsentry/symbolic).
 *
 * Layout (offsets for ELF32 / ELF64, byte order from e_ident[EI_DATA]):
 *
 *   e_ident[16]: 7F 'E' 'L' 'F', class (1=32, 2=64), data (1=LE, 2=BE), ...
 *   e_type u16 @16, e_machine u16 @18, e_flags @36/@48,
 *   e_phoff @28/@32, e_shoff @32/@40, e_phnum @44/@56, e_shnum @48/@60, e_shstrndx @50/@62
 *   program headers: e_phnum x 32/56 bytes at e_phoff
 *   section headers: e_shnum x 40/64 bytes at e_shoff; e_shnum == 0 with e_shoff != 0 means
 *   the real count is section 0's sh_size (and e_shstrndx == 0xffff means it is section 0's
 *   sh_link)
 *
 * Reads: the header, the program and section header tables, the section name table, the note
 * segments/sections (up to 1 MiB each), the first page of `.text` when there is no build id, and
 * 4 bytes of each SHF_COMPRESSED section to name its compression. Never section contents.
 *
 * Identity:
 * - build id: first NT_GNU_BUILD_ID note in a PT_NOTE segment, else in `.note.gnu.build-id`,
 *   else the first 20 bytes of a PlayStation PT_SCE_DYNLIBDATA segment;
 * - code id: the build id in hex (none when there is no or an empty build id);
 * - debug id: first 16 build-id bytes (zero-padded), GUID-swapped when little-endian; without a
 *   build id the XOR of the first page of `.text` folded into 16 bytes, same swap.
 * - kind: e_type, but an executable without PT_INTERP is what objcopy --only-keep-debug leaves
 *   (dbg), and so is a shared object without a real `.text`.
 */
import { elfArch } from "./arch";
import { Cursor } from "./cursor";
import { elfDebugId } from "./debug-id";
import { bytesToHex } from "../common/hex";
import { findNote, NT_GNU_BUILD_ID } from "./elf-notes";
import { MAX_TABLE_BYTES, readRange, readUpTo } from "./read-range";
import { identified, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { Feature, ObjectKind } from "../common/debug-file";
import type { ElfDetails, ElfSection, IdentifyResult } from "./types";

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_NOTE = 4;
const PT_SCE_DYNLIBDATA = 0x6100_0000;
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const SHF_COMPRESSED = 0x800;
const SHN_XINDEX = 0xffff;
/** Notes beyond the first MiB of a note segment are not searched (core dumps have huge ones). */
const MAX_NOTE_BYTES = 1024 * 1024;
/** symbolic hashes at most one page of `.text` when there is no build id. */
const TEXT_HASH_BYTES = 4096;
/** At most this many SHF_COMPRESSED headers are probed for the details (4 bytes each). */
const MAX_COMPRESSION_PROBES = 256;

interface Header {
  le: boolean;
  is64: boolean;
  type: number;
  machine: number;
  flags: number;
  phoff: number;
  phnum: number;
  shoff: number;
  shnum: number;
  shstrndx: number;
}

interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  align: number;
}

interface RawSection extends Omit<ElfSection, "name" | "compression" | "align"> {
  nameOffset: number;
  link: number;
  entsize: number;
  addralign: number;
}

const ET_KINDS: Record<number, ObjectKind> = {
  0: "none",
  1: "rel",
  2: "exe",
  3: "lib",
  4: "dump",
  0xfe10: "exe", // ET_SCE_DYNEXEC
  0xfe18: "lib", // ET_SCE_DYNAMIC
};

function parseHeader(bytes: Uint8Array): Header | string {
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2) return "unknown ELF class (neither 32-bit nor 64-bit)";
  if (data !== 1 && data !== 2) return "unknown ELF byte order (neither little nor big endian)";
  const le = data === 1;
  const is64 = cls === 2;
  const c = new Cursor(bytes, le);
  const h = is64
    ? c.struct(0, {
        type: [16, "u16"],
        machine: [18, "u16"],
        phoff: [32, "u64"],
        shoff: [40, "u64"],
        flags: [48, "u32"],
        phnum: [56, "u16"],
        shnum: [60, "u16"],
        shstrndx: [62, "u16"],
      })
    : c.struct(0, {
        type: [16, "u16"],
        machine: [18, "u16"],
        phoff: [28, "u32"],
        shoff: [32, "u32"],
        flags: [36, "u32"],
        phnum: [44, "u16"],
        shnum: [48, "u16"],
        shstrndx: [50, "u16"],
      });
  if (!h) return "truncated ELF header";
  return { le, is64, ...h };
}

async function readProgramHeaders(reader: RangedReader, h: Header): Promise<ProgramHeader[] | string> {
  if (h.phnum === 0) return [];
  const size = h.is64 ? 56 : 32;
  const bytes = await readRange(reader, h.phoff, h.phnum * size);
  if (!bytes) return "truncated ELF program header table (it extends past the end of the file)";
  const c = new Cursor(bytes, h.le);
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const p = h.is64
      ? c.struct(i * size, {
          type: [0, "u32"],
          offset: [8, "u64"],
          vaddr: [16, "u64"],
          filesz: [32, "u64"],
          align: [48, "u64"],
        })
      : c.struct(i * size, {
          type: [0, "u32"],
          offset: [4, "u32"],
          vaddr: [8, "u32"],
          filesz: [16, "u32"],
          align: [28, "u32"],
        });
    if (!p) return "truncated ELF program header table";
    out.push(p);
  }
  return out;
}

function decodeSection(c: Cursor, at: number, is64: boolean): RawSection | undefined {
  const s = is64
    ? c.struct(at, {
        nameOffset: [0, "u32"],
        type: [4, "u32"],
        flags: [8, "u64"],
        addr: [16, "u64"],
        offset: [24, "u64"],
        size: [32, "u64"],
        link: [40, "u32"],
        addralign: [48, "u64"],
        entsize: [56, "u64"],
      })
    : c.struct(at, {
        nameOffset: [0, "u32"],
        type: [4, "u32"],
        flags: [8, "u32"],
        addr: [12, "u32"],
        offset: [16, "u32"],
        size: [20, "u32"],
        link: [24, "u32"],
        addralign: [32, "u32"],
        entsize: [36, "u32"],
      });
  return s;
}

async function readSectionHeaders(
  reader: RangedReader,
  h: Header,
): Promise<{ sections: RawSection[]; shstrndx: number } | string> {
  const size = h.is64 ? 64 : 40;
  if (h.shoff === 0) return { sections: [], shstrndx: h.shstrndx };
  let count = h.shnum;
  let shstrndx = h.shstrndx;
  if (count === 0 || shstrndx === SHN_XINDEX) {
    // Extended numbering: more than 0xff00 sections keep the real count and name-table index in
    // section 0.
    const first = await readRange(reader, h.shoff, size);
    const s0 = first && decodeSection(new Cursor(first, h.le), 0, h.is64);
    if (!s0) return "truncated ELF section header table (it extends past the end of the file)";
    if (count === 0) count = s0.size;
    if (shstrndx === SHN_XINDEX) shstrndx = s0.link;
  }
  if (count === 0) return { sections: [], shstrndx };
  // The table has to fit in the file, which also bounds the count.
  if (count > Math.floor(reader.size / size)) {
    return "truncated ELF section header table (it extends past the end of the file)";
  }
  if (count * size > MAX_TABLE_BYTES) {
    return `the ELF section header table claims ${count} sections, more than any real file has`;
  }
  const bytes = await readRange(reader, h.shoff, count * size);
  if (!bytes) return "truncated ELF section header table (it extends past the end of the file)";
  const c = new Cursor(bytes, h.le);
  const sections: RawSection[] = [];
  for (let i = 0; i < count; i++) {
    const s = decodeSection(c, i * size, h.is64);
    if (!s) return "truncated ELF section header table";
    sections.push(s);
  }
  return { sections, shstrndx };
}

function inFile(reader: RangedReader, offset: number, size: number): boolean {
  return offset >= 0 && size >= 0 && offset + size <= reader.size;
}

/** Name lookups in the section name table; out-of-range offsets have no name (goblin's `get_at`). */
function nameAt(strtab: Cursor | undefined, offset: number): string | undefined {
  if (!strtab || offset >= strtab.length) return undefined;
  return strtab.cString(offset, 256);
}

async function compressionOf(
  reader: RangedReader,
  s: RawSection,
  name: string,
  le: boolean,
  probes: { left: number },
): Promise<ElfSection["compression"]> {
  if (name.startsWith(".zdebug")) return "zlib-gnu";
  if ((s.flags & SHF_COMPRESSED) === 0 || s.type === SHT_NOBITS) return "none";
  if (probes.left-- <= 0) return "unknown";
  const chdr = await readRange(reader, s.offset, 4);
  const type = chdr && new Cursor(chdr, le).u32(0);
  return type === 1 ? "zlib" : type === 2 ? "zstd" : "unknown";
}

export async function identifyElf(reader: RangedReader): Promise<IdentifyResult> {
  const head = await readUpTo(reader, 0, 64);
  const header = parseHeader(head);
  if (typeof header === "string") return malformed(header);

  const phdrs = await readProgramHeaders(reader, header);
  if (typeof phdrs === "string") return malformed(phdrs);
  const table = await readSectionHeaders(reader, header);
  if (typeof table === "string") return malformed(table);
  const { sections } = table;

  // A section name table that lies outside the file leaves symbolic with a partially parsed
  // object: no section names and no symbols. We model the same instead of failing.
  let partial = false;
  let strtab: Cursor | undefined;
  const strSection = sections[table.shstrndx];
  if (strSection) {
    const bytes = inFile(reader, strSection.offset, strSection.size)
      ? await readRange(reader, strSection.offset, strSection.size)
      : undefined;
    if (bytes) strtab = new Cursor(bytes, header.le);
    else partial = true;
  }

  const symbolSize = header.is64 ? 24 : 16;
  let symbolCount = 0;
  let dynamicSymbolCount = 0;
  if (!partial) {
    for (const s of sections) {
      if (s.type !== SHT_SYMTAB) continue;
      const count = s.entsize > 0 ? Math.floor(s.size / s.entsize) : 0;
      const link = sections[s.link];
      if (!inFile(reader, s.offset, count * symbolSize) || (link && !inFile(reader, link.offset, link.size))) {
        partial = true;
        symbolCount = 0;
        break;
      }
      symbolCount = count;
    }
  }
  if (!partial) {
    const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
    if (dynsym) {
      const count = dynsym.entsize > 0 ? Math.floor(dynsym.size / dynsym.entsize) : 0;
      if (inFile(reader, dynsym.offset, count * symbolSize)) dynamicSymbolCount = count;
    }
  }

  const named = sections.map((s) => ({ s, name: nameAt(strtab, s.nameOffset) }));

  /**
   * symbolic's `find_section`: skip NOBITS, unnamed and offset-0 (phantom) sections; `.zfoo`
   * counts as `foo`; the first match that lies outside the file ends the search with nothing.
   */
  const findSection = (wanted: string): RawSection | undefined => {
    for (const { s, name } of named) {
      if (s.type === SHT_NOBITS || name === undefined || s.offset === 0 || name === "") continue;
      const bare = name.startsWith(".z") ? name.slice(2) : name.startsWith(".") ? name.slice(1) : undefined;
      if (bare !== wanted) continue;
      return inFile(reader, s.offset, s.size) ? s : undefined;
    }
    return undefined;
  };

  const buildId = await findBuildId(reader, header, phdrs, named);
  const text = findSection("text");
  let debugId: string | undefined;
  if (buildId) {
    debugId = elfDebugId(buildId, header.le);
  } else if (text) {
    const page = await readRange(reader, text.offset, Math.min(text.size, TEXT_HASH_BYTES));
    if (page) {
      const folded = new Uint8Array(16);
      page.forEach((b, i) => (folded[i % 16]! ^= b));
      debugId = elfDebugId(folded, header.le);
    }
  }

  let kind = ET_KINDS[header.type] ?? "other";
  if (kind === "exe" && !(await hasInterpreter(reader, phdrs))) kind = "dbg";
  if (kind === "lib" && !text) kind = "dbg";

  const features: Feature[] = [];
  if (symbolCount > 0 || dynamicSymbolCount > 0) features.push("symtab");
  if (findSection("debug_info")) features.push("debug");
  if (findSection("eh_frame") || findSection("debug_frame")) features.push("unwind");

  const probes = { left: MAX_COMPRESSION_PROBES };
  const details: ElfDetails = {
    littleEndian: header.le,
    is64: header.is64,
    machine: header.machine,
    loadAddress: phdrs.find((p) => p.type === PT_LOAD)?.vaddr ?? 0,
    altLink: await readAltLink(reader, named),
    sections: [],
  };
  for (const { s, name } of named) {
    details.sections.push({
      name: name ?? "",
      type: s.type,
      flags: s.flags,
      addr: s.addr,
      offset: s.offset,
      size: s.size,
      align: s.addralign,
      compression: await compressionOf(reader, s, name ?? "", header.le, probes),
    });
  }

  return identified({
    format: "elf",
    debugId: debugId ?? "00000000-0000-0000-0000-000000000000",
    codeId: buildId && buildId.byteLength > 0 ? bytesToHex(buildId) : null,
    arch: elfArch(header.machine, header.flags),
    kind,
    features,
    details,
  });
}

async function findBuildId(
  reader: RangedReader,
  header: Header,
  phdrs: ProgramHeader[],
  named: { s: RawSection; name: string | undefined }[],
): Promise<Uint8Array | undefined> {
  for (const p of phdrs) {
    if (p.type !== PT_NOTE) continue;
    const notes = await readUpTo(reader, p.offset, Math.min(p.filesz, MAX_NOTE_BYTES));
    const id = findNote(notes, header.le, p.align, NT_GNU_BUILD_ID);
    if (id) return id;
  }
  for (const { s, name } of named) {
    if (s.type !== SHT_NOTE || name !== ".note.gnu.build-id") continue;
    const notes = await readUpTo(reader, s.offset, Math.min(s.size, MAX_NOTE_BYTES));
    const id = findNote(notes, header.le, s.addralign, NT_GNU_BUILD_ID);
    if (id) return id;
  }
  for (const p of phdrs) {
    if (p.type === PT_SCE_DYNLIBDATA && p.filesz >= 20) {
      return readRange(reader, p.offset, 20);
    }
  }
  return undefined;
}

/**
 * `.gnu_debugaltlink` (written by dwz): the alternate file's path, NUL, then its build id. Files
 * that dwz processed keep part of their DWARF there (DW_FORM_GNU_strp_alt / GNU_ref_alt).
 */
async function readAltLink(
  reader: RangedReader,
  named: { s: RawSection; name: string | undefined }[],
): Promise<ElfDetails["altLink"]> {
  const section = named.find(({ s, name }) => name === ".gnu_debugaltlink" && s.type !== SHT_NOBITS)?.s;
  if (!section || section.size > 4096) return null;
  const bytes = await readRange(reader, section.offset, section.size);
  const nul = bytes?.indexOf(0) ?? -1;
  if (!bytes || nul < 0 || nul + 1 >= bytes.byteLength) return null;
  return { file: new TextDecoder().decode(bytes.subarray(0, nul)), buildId: bytesToHex(bytes.subarray(nul + 1)) };
}

/** goblin keeps the last PT_INTERP whose path reads as UTF-8; objcopy's debug files have none. */
async function hasInterpreter(reader: RangedReader, phdrs: ProgramHeader[]): Promise<boolean> {
  let found = false;
  for (const p of phdrs) {
    if (p.type !== PT_INTERP || p.filesz === 0) continue;
    const bytes = await readRange(reader, p.offset, Math.min(p.filesz - 1, 4096));
    found = bytes !== undefined && inFile(reader, p.offset, p.filesz - 1) && isUtf8(bytes);
  }
  return found;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
