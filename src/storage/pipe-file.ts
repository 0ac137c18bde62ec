/**
 * The bytes [start, end) of a stored file written into `writable`, one chunk range at a time,
 * each R2 body piped natively (no JavaScript per buffer). Same manifest walk as `streamFile`
 * (file-store.ts), for downloads where throughput matters: piping a JS pull stream into the
 * response measured 54 MiB/s against 700 MiB/s for native pipes on the same objects
 * (bench/download). Memory stays at the runtime's pipe buffer whatever the file size.
 *
 * The writable is closed at the end and aborted on a missing chunk, so the client sees a
 * truncated body (with Content-Length set, a hard error) instead of wrong bytes.
 */
import { chunkKey } from "./keys";
import { MissingChunkError, type FileManifest } from "./file-store";

export async function pipeFile(
  bucket: R2Bucket,
  manifest: FileManifest,
  start: number,
  end: number,
  writable: WritableStream<Uint8Array>,
): Promise<void> {
  try {
    let chunkStart = 0;
    for (const chunk of manifest.chunks) {
      const chunkEnd = chunkStart + chunk.size;
      if (chunkEnd > start && chunkStart < end) {
        const from = Math.max(start, chunkStart) - chunkStart;
        const length = Math.min(end, chunkEnd) - chunkStart - from;
        const whole = from === 0 && length === chunk.size;
        const object = await bucket.get(chunkKey(chunk.sha1), whole ? {} : { range: { offset: from, length } });
        if (!object) throw new MissingChunkError(chunk.sha1);
        await object.body.pipeTo(writable, { preventClose: true });
      }
      if (chunkEnd >= end) break;
      chunkStart = chunkEnd;
    }
    await writable.close();
  } catch (err) {
    await writable.abort(err).catch(() => undefined);
    throw err;
  }
}
