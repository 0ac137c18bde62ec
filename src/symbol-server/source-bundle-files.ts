/**
 * Sources inside a stored source bundle (`sentry-cli upload --include-sources`): the bundle's
 * manifest maps each source's original absolute path to a ZIP member; a member is found through
 * the ZIP directory with ranged reads and streamed out inflated, never held whole.
 */
import { SOURCE_BUNDLE_ZIP_BASE } from "../identify/source-bundle";
import { entryDataOffset, readEntry, zipEntries, type ZipEntry } from "../identify/zip";
import { streamFile, type FileManifest } from "../storage/file-store";
import type { RangedReader } from "../common/ranged-reader";

const MAX_MANIFEST = 8 * 1024 * 1024;

export interface BundledSource {
  entry: ZipEntry;
  dataOffset: number;
}

/** The member holding the source at `path` (an absolute path as the debug info names it). */
export async function findBundledSource(reader: RangedReader, path: string): Promise<BundledSource | null> {
  const entries = await zipEntries(reader, SOURCE_BUNDLE_ZIP_BASE);
  if (typeof entries === "string") return null;
  const manifestEntry = entries.find((e) => e.name === "manifest.json");
  if (!manifestEntry) return null;
  const bytes = await readEntry(reader, manifestEntry, MAX_MANIFEST);
  if (typeof bytes === "string") return null;
  let files: Record<string, { path?: string; type?: string }>;
  try {
    files = (JSON.parse(new TextDecoder().decode(bytes)) as { files?: typeof files }).files ?? {};
  } catch {
    return null;
  }
  const member = Object.entries(files).find(([, info]) => info.path === path)?.[0];
  const entry = member === undefined ? undefined : entries.find((e) => e.name === member);
  if (!entry || (entry.method !== 0 && entry.method !== 8)) return null;
  const dataOffset = await entryDataOffset(reader, entry);
  return typeof dataOffset === "number" ? { entry, dataOffset } : null;
}

/** The source's bytes, inflated, as a stream of exactly `entry.size` bytes. */
export function streamBundledSource(
  bucket: R2Bucket,
  manifest: FileManifest,
  source: BundledSource,
): ReadableStream<Uint8Array> {
  const raw = streamFile(bucket, manifest, source.dataOffset, source.dataOffset + source.entry.compressedSize);
  const plain = source.entry.method === 8 ? raw.pipeThrough(new DecompressionStream("deflate-raw")) : raw;
  const fixed = new FixedLengthStream(source.entry.size);
  plain.pipeTo(fixed.writable).catch(() => undefined); // a broken member ends the response early
  return fixed.readable;
}
