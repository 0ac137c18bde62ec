/**
 * Random access to the streams of an MSF 7.00 container (the file format of Windows PDBs),
 * through ranged reads: only the pages a caller asks for are fetched.
 *
 * Layout (little-endian):
 *
 *   superblock @0: magic[32] "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0", BlockSize u32 @32,
 *     FreeBlockMapBlock u32 @36, NumBlocks u32 @40, NumDirectoryBytes u32 @44,
 *     Unknown u32 @48, BlockMapAddr u32 @52
 *   block map (page BlockMapAddr): the page numbers of the stream directory, one u32 each
 *   stream directory (NumDirectoryBytes, spread over those pages):
 *     NumStreams u32 | StreamSizes[NumStreams] u32 (0xFFFFFFFF = no stream) |
 *     for each stream, ceil(size / BlockSize) page numbers u32
 *
 * A stream's bytes are the concatenation of its pages. Every page number is checked against
 * NumBlocks and the file size before it is read, and every count is bounded by the bytes that
 * hold it, so a hostile directory cannot make us loop or read more than it could describe.
 */
import { Cursor } from "./cursor";
import { readRange } from "./read-range";
import type { RangedReader } from "../common/ranged-reader";

const NIL_STREAM = 0xffff_ffff;

export interface MsfStream {
  size: number;
  pages: number[];
}

export class Msf {
  private constructor(
    private readonly reader: RangedReader,
    readonly blockSize: number,
    private readonly numBlocks: number,
    private readonly directory: MsfStream,
  ) {}

  static async open(reader: RangedReader): Promise<Msf | string> {
    const head = await readRange(reader, 0, 56);
    const sb =
      head &&
      new Cursor(head, true).struct(32, {
        blockSize: [0, "u32"],
        numBlocks: [8, "u32"],
        directoryBytes: [12, "u32"],
        blockMapAddr: [20, "u32"],
      });
    if (!sb) return "truncated PDB superblock";
    const { blockSize } = sb;
    if (blockSize < 512 || blockSize > 65536 || (blockSize & (blockSize - 1)) !== 0) {
      return `invalid PDB page size (${blockSize} bytes)`;
    }
    const numBlocks = Math.min(sb.numBlocks, Math.floor(reader.size / blockSize));
    const pageCount = Math.ceil(sb.directoryBytes / blockSize);
    if (pageCount > blockSize / 4) return "the PDB stream directory is larger than its block map can describe";
    if (sb.blockMapAddr >= numBlocks) return "the PDB block map lies past the end of the file";
    const map = await readRange(reader, sb.blockMapAddr * blockSize, pageCount * 4);
    if (!map) return "truncated PDB block map";
    const mc = new Cursor(map, true);
    const pages: number[] = [];
    for (let i = 0; i < pageCount; i++) {
      const page = mc.u32(i * 4);
      if (page === undefined || page >= numBlocks) return "the PDB stream directory points past the end of the file";
      pages.push(page);
    }
    return new Msf(reader, blockSize, numBlocks, { size: sb.directoryBytes, pages });
  }

  /** Reads `length` bytes at `offset` of a stream; undefined when the stream is shorter or broken. */
  async read(stream: MsfStream, offset: number, length: number): Promise<Uint8Array | undefined> {
    if (offset < 0 || length < 0 || offset + length > stream.size) return undefined;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const page = stream.pages[Math.floor(at / this.blockSize)];
      if (page === undefined || page >= this.numBlocks) return undefined;
      const within = at % this.blockSize;
      const take = Math.min(this.blockSize - within, length - done);
      const bytes = await readRange(this.reader, page * this.blockSize + within, take);
      if (!bytes) return undefined;
      out.set(bytes, done);
      done += take;
    }
    return out;
  }

  /**
   * Locates stream `index` by reading only the directory entries it depends on: the sizes of
   * streams 0..index and their page lists' lengths. Undefined for a missing (nil) stream.
   */
  async stream(index: number): Promise<MsfStream | undefined | string> {
    const dir = this.directory;
    const countBytes = await this.read(dir, 0, 4);
    const numStreams = countBytes && new Cursor(countBytes, true).u32(0);
    if (numStreams === undefined) return "truncated PDB stream directory";
    if (numStreams > (dir.size - 4) / 4) return "the PDB stream directory lists more streams than it holds";
    if (index >= numStreams) return undefined;
    const sizesBytes = await this.read(dir, 4, (index + 1) * 4);
    if (!sizesBytes) return "truncated PDB stream directory";
    const sc = new Cursor(sizesBytes, true);
    let pagesBefore = 0;
    let size = 0;
    for (let i = 0; i <= index; i++) {
      const s = sc.u32(i * 4) ?? NIL_STREAM;
      const pages = s === NIL_STREAM ? 0 : Math.ceil(s / this.blockSize);
      if (i < index) pagesBefore += pages;
      else size = s;
    }
    if (size === NIL_STREAM) return undefined;
    const pageCount = Math.ceil(size / this.blockSize);
    if (pageCount > this.numBlocks) return "a PDB stream is larger than the file";
    const listAt = 4 + numStreams * 4 + pagesBefore * 4;
    const list = await this.read(dir, listAt, pageCount * 4);
    if (!list) return "truncated PDB stream directory";
    const lc = new Cursor(list, true);
    const pages: number[] = [];
    for (let i = 0; i < pageCount; i++) pages.push(lc.u32(i * 4) ?? 0);
    return { size, pages };
  }
}
