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
