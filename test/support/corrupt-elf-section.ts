/**
 * A copy of an ELF file whose `name` section content is overwritten with garbage past its first
 * `keep` bytes (for a compressed section, keep its 24-byte header so it still says "zstd").
 * The headers stay sound, so sentry-cli identifies and uploads the file; converting it fails.
 */
export function corruptElfSection(elf: Uint8Array, name: string, keep: number): Uint8Array {
  const out = elf.slice();
  const view = new DataView(out.buffer);
  const shoff = Number(view.getBigUint64(40, true));
  const shnum = view.getUint16(60, true);
  const shstrndx = view.getUint16(62, true);
  const names = Number(view.getBigUint64(shoff + shstrndx * 64 + 24, true));
  const wanted = new TextEncoder().encode(`${name}\0`);
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    const nameAt = names + view.getUint32(at, true);
    if (out.subarray(nameAt, nameAt + wanted.length).every((b, j) => b === wanted[j])) {
      const offset = Number(view.getBigUint64(at + 24, true));
      const size = Number(view.getBigUint64(at + 32, true));
      for (let j = keep; j < size; j++) out[offset + j] = (j * 151 + 7) & 0xff;
      return out;
    }
  }
  throw new Error(`no section ${name}`);
}

/** Where an ELF64 little-endian file's section `name` lies: its header's and its data's offsets. */
function findSection(elf: Uint8Array, name: string): { header: number; offset: number; size: number } {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(view.getBigUint64(40, true));
  const shnum = view.getUint16(60, true);
  const names = Number(view.getBigUint64(shoff + view.getUint16(62, true) * 64 + 24, true));
  const wanted = new TextEncoder().encode(`${name}\0`);
  for (let i = 0; i < shnum; i++) {
    const header = shoff + i * 64;
    const nameAt = names + view.getUint32(header, true);
    if (elf.subarray(nameAt, nameAt + wanted.length).every((b, j) => b === wanted[j])) {
      return {
        header,
        offset: Number(view.getBigUint64(header + 24, true)),
        size: Number(view.getBigUint64(header + 32, true)),
      };
    }
  }
  throw new Error(`no section ${name}`);
}

/** A copy with the section's bytes from `from` on set to `byte` (0xff: what an overwritten disk block holds). */
export function fillElfSection(elf: Uint8Array, name: string, from = 0, byte = 0xff): Uint8Array {
  const out = elf.slice();
  const { offset, size } = findSection(out, name);
  out.fill(byte, offset + from, offset + size);
  return out;
}

/** A copy whose section `name` is marked SHT_NULL: readers then find no such section (e.g. no symbol table). */
export function hideElfSection(elf: Uint8Array, name: string): Uint8Array {
  const out = elf.slice();
  const { header } = findSection(out, name);
  new DataView(out.buffer).setUint32(header + 4, 0, true);
  return out;
}

/** Offset of the second compilation unit in `.debug_info` (32-bit DWARF: 4-byte length first). */
export function secondUnitOffset(elf: Uint8Array): number {
  const { offset } = findSection(elf, ".debug_info");
  return 4 + new DataView(elf.buffer, elf.byteOffset).getUint32(offset, true);
}
