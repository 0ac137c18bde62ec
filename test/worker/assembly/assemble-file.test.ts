/**
 * assembleFile against real (local) R2: chunks read ahead into reused buffers still come out in
 * request order, whole, with repeats, whatever their sizes; a missing chunk and a wrong checksum are reported as
 * before; a Breakpad file's record scan is the same as a scan of the whole file at once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { assembleFile } from "../../../src/assembly/assemble-file";
import { BreakpadRecordScanner } from "../../../src/identify/breakpad";
import { chunkKey } from "../../../src/storage/keys";
import { concatBytes, randomBytes, sha1Hex } from "../helpers";

const enc = new TextEncoder();

/** Stores `pieces` as chunks; returns the chunk list of `order` (indexes into pieces, repeats allowed). */
async function storeChunks(pieces: Uint8Array[], order: number[]): Promise<{ sha1: string; size: number }[]> {
  const sums = await Promise.all(pieces.map(sha1Hex));
  await Promise.all(pieces.map((p, i) => env.BUCKET.put(chunkKey(sums[i] as string), p)));
  return order.map((i) => ({ sha1: sums[i] as string, size: (pieces[i] as Uint8Array).byteLength }));
}

function randomPiece(size: number, seed: number): Uint8Array {
  const bytes = randomBytes(size);
  bytes[0] = seed;
  return bytes;
}

describe("assembleFile", () => {
  // Uneven sizes: a buffer (sized for the largest) is reused by smaller and larger chunks.
  const pieces = [randomPiece(300_000, 1), randomPiece(5, 2), randomPiece(1_000_000, 3), randomPiece(65_537, 4)];
  const order = [0, 1, 2, 1, 3, 0, 2, 2, 1];

  for (const readAhead of [0, 1, 2, 20]) {
    it(`concatenates chunks in request order with repeats (${readAhead} read ahead)`, async () => {
      const chunks = await storeChunks(pieces, order);
      const whole = concatBytes(order.map((i) => pieces[i] as Uint8Array));
      const checksum = await sha1Hex(whole);
      const outcome = await assembleFile(env.BUCKET, checksum, chunks, readAhead);
      expect(outcome).toEqual({
        ok: true,
        manifest: { version: 1, checksum, size: whole.byteLength, chunks },
      });
    });
  }

  it("reads a chunk larger than the ledger said on its own, and the file is still whole", async () => {
    const chunks = await storeChunks(pieces, order);
    const whole = concatBytes(order.map((i) => pieces[i] as Uint8Array));
    const understated = chunks.map((c) => ({ ...c, size: Math.min(c.size, 1000) }));
    const outcome = await assembleFile(env.BUCKET, await sha1Hex(whole), understated, 2);
    expect(outcome).toEqual({
      ok: true,
      manifest: { version: 1, checksum: await sha1Hex(whole), size: whole.byteLength, chunks },
    });
  });

  it("reports a chunk missing from the bucket, wherever it is in the list", async () => {
    const chunks = await storeChunks(pieces, order);
    const whole = concatBytes(order.map((i) => pieces[i] as Uint8Array));
    const checksum = await sha1Hex(whole);
    const gone = { sha1: "f".repeat(40), size: 1000 };
    for (const at of [0, 4, chunks.length]) {
      const listed = [...chunks.slice(0, at), gone, ...chunks.slice(at)];
      expect(await assembleFile(env.BUCKET, checksum, listed, 2)).toEqual({
        ok: false,
        reason: "missing_chunk",
        detail: "Not all chunks available for assembling",
      });
    }
  });

  it("reports a whole-file checksum that is not the chunks' digest", async () => {
    const chunks = await storeChunks(pieces, order);
    expect(await assembleFile(env.BUCKET, "0".repeat(40), chunks)).toEqual({
      ok: false,
      reason: "checksum_mismatch",
      detail: "Reported checksum mismatch",
    });
  });

  it("scans a Breakpad file's records across chunk boundaries as one scan of the whole file", async () => {
    const lines = ["MODULE Linux x86_64 B2C6E3A8D91F4A7C9E0B1D2C3A4B5C6D0 scan.so"];
    for (let i = 0; i < 20_000; i++) lines.push(`PUBLIC ${(0x1000 + i * 16).toString(16)} 0 symbol_${i}`);
    lines.push("FUNC 9000 10 0 last_function", "9000 10 1 1");
    const whole = enc.encode(lines.join("\n") + "\n");
    // Uneven chunks: boundaries fall inside lines and inside the record prefixes.
    const cuts = [0, 7, 100_003, 250_001, 250_005, whole.byteLength];
    const parts = cuts.slice(1).map((end, i) => whole.slice(cuts[i], end));
    const chunks = await storeChunks(
      parts,
      parts.map((_, i) => i),
    );
    const outcome = await assembleFile(env.BUCKET, await sha1Hex(whole), chunks, 1);
    expect(outcome.ok).toBe(true);
    const reference = new BreakpadRecordScanner();
    reference.push(whole);
    const expected = reference.finish();
    expect(outcome.ok && outcome.breakpadRecords).toMatchObject({
      publicRecord: expected.publicRecord,
      funcRecord: expected.funcRecord,
      stackRecord: expected.stackRecord,
    });
    expect(expected).toMatchObject({ publicRecord: true, funcRecord: true, stackRecord: false });
  });
});
