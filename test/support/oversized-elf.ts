/**
 * A valid ELF debug file whose DWARF is too large to convert: a real fixture, grown to `size`
 * bytes, with its `.debug_str` section pointed at the added bytes. sentry-cli accepts it (its
 * headers are sound); the service must answer with the limit it hit. The added bytes are zeros,
 * so its 8 MiB chunks are all the same chunk and upload in no time.
 */
export function oversizedElf(fixture: Uint8Array, size: number): Uint8Array {
  const big = new Uint8Array(size);
  big.set(fixture);
  const view = new DataView(big.buffer);
  const shoff = Number(view.getBigUint64(40, true));
  const shnum = view.getUint16(60, true);
  const shstrndx = view.getUint16(62, true);
  const names = Number(view.getBigUint64(shoff + shstrndx * 64 + 24, true));
  const text = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    const nameAt = names + view.getUint32(at, true);
    if (text.decode(big.subarray(nameAt, nameAt + 11)) === ".debug_str\0") {
      view.setBigUint64(at + 24, BigInt(fixture.byteLength), true);
      view.setBigUint64(at + 32, BigInt(size - fixture.byteLength), true);
      return big;
    }
  }
  throw new Error("fixture has no .debug_str section");
}
