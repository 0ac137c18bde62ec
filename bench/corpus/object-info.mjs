/**
 * What a generated debug file holds: its sections (name, file offset, size) read from the ELF64
 * or Mach-O 64 headers, its identity (GNU build id or LC_UUID, and the debug id Sentry derives
 * from it), the units in its .debug_info counted by walking the unit headers, and its function
 * symbols. Reads only headers with positional reads, so a 1 GiB file costs milliseconds.
 *
 * Layouts: ELF-64 Object File Format 1.5 (section header table at e_shoff); Mach-O <mach-o/loader.h>
 * (LC_SEGMENT_64 commands with section_64 records); DWARF 5 §7.5.1 (unit headers: unit_length,
 * version, and from version 5 on a unit_type).
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";

const ELF_MAGIC = 0x464c457f;
const MACHO_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_UUID = 0x1b;
const SHT_NOBITS = 8;
const SHT_NOTE = 7;
const SHF_EXECINSTR = 0x4;
const SHF_COMPRESSED = 0x800;
const NT_GNU_BUILD_ID = 3;
const PT_LOAD = 1;
const S_ATTR_PURE_INSTRUCTIONS = 0x80000000;
const S_ATTR_SOME_INSTRUCTIONS = 0x400;

function reader(path) {
  const fd = openSync(path, "r");
  const read = (offset, length) => {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    if (n !== length) throw new Error(`${path}: short read at ${offset} (${n} of ${length} bytes)`);
    return buf;
  };
  return { read, close: () => closeSync(fd) };
}

/**
 * Sections and identity of an ELF64 or Mach-O 64 little-endian file:
 * {format, sections: [{name, segment?, offset, size, addr, inFile, compressed, executable}],
 *  codeId, debugId, imageBase}. The debug id follows Sentry (symbolic's `DebugId`): the UUID for
 * Mach-O, and for ELF the first 16 bytes of the build id read as a little-endian GUID. The image
 * base is what addresses are relative to once loaded: the first PT_LOAD's p_vaddr (ELF), the
 * __TEXT segment's vmaddr (Mach-O).
 */
export function readObject(path) {
  const file = reader(path);
  try {
    const magic = file.read(0, 4).readUInt32LE(0);
    if (magic === ELF_MAGIC) {
      const sections = elfSections(file);
      const codeId = elfBuildId(file, sections);
      const debugId = codeId && guidFromLittleEndian(codeId);
      return { format: "elf", sections, codeId, debugId, imageBase: elfFirstLoad(file) };
    }
    if (magic === MACHO_MAGIC_64) {
      const { sections, uuid, textVmaddr } = machoSections(file);
      return { format: "macho", sections, codeId: uuid, debugId: uuid && dashed(uuid), imageBase: textVmaddr };
    }
    throw new Error(`${path}: not an ELF64 or Mach-O 64 file (magic 0x${magic.toString(16)})`);
  } finally {
    file.close();
  }
}

function elfBuildId(file, sections) {
  for (const s of sections.filter((x) => x.type === SHT_NOTE && x.inFile)) {
    const notes = file.read(s.offset, s.size);
    for (let at = 0; at + 12 <= notes.length;) {
      const namesz = notes.readUInt32LE(at);
      const descsz = notes.readUInt32LE(at + 4);
      const type = notes.readUInt32LE(at + 8);
      const desc = at + 12 + align4(namesz);
      if (type === NT_GNU_BUILD_ID && notes.toString("latin1", at + 12, at + 15) === "GNU") {
        return notes.toString("hex", desc, desc + descsz);
      }
      at = desc + align4(descsz);
    }
  }
  return undefined;
}

const align4 = (n) => (n + 3) & ~3;

function elfFirstLoad(file) {
  const eh = file.read(0, 64);
  const phoff = Number(eh.readBigUInt64LE(0x20));
  const phentsize = eh.readUInt16LE(0x36);
  const phnum = eh.readUInt16LE(0x38);
  const table = file.read(phoff, phentsize * phnum);
  for (let i = 0; i < phnum; i++) {
    if (table.readUInt32LE(i * phentsize) === PT_LOAD) return Number(table.readBigUInt64LE(i * phentsize + 16));
  }
  return 0;
}

function guidFromLittleEndian(hex) {
  const b = Buffer.alloc(16);
  Buffer.from(hex.slice(0, 32), "hex").copy(b);
  const swapped = Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
  return dashed(swapped.toString("hex"));
}

const dashed = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;

