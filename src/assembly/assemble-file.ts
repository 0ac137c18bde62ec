/**
 * Assembles a file from its chunks: streams them in request order (a chunk listed twice is read
 * twice: order and multiplicity both matter) through one SHA-1 and, if the digest is the checksum
 * the client reported, returns the manifest that describes the file. Memory: two R2 read buffers
 * (the chunk being hashed and the next one, already requested). The first piece of the first
 * chunk, and a Breakpad file until its record scan is final, go through JavaScript one stream
 * piece at a time.
 */
import { bytesToHex } from "../common/hex";
import { BreakpadRecordScanner, type BreakpadRecords } from "../identify/breakpad";
import { chunkKey } from "../storage/keys";
import type { FileManifest } from "../storage/file-store";

export type AssembleOutcome =
  | { ok: true; manifest: FileManifest; breakpadRecords?: BreakpadRecords }
  | { ok: false; reason: "missing_chunk" | "checksum_mismatch"; detail: string };

const BREAKPAD_MAGIC = new TextEncoder().encode("MODULE ");

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.byteLength >= prefix.byteLength && prefix.every((b, i) => bytes[i] === b);
}

export async function assembleFile(
  bucket: R2Bucket,
  checksum: string,
  chunks: { sha1: string; size: number }[],
): Promise<AssembleOutcome> {
  const digest = new crypto.DigestStream("SHA-1");
  let size = 0;
  const stored: { sha1: string; size: number }[] = [];
  // The next chunk is requested while the current one is hashed: R2 latency and hashing overlap.
  const fetch = (i: number) => (i < chunks.length ? bucket.get(chunkKey((chunks[i] as { sha1: string }).sha1)) : null);
  let next = fetch(0);
  // A Breakpad file is also scanned for its record kinds on the way (identification would
  // otherwise read it all again): its chunks pass through JavaScript, every other file's are
  // piped straight into the digest.
  let breakpad: BreakpadRecordScanner | null = null;
  for (let i = 0; i < chunks.length; i++) {
    const object = await next;
    next = fetch(i + 1);
    if (!object) {
      void next?.then((o) => o?.body.cancel()).catch(() => undefined);
      await digest.abort().catch(() => undefined);
      return { ok: false, reason: "missing_chunk", detail: "Not all chunks available for assembling" };
    }
    if (i === 0 || (breakpad && !breakpad.done)) {
      // Through JavaScript piece by piece: the first piece says whether this is a Breakpad file.
      const reader = (object.body as ReadableStream<Uint8Array>).getReader();
      const writer = digest.getWriter();
      for (let first = i === 0; ; first = false) {
        const result = await reader.read();
        if (result.done) break;
        const piece = result.value;
        if (first && startsWith(piece, BREAKPAD_MAGIC)) breakpad = new BreakpadRecordScanner();
        breakpad?.push(piece);
        await writer.write(piece);
        if (first && !breakpad) break; // not Breakpad: the rest of the chunk goes the fast way
      }
      writer.releaseLock();
      reader.releaseLock();
      if (!breakpad) await object.body.pipeTo(digest, { preventClose: true });
    } else {
      await object.body.pipeTo(digest, { preventClose: true });
    }
    size += object.size;
    stored.push({ sha1: (chunks[i] as { sha1: string }).sha1, size: object.size });
  }
  const writer = digest.getWriter();
  await writer.close();
  const actual = bytesToHex(new Uint8Array(await digest.digest));
  if (actual !== checksum) return { ok: false, reason: "checksum_mismatch", detail: "Reported checksum mismatch" };
  const manifest: FileManifest = { version: 1, checksum, size, chunks: stored };
  return breakpad ? { ok: true, manifest, breakpadRecords: breakpad.finish() } : { ok: true, manifest };
}
