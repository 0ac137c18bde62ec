/**
 * Bounds-checked access to a slice of a debug file that has already been read.
 *
 * Every parser in identify/ reads a header or table with one ranged read and then decodes it
 * here. Nothing in this file can read outside the slice: every accessor returns `undefined`
 * when the bytes are not there, so a truncated or lying header turns into a failure at the
 * call site instead of an exception or garbage.
 *
 * 64-bit fields are returned as plain numbers. Values above 2^53 lose precision, which is
 * harmless here: every such value is an offset or size far beyond any file we accept, and the
 * callers compare it against the file size before using it.
 */

export type FieldType = "u8" | "u16" | "u32" | "i32" | "u64";

/** A struct layout: field name -> [byte offset within the struct, type]. */
export type Layout = Record<string, readonly [number, FieldType]>;

export type Decoded<L extends Layout> = { [K in keyof L]: number };

const FIELD_SIZE: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8 };

/** The number of bytes a layout covers (the end of its last field). */
export function layoutSize(layout: Layout): number {
  let end = 0;
  for (const [offset, type] of Object.values(layout)) end = Math.max(end, offset + FIELD_SIZE[type]);
  return end;
}

export class Cursor {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  /** True when `length` bytes starting at `offset` lie inside the slice. */
  has(offset: number, length: number): boolean {
    return (
      Number.isSafeInteger(offset) &&
      Number.isSafeInteger(length) &&
      offset >= 0 &&
      length >= 0 &&
      offset + length <= this.bytes.byteLength
    );
  }

  u8(offset: number): number | undefined {
    return this.has(offset, 1) ? this.view.getUint8(offset) : undefined;
  }

  u16(offset: number): number | undefined {
    return this.has(offset, 2) ? this.view.getUint16(offset, this.littleEndian) : undefined;
  }

  u32(offset: number): number | undefined {
    return this.has(offset, 4) ? this.view.getUint32(offset, this.littleEndian) : undefined;
  }

  i32(offset: number): number | undefined {
    return this.has(offset, 4) ? this.view.getInt32(offset, this.littleEndian) : undefined;
  }

  u64(offset: number): number | undefined {
    if (!this.has(offset, 8)) return undefined;
    const a = this.view.getUint32(offset, this.littleEndian);
    const b = this.view.getUint32(offset + 4, this.littleEndian);
    const [lo, hi] = this.littleEndian ? [a, b] : [b, a];
    return hi * 0x1_0000_0000 + lo;
  }

  /** A sub-slice (no copy), or undefined when it does not fit. */
  slice(offset: number, length: number): Uint8Array | undefined {
    return this.has(offset, length) ? this.bytes.subarray(offset, offset + length) : undefined;
  }

  /** Decodes a whole struct with one bounds check; undefined when any field is missing. */
  struct<L extends Layout>(offset: number, layout: L): Decoded<L> | undefined {
    if (!this.has(offset, layoutSize(layout))) return undefined;
    const out: Record<string, number> = {};
    for (const [name, [at, type]] of Object.entries(layout)) {
      const value = this.read(offset + at, type);
      if (value === undefined) return undefined;
      out[name] = value;
    }
    return out as Decoded<L>;
  }

  /** A NUL-terminated (or slice-terminated) Latin-1 string starting at `offset`, at most `max` bytes. */
  cString(offset: number, max: number): string | undefined {
    if (!this.has(offset, 0)) return undefined;
    const end = Math.min(this.bytes.byteLength, offset + max);
    let s = "";
    for (let i = offset; i < end; i++) {
      const c = this.bytes[i] ?? 0;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }

  private read(offset: number, type: FieldType): number | undefined {
    switch (type) {
      case "u8":
        return this.u8(offset);
      case "u16":
        return this.u16(offset);
      case "u32":
        return this.u32(offset);
      case "i32":
        return this.i32(offset);
      case "u64":
        return this.u64(offset);
    }
  }
}

/**
 * Reads an unsigned LEB128 (WebAssembly's varuint32) at `offset`. Returns the value and the
 * number of bytes it took, or undefined when it runs off the slice or exceeds 5 bytes.
 */
export function readUleb32(bytes: Uint8Array, offset: number): { value: number; length: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = bytes[offset + i];
    if (b === undefined) return undefined;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value > 0xffff_ffff ? undefined : { value, length: i + 1 };
  }
  return undefined;
}
