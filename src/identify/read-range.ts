/**
 * The only way parsers pull bytes from a debug file: one bounded ranged read.
 *
 * `readRange` refuses ranges that lie outside the file or exceed `MAX_TABLE_BYTES`, so a header
 * that claims a 4 GiB table never makes us allocate 4 GiB. It returns undefined instead of a
 * short buffer; the caller turns that into a failure that names the table.
 */
import type { RangedReader } from "../common/ranged-reader";

/**
 * The largest single table we read (section headers, load commands, notes, name tables).
 * Real files stay far below this: a 2 GiB libxul has ~40 section headers, a dSYM's load commands
 * are a few kilobytes. 16 MiB keeps a hostile header well inside a Worker's 128 MB.
 */
export const MAX_TABLE_BYTES = 16 * 1024 * 1024;

export function fitsInFile(reader: RangedReader, offset: number, length: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= reader.size
  );
}

/** Reads exactly `length` bytes at `offset`, or returns undefined when that is impossible. */
export async function readRange(reader: RangedReader, offset: number, length: number): Promise<Uint8Array | undefined> {
  if (!fitsInFile(reader, offset, length) || length > MAX_TABLE_BYTES) return undefined;
  if (length === 0) return new Uint8Array(0);
  const bytes = await reader.read(offset, length);
  return bytes.byteLength === length ? bytes : undefined;
}

/** Reads up to `length` bytes at `offset`, clamped to the end of the file. */
export async function readUpTo(reader: RangedReader, offset: number, length: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= reader.size) return new Uint8Array(0);
  const clamped = Math.min(length, reader.size - offset, MAX_TABLE_BYTES);
  return clamped > 0 ? reader.read(offset, clamped) : new Uint8Array(0);
}
