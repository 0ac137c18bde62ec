/**
 * An assembled debug file is stored as its manifest: the ordered list of its chunks (duplicates
 * included) with their sizes. The bytes stay where the upload put them, in the content-addressed
 * chunk objects, exactly as Sentry's File is an ordered list of FileBlobs. Assembly therefore
 * reads every byte once (to verify the whole-file SHA-1) and writes a few hundred bytes, instead
 * of copying gigabytes; two projects holding the same file share its chunks.
 *
 * Readers map file offsets to chunks: `ManifestReader` for random access (identification,
 * symcache input), `streamFile` for downloads (ranges included), neither holding the file.
 */
import { chunkKey, fileLayoutKey, fileManifestKey } from "./keys";
import type { RangedReader } from "../common/ranged-reader";

export interface FileManifest {
  version: 1;
  checksum: string;
  size: number;
  chunks: { sha1: string; size: number }[];
}

export async function putManifest(
  bucket: R2Bucket,
  org: string,
  project: string,
  manifest: FileManifest,
): Promise<void> {
  await bucket.put(fileManifestKey(org, project, manifest.checksum), JSON.stringify(manifest), {
    httpMetadata: { contentType: "application/json" },
  });
}

export async function getManifest(
  bucket: R2Bucket,
  org: string,
  project: string,
  checksum: string,
): Promise<FileManifest | null> {
  const object = await bucket.get(fileManifestKey(org, project, checksum));
  return object ? await object.json<FileManifest>() : null;
}

/** Stores what identification found (any JSON value the identify layer produced). */
export async function putLayout(
  bucket: R2Bucket,
  org: string,
  project: string,
  checksum: string,
  layout: unknown,
): Promise<void> {
  await bucket.put(fileLayoutKey(org, project, checksum), JSON.stringify(layout), {
    httpMetadata: { contentType: "application/json" },
  });
}

export async function getLayout<T>(
  bucket: R2Bucket,
  org: string,
  project: string,
  checksum: string,
): Promise<T | null> {
  const object = await bucket.get(fileLayoutKey(org, project, checksum));
  return object ? await object.json<T>() : null;
}

/** Deletes every object under `prefix` (R2 lists at most 1,000 keys a call). */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** Start offset of every chunk, plus the total size at the end. */
function chunkOffsets(manifest: FileManifest): number[] {
  const offsets = [0];
  let at = 0;
  for (const chunk of manifest.chunks) offsets.push((at += chunk.size));
  return offsets;
}

/** Index of the chunk holding byte `offset` (offsets are sorted; the last entry is the size). */
function chunkAt(offsets: number[], offset: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Random access through the manifest. Reads are rounded to 64 KiB pages and the last few pages
 * are cached, because parsers make many small reads close together (headers, tables, notes).
 */
export class ManifestReader implements RangedReader {
  readonly size: number;
  private readonly offsets: number[];
  private readonly pages = new Map<number, Uint8Array>();
  /** R2 reads made so far (for tests and logs). */
  reads = 0;
  static readonly PAGE = 64 * 1024;
  static readonly MAX_PAGES = 32;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly manifest: FileManifest,
  ) {
    this.size = manifest.size;
    this.offsets = chunkOffsets(manifest);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, Math.floor(offset)), this.size);
    const end = Math.min(start + Math.max(0, Math.floor(length)), this.size);
    if (end <= start) return new Uint8Array(0);
    const first = Math.floor(start / ManifestReader.PAGE);
    const last = Math.floor((end - 1) / ManifestReader.PAGE);
    if (first === last) {
      const page = await this.page(first);
      const base = first * ManifestReader.PAGE;
      return page.subarray(start - base, end - base);
    }
    if (last - first >= ManifestReader.MAX_PAGES) return this.readDirect(start, end);
    const out = new Uint8Array(end - start);
    for (let p = first; p <= last; p++) {
      const page = await this.page(p);
      const base = p * ManifestReader.PAGE;
      const from = Math.max(start, base);
      const to = Math.min(end, base + page.byteLength);
      out.set(page.subarray(from - base, to - base), from - start);
    }
    return out;
  }

  private async page(index: number): Promise<Uint8Array> {
    const cached = this.pages.get(index);
    if (cached) {
      // Refresh its place in the insertion order: the map is the LRU list.
      this.pages.delete(index);
      this.pages.set(index, cached);
      return cached;
    }
    const base = index * ManifestReader.PAGE;
    const bytes = await this.readDirect(base, Math.min(base + ManifestReader.PAGE, this.size));
    this.pages.set(index, bytes);
    if (this.pages.size > ManifestReader.MAX_PAGES) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
    return bytes;
  }

  /**
   * Reads `length` bytes at `offset` straight from the chunk objects, without the page cache
   * (for callers with a cache of their own); shorter only at the end of the file.
   */
  readUncached(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, Math.floor(offset)), this.size);
    const end = Math.min(start + Math.max(0, Math.floor(length)), this.size);
    return end > start ? this.readDirect(start, end) : Promise.resolve(new Uint8Array(0));
  }

  /** Reads [start, end) straight from the chunk objects, one ranged R2 read per chunk touched. */
  private async readDirect(start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(end - start);
    let at = start;
    while (at < end) {
      const i = chunkAt(this.offsets, at);
      const chunkStart = this.offsets[i] as number;
      const chunkEnd = this.offsets[i + 1] as number;
      const take = Math.min(end, chunkEnd) - at;
      const sha1 = (this.manifest.chunks[i] as { sha1: string }).sha1;
      const object = await this.bucket.get(chunkKey(sha1), { range: { offset: at - chunkStart, length: take } });
      if (!object) throw new MissingChunkError(sha1);
      const bytes = new Uint8Array(await object.arrayBuffer());
      this.reads++;
      out.set(bytes.subarray(0, take), at - start);
      at += take;
    }
    return out;
  }
}

export class MissingChunkError extends Error {
  constructor(readonly sha1: string) {
    super(`chunk ${sha1} is missing from storage`);
  }
}

/**
 * The bytes [start, end) of a stored file as one stream, fetching one chunk (range) at a time:
 * memory stays at one R2 read buffer whatever the file size.
 */
export function streamFile(
  bucket: R2Bucket,
  manifest: FileManifest,
  start = 0,
  end = manifest.size,
): ReadableStream<Uint8Array> {
  const offsets = chunkOffsets(manifest);
  let at = start;
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (current) {
          const { done, value } = await current.read();
          if (!done) {
            controller.enqueue(value);
            return;
          }
          current = null;
        }
        if (at >= end) {
          controller.close();
          return;
        }
        const i = chunkAt(offsets, at);
        const chunkStart = offsets[i] as number;
        const take = Math.min(end, offsets[i + 1] as number) - at;
        const sha1 = (manifest.chunks[i] as { sha1: string }).sha1;
        const object = await bucket.get(chunkKey(sha1), { range: { offset: at - chunkStart, length: take } });
        if (!object) throw new MissingChunkError(sha1);
        at += take;
        current = object.body.getReader();
      }
    },
    async cancel(reason) {
      await current?.cancel(reason);
    },
  });
}
