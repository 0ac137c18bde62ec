/**
 * Assembles a file from its chunks: streams them in request order (a chunk listed twice is read
 * twice: order and multiplicity both matter) through one SHA-1 and, if the digest is the checksum
 * the client reported, returns the manifest that describes the file. Memory: two R2 read buffers
 * (the chunk being hashed and the next one, already requested).
 */
import { bytesToHex } from "../common/hex";
import { chunkKey } from "../storage/keys";
import type { FileManifest } from "../storage/file-store";

export type AssembleOutcome =
  { ok: true; manifest: FileManifest } | { ok: false; reason: "missing_chunk" | "checksum_mismatch"; detail: string };

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
  for (let i = 0; i < chunks.length; i++) {
    const object = await next;
    next = fetch(i + 1);
    if (!object) {
      void next?.then((o) => o?.body.cancel()).catch(() => undefined);
      await digest.abort().catch(() => undefined);
      return { ok: false, reason: "missing_chunk", detail: "Not all chunks available for assembling" };
    }
    await object.body.pipeTo(digest, { preventClose: true });
    size += object.size;
    stored.push({ sha1: (chunks[i] as { sha1: string }).sha1, size: object.size });
  }
  const writer = digest.getWriter();
  await writer.close();
  const actual = bytesToHex(new Uint8Array(await digest.digest));
  if (actual !== checksum) return { ok: false, reason: "checksum_mismatch", detail: "Reported checksum mismatch" };
  return { ok: true, manifest: { version: 1, checksum, size, chunks: stored } };
}
