/**
 * Symcaches as the symbolicate route reads them from R2: the trailer and index once per isolate
 * (a few KiB per file), then one ranged read per page a request needs. All caches are bounded by
 * bytes, so an isolate holds a few MiB of symcaches whatever their size. Entries are keyed by the
 * symcache's object key (org, project, checksum), not the checksum alone: the same bytes give
 * different symcaches in projects that hold different companions (a dwz alternate file, the
 * BCSymbolMap of a bitcode dSYM). A symcache never changes while its record exists, but a file
 * deleted and uploaded again gets a new record and may get a different symcache at the same
 * key (its companions changed meanwhile), so the key also names the record's creation time and
 * symcache size, and page reads are conditional on the ETag the index was read from: an isolate
 * never reads one symcache's pages through another's index (a module resolution remembered from
 * before the delete fails its next R2 read with `SymcacheGoneError` instead of answering from the
 * wrong bytes, and the caller resolves the module again).
 */
import { symcacheKey } from "../storage/keys";
import { PackedPageCache, PageCache, PagedSymcache, SymcacheIndex, TAIL_READ } from "../symcache/reader";

/**
 * Pages kept per isolate: inflated (what lookups read; a 50-frame request needs at most 50 of
 * 64 KiB) and, behind them, as stored (a fifth of the size, so about five times as many pages:
 * the symcache of a 270 MiB library, 36 MiB, stays mostly in memory instead of costing an R2
 * request per page a request touches).
 */
export const PAGE_CACHE_BYTES = 8 * 1024 * 1024;
export const PACKED_PAGE_CACHE_BYTES = 32 * 1024 * 1024;
/** Indexes kept per isolate. */
export const INDEX_CACHE_BYTES = 4 * 1024 * 1024;

const pages = new PageCache(PAGE_CACHE_BYTES);
const packedPages = new PackedPageCache(PACKED_PAGE_CACHE_BYTES);
const indexes = new Map<string, { index: SymcacheIndex; etag: string }>();
let indexBytes = 0;

/** The symcache a resolution pointed at was deleted or replaced since its index was read. */
export class SymcacheGoneError extends Error {
  override readonly name = "SymcacheGoneError";
}

export type OpenedSymcache =
  { status: "found"; symcache: PagedSymcache } | { status: "missing" } | { status: "malformed"; detail: string };

export async function openSymcache(
  bucket: R2Bucket,
  file: { org: string; project: string; checksum: string; createdAt?: string; symcache?: { size?: number } },
): Promise<OpenedSymcache> {
  const key = symcacheKey(file.org, file.project, file.checksum);
  const cacheKey = `${key}@${file.createdAt ?? ""}/${file.symcache?.size ?? ""}`;
  const reader = (etag: string) => async (offset: number, length: number) => {
    const object = await bucket.get(key, { range: { offset, length }, onlyIf: { etagMatches: etag } });
    if (!object) throw new SymcacheGoneError(`symcache ${key} disappeared`);
    if (!("arrayBuffer" in object)) throw new SymcacheGoneError(`symcache ${key} changed since its index was read`);
    return new Uint8Array(await object.arrayBuffer());
  };
  let cached = indexes.get(cacheKey);
  if (!cached) {
    const tail = await bucket.get(key, { range: { suffix: TAIL_READ } });
    if (!tail) return { status: "missing" };
    const size = tail.size;
    let bytes = new Uint8Array(await tail.arrayBuffer());
    const more = SymcacheIndex.missingIndexBytes(bytes, size);
    if (more > 0) {
      const head = await reader(tail.etag)(size - bytes.byteLength - more, more);
      const joined = new Uint8Array(head.byteLength + bytes.byteLength);
      joined.set(head);
      joined.set(bytes, head.byteLength);
      bytes = joined;
    }
    const parsed = SymcacheIndex.parse(bytes, size);
    if (!parsed.ok) {
      return {
        status: "malformed",
        detail:
          parsed.reason === "unsupported_version"
            ? `symcache format version ${parsed.version ?? "?"} is not read by this service; delete and upload the file again to rebuild it`
            : `the symcache is ${parsed.reason.replace("_", " ")}`,
      };
    }
    cached = { index: parsed.index, etag: tail.etag };
    remember(cacheKey, cached);
  }
  return {
    status: "found",
    symcache: new PagedSymcache(cached.index, cacheKey, reader(cached.etag), pages, packedPages),
  };
}

function remember(key: string, entry: { index: SymcacheIndex; etag: string }): void {
  if (entry.index.bytes > INDEX_CACHE_BYTES) return;
  indexes.set(key, entry);
  indexBytes += entry.index.bytes;
  for (const [k, v] of indexes) {
    if (indexBytes <= INDEX_CACHE_BYTES) break;
    indexes.delete(k);
    indexBytes -= v.index.bytes;
  }
}
