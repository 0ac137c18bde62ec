/**
 * A slim copy of an ELF file for the symcache builder: the same headers, and the bytes of only
 * the sections the builder reads (DWARF, symbol and string tables, the build-id note). Code, data
 * and everything else become SHT_NOBITS placeholders of the same size, so section indices, flags
 * and addresses (which symbols refer to) are unchanged. For an unstripped binary the debug
 * sections are a fraction of the file: this is what lets a 200 MB binary with 30 MB of DWARF be
 * converted inside a 128 MB isolate.
 *
 * Layout of the slim file: ELF header | program headers | kept section data (each aligned as
 * its section asks, up to 16) | section header table. Every offset and count read from the
 * original file is checked against its size first.
 */
import type { RangedReader } from "../common/ranged-reader";

const SHT_NOBITS = 8;
const SHT_NULL = 0;

/** Sections whose bytes the builder reads. */
function keep(name: string, type: number): boolean {
  if (type === 2 /* SYMTAB */ || type === 11 /* DYNSYM */ || type === 18 /* SYMTAB_SHNDX */) return true;
  return (
    name.startsWith(".debug_") ||
    name.startsWith(".zdebug_") ||
    name === ".strtab" ||
    name === ".dynstr" ||
    name === ".shstrtab" ||
    name === ".note.gnu.build-id" ||
    name === ".gnu_debugaltlink"
  );
}

export interface SlimPiece {
  /** Where the bytes go in the slim file. */
  target: number;
  /** Either bytes to write, or a range of the original file to copy. */
  bytes?: Uint8Array;
  source?: { offset: number; length: number };
}

export interface SlimElf {
  size: number;
  pieces: SlimPiece[];
  /** The dwz alternate file this one refers to (`.gnu_debugaltlink`: file name, build id). */
  altLink: { file: string; buildId: string } | null;
}

export type SlimResult = { ok: true; slim: SlimElf } | { ok: false; detail: string };

export async function planSlimElf(reader: RangedReader): Promise<SlimResult> {
  const head = await reader.read(0, 64);
  if (head.byteLength < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
    return { ok: false, detail: "not an ELF file" };
  }
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u16 = (v: DataView, o: number) => v.getUint16(o, le);
  const u32 = (v: DataView, o: number) => v.getUint32(o, le);
  const word = (v: DataView, o: number) => (is64 ? Number(v.getBigUint64(o, le)) : v.getUint32(o, le));
  const ehsize = is64 ? 64 : 52;
  if (head.byteLength < ehsize) return { ok: false, detail: "truncated ELF header" };
  const phoff = word(view, is64 ? 32 : 28);
  const shoff = word(view, is64 ? 40 : 32);
  const phentsize = u16(view, is64 ? 54 : 42);
  const phnum = u16(view, is64 ? 56 : 44);
  const shentsize = u16(view, is64 ? 58 : 46);
  const shnum = u16(view, is64 ? 60 : 48);
  const shstrndx = u16(view, is64 ? 62 : 50);
  const shdrSize = is64 ? 64 : 40;
  if (shnum === 0 || shentsize < shdrSize || shoff + shnum * shentsize > reader.size) {
    return { ok: false, detail: "the ELF section header table is missing or lies outside the file" };
  }
  if (phnum > 0 && (phentsize < (is64 ? 56 : 32) || phoff + phnum * phentsize > reader.size)) {
    return { ok: false, detail: "the ELF program header table lies outside the file" };
  }

  const table = await reader.read(shoff, shnum * shentsize);
  const tv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = i * shentsize;
    return {
      at,
      name: u32(tv, at),
      type: u32(tv, at + 4),
      offset: word(tv, at + (is64 ? 24 : 16)),
      size: word(tv, at + (is64 ? 32 : 20)),
      align: word(tv, at + (is64 ? 48 : 32)),
    };
  });
  const strtab = sections[shstrndx];
  if (!strtab || strtab.offset + strtab.size > reader.size)
    return { ok: false, detail: "the ELF section name table lies outside the file" };
  const names = await reader.read(strtab.offset, Math.min(strtab.size, 1 << 20));
  const nameOf = (offset: number) => {
    let end = offset;
    while (end < names.byteLength && names[end] !== 0) end++;
    return new TextDecoder().decode(names.subarray(offset, end));
  };

  let altLink: SlimElf["altLink"] = null;
  const pieces: SlimPiece[] = [];
  const newHead = head.slice(0, ehsize);
  const nh = new DataView(newHead.buffer);
  let at = ehsize;
  if (phnum > 0) {
    pieces.push({ target: at, source: { offset: phoff, length: phnum * phentsize } });
    setWord(nh, is64 ? 32 : 28, at, is64, le);
    at += phnum * phentsize;
  } else {
    setWord(nh, is64 ? 32 : 28, 0, is64, le);
  }
  const newTable = table.slice();
  const nt = new DataView(newTable.buffer);
  for (const s of sections) {
    if (s.type === SHT_NULL || s.type === SHT_NOBITS) continue;
    const inFile = s.offset + s.size <= reader.size;
    const name = nameOf(s.name);
    if (inFile && name === ".gnu_debugaltlink" && s.size < 4096)
      altLink = parseAltLink(await reader.read(s.offset, s.size));
    if (inFile && keep(name, s.type)) {
      const align = Math.min(Math.max(1, s.align), 16);
      at = Math.ceil(at / align) * align;
      pieces.push({ target: at, source: { offset: s.offset, length: s.size } });
      setWord(nt, s.at + (is64 ? 24 : 16), at, is64, le);
      at += s.size;
    } else {
      nt.setUint32(s.at + 4, SHT_NOBITS, le);
      setWord(nt, s.at + (is64 ? 24 : 16), 0, is64, le);
    }
  }
  at = Math.ceil(at / 8) * 8;
  setWord(nh, is64 ? 40 : 32, at, is64, le);
  pieces.push({ target: at, bytes: newTable });
  pieces.unshift({ target: 0, bytes: newHead });
  return { ok: true, slim: { size: at + newTable.byteLength, pieces, altLink } };
}

/** `.gnu_debugaltlink`: the alternate file's path, NUL, then its build id bytes. */
function parseAltLink(bytes: Uint8Array): SlimElf["altLink"] {
  const nul = bytes.indexOf(0);
  if (nul < 0 || nul + 1 >= bytes.byteLength) return null;
  const file = new TextDecoder().decode(bytes.subarray(0, nul));
  const buildId = [...bytes.subarray(nul + 1)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { file, buildId };
}

function setWord(view: DataView, offset: number, value: number, is64: boolean, le: boolean): void {
  if (is64) view.setBigUint64(offset, BigInt(value), le);
  else view.setUint32(offset, value, le);
}

/**
 * Writes the slim file into `target` (exactly `slim.size` bytes). `copy` puts `length` bytes of
 * the original file at `offset` into `into`, however it likes (the consumer streams from R2).
 */
export async function fillSlimElf(
  slim: SlimElf,
  target: Uint8Array,
  copy: (offset: number, length: number, into: Uint8Array) => Promise<void>,
): Promise<void> {
  target.fill(0);
  for (const piece of slim.pieces) {
    if (piece.bytes) target.set(piece.bytes, piece.target);
    else if (piece.source) {
      await copy(
        piece.source.offset,
        piece.source.length,
        target.subarray(piece.target, piece.target + piece.source.length),
      );
    }
  }
}
