/**
 * Just enough ZIP to find and read one member through ranged reads, never the whole archive:
 * the end-of-central-directory record (within the last 64 KiB + 22 bytes), the central
 * directory, one local header, then the member's bytes, inflated with the runtime's
 * `DecompressionStream("deflate-raw")` and cut off at a bound.
 *
 *   EOCD:    sig 0x06054b50 | ... | entries u16 @10 | cd size u32 @12 | cd offset u32 @16
 *   central: sig 0x02014b50 | method u16 @10 | csize u32 @20 | usize u32 @24 | name len @28 |
 *            extra len @30 | comment len @32 | local header offset u32 @42 | name @46
 *   local:   sig 0x04034b50 | name len u16 @26 | extra len u16 @28 | data @30+name+extra
 *
 * A ZIP behind a header (a source bundle's starts at byte 8) may record its offsets from the
 * start of the file or from its own start; both are accepted, whichever finds the directory.
 */
import type { RangedReader } from "../common/ranged-reader";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const MAX_CENTRAL_DIRECTORY = 16 * 1024 * 1024;

export async function zipEntries(reader: RangedReader, base: number): Promise<ZipEntry[] | string> {
  const tailLength = Math.min(reader.size - base, 65_557);
  const tail = await reader.read(reader.size - tailLength, tailLength);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return "the ZIP archive has no end-of-central-directory record";
  const count = tv.getUint16(eocd + 10, true);
  const cdSize = tv.getUint32(eocd + 12, true);
  const recorded = tv.getUint32(eocd + 16, true);
  if (cdSize > MAX_CENTRAL_DIRECTORY) return "the ZIP central directory is implausibly large";
  let delta = -1;
  for (const candidate of [0, base]) {
    if (recorded + candidate + cdSize > reader.size) continue;
    const sig = await reader.read(recorded + candidate, 4);
    if (sig.byteLength === 4 && new DataView(sig.buffer, sig.byteOffset, 4).getUint32(0, true) === 0x02014b50) {
      delta = candidate;
      break;
    }
  }
  if (delta < 0 && count > 0) return "the ZIP central directory lies outside the file";
  const cd = await reader.read(recorded + Math.max(delta, 0), cdSize);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.byteLength || cv.getUint32(at, true) !== 0x02014b50) return "the ZIP central directory is damaged";
    const nameLength = cv.getUint16(at + 28, true);
    const skip = 46 + nameLength + cv.getUint16(at + 30, true) + cv.getUint16(at + 32, true);
    if (at + skip > cd.byteLength) return "the ZIP central directory is damaged";
    entries.push({
      name: new TextDecoder().decode(cd.subarray(at + 46, at + 46 + nameLength)),
      method: cv.getUint16(at + 10, true),
      compressedSize: cv.getUint32(at + 20, true),
      size: cv.getUint32(at + 24, true),
      localHeaderOffset: Math.max(delta, 0) + cv.getUint32(at + 42, true),
    });
    at += skip;
  }
  return entries;
}

/** Where a member's (compressed) bytes start, or a reason. */
export async function entryDataOffset(reader: RangedReader, entry: ZipEntry): Promise<number | string> {
  const local = await reader.read(entry.localHeaderOffset, 30);
  if (local.byteLength < 30) return "a ZIP local header lies outside the file";
  const lv = new DataView(local.buffer, local.byteOffset, local.byteLength);
  if (lv.getUint32(0, true) !== 0x04034b50) return "a ZIP local header is damaged";
  const start = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
  if (start + entry.compressedSize > reader.size) return "a ZIP member lies outside the file";
  return start;
}

/** A member's content, inflated, if it is at most `limit` bytes; otherwise a reason. */
export async function readEntry(reader: RangedReader, entry: ZipEntry, limit: number): Promise<Uint8Array | string> {
  if (entry.size > limit) return `${entry.name} is larger than ${limit} bytes`;
  const start = await entryDataOffset(reader, entry);
  if (typeof start === "string") return start;
  const raw = await reader.read(start, entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method !== 8) return `${entry.name} uses an unsupported ZIP compression method (${entry.method})`;
  const out = new Uint8Array(limit);
  let size = 0;
  const inflated = new Blob([raw]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  try {
    for (;;) {
      const { done, value } = await inflated.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        await inflated.cancel().catch(() => undefined);
        return `${entry.name} inflates to more than ${limit} bytes`;
      }
      out.set(value, size);
      size += value.byteLength;
    }
  } catch {
    return `${entry.name} is not a valid deflate stream`;
  }
  return out.subarray(0, size);
}