function elfSections(file) {
  const eh = file.read(0, 64);
  if (eh[4] !== 2 || eh[5] !== 1) throw new Error("only ELFCLASS64 little-endian files are supported");
  const shoff = Number(eh.readBigUInt64LE(0x28));
  const shentsize = eh.readUInt16LE(0x3a);
  const shnum = eh.readUInt16LE(0x3c);
  const shstrndx = eh.readUInt16LE(0x3e);
  const table = file.read(shoff, shentsize * shnum);
  const headers = Array.from({ length: shnum }, (_, i) => {
    const at = i * shentsize;
    return {
      nameOffset: table.readUInt32LE(at),
      type: table.readUInt32LE(at + 4),
      flags: Number(table.readBigUInt64LE(at + 8)),
      addr: Number(table.readBigUInt64LE(at + 16)),
      offset: Number(table.readBigUInt64LE(at + 24)),
      size: Number(table.readBigUInt64LE(at + 32)),
    };
  });
  const names = headers[shstrndx];
  const strtab = file.read(names.offset, names.size);
  return headers.slice(1).map((h) => ({
    name: strtab.toString("latin1", h.nameOffset, strtab.indexOf(0, h.nameOffset)),
    type: h.type,
    offset: h.offset,
    size: h.size,
    addr: h.addr,
    inFile: h.type !== SHT_NOBITS,
    compressed: (h.flags & SHF_COMPRESSED) !== 0,
    executable: (h.flags & SHF_EXECINSTR) !== 0,
  }));
}

function machoSections(file) {
  const mh = file.read(0, 32);
  const sizeofcmds = mh.readUInt32LE(20);
  const cmds = file.read(32, sizeofcmds);
  const out = [];
  let uuid;
  let textVmaddr = 0;
  for (let at = 0, i = 0; i < mh.readUInt32LE(16); i++) {
    const cmd = cmds.readUInt32LE(at);
    const cmdsize = cmds.readUInt32LE(at + 4);
    if (cmd === LC_SEGMENT_64) {
      if (cmds.toString("latin1", at + 8, at + 24).replace(/\0.*$/s, "") === "__TEXT") {
        textVmaddr = Number(cmds.readBigUInt64LE(at + 24));
      }
      const nsects = cmds.readUInt32LE(at + 64);
      for (let s = 0; s < nsects; s++) {
        const sec = at + 72 + s * 80;
        const cstr = (from) => cmds.toString("latin1", from, from + 16).replace(/\0.*$/s, "");
        const offset = cmds.readUInt32LE(sec + 48);
        const flags = cmds.readUInt32LE(sec + 64);
        out.push({
          name: cstr(sec),
          segment: cstr(sec + 16),
          addr: Number(cmds.readBigUInt64LE(sec + 32)),
          size: Number(cmds.readBigUInt64LE(sec + 40)),
          offset,
          inFile: offset !== 0,
          compressed: false,
          executable: (flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) !== 0,
        });
      }
    }
    if (cmd === LC_UUID) uuid = cmds.toString("hex", at + 8, at + 24);
    at += cmdsize;
  }
  return { sections: out, uuid, textVmaddr };
}

/** A DWARF section: `.debug_*` in ELF, any section of Mach-O's `__DWARF` segment. */
export const isDebugSection = (s) => s.name.startsWith(".debug_") || s.segment === "__DWARF";

/** Sum of the debug sections' sizes (as stored: compressed sections count compressed). */
export const debugBytes = (sections) => sections.filter(isDebugSection).reduce((sum, s) => sum + s.size, 0);

/**
 * The units of .debug_info by kind, from their headers alone: {compile, partial, type, skeleton,
 * other, dwarf64, versions: {4: n, 5: m}}.
 */
export function countUnits(path, sections) {
  const info = sections.find((s) => s.name === ".debug_info" || s.name === "__debug_info");
  const counts = { compile: 0, partial: 0, type: 0, skeleton: 0, other: 0, dwarf64: 0, versions: {} };
  if (!info || !info.inFile || info.compressed) return counts;
  const file = reader(path);
  try {
    const kinds = { 1: "compile", 2: "type", 3: "partial", 4: "skeleton" };
    for (let at = 0; at < info.size;) {
      const head = file.read(info.offset + at, Math.min(24, info.size - at));
      let length = head.readUInt32LE(0);
      let header = 4;
      if (length === 0xffffffff) {
        length = Number(head.readBigUInt64LE(4));
        header = 12;
        counts.dwarf64++;
      }
      const version = head.readUInt16LE(header);
      counts.versions[version] = (counts.versions[version] ?? 0) + 1;
      // Before DWARF 5 every unit in .debug_info is a compilation unit (type units had their own section).
      const kind = version >= 5 ? (kinds[head[header + 2]] ?? "other") : "compile";
      counts[kind]++;
      at += header + length;
    }
  } finally {
    file.close();
  }
  return counts;
}

/** Defined function symbols in the file's symbol table (`llvm-nm-19`: T/t, and W/w in ELF). */
export function countFunctionSymbols(path) {
  const text = execFileSync("llvm-nm-19", ["--defined-only", "--portability", path], { maxBuffer: 1 << 30 }).toString();
  let n = 0;
  for (const line of text.split("\n")) {
    const type = line.split(" ")[1];
    if (type === "T" || type === "t" || type === "W" || type === "w") n++;
  }
  return n;
}
