import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chunkKey } from "../../../src/storage/keys";
import { ownedChunkSizes } from "../../../src/storage/chunk-ownership";
import { bodyPieces, PIECE_BYTES } from "../../../src/common/bounded-body";
import { BASE, chunkForm, gzip, mintToken, postChunks, randomBytes, sha1Hex } from "../helpers";

const enc = new TextEncoder();

describe("chunk-upload", () => {
  describe("GET options", () => {
    it("advertises Sentry's limits, gzip, sha1 and the 2.x accept list", async () => {
      const token = await mintToken("acme");
      const res = await exports.default.fetch(`${BASE}/api/0/organizations/acme/chunk-upload/`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        url: `${BASE}/api/0/organizations/acme/chunk-upload/`,
        chunkSize: 8388608,
        chunksPerRequest: 64,
        maxFileSize: 2147483648,
        maxRequestSize: 33554432,
        concurrency: 8,
        hashAlgorithm: "sha1",
        compression: ["gzip"],
        maxWait: 300,
        accept: expect.arrayContaining([
          "debug_files",
          "pdbs",
          "portablepdbs",
          "sources",
          "bcsymbolmaps",
          "il2cpp",
        ]) as unknown,
      });
    });
  });

  describe("POST chunks", () => {
    it("stores raw and gzip parts under their SHA-1 and grants the org ownership", async () => {
      const token = await mintToken("acme");
      const raw = enc.encode("raw chunk bytes ".repeat(100));
      const zipped = enc.encode("gzip chunk bytes ".repeat(100));
      const [rawSum, zipSum] = [await sha1Hex(raw), await sha1Hex(zipped)];
      const res = await postChunks(
        token,
        "acme",
        chunkForm([
          { name: rawSum, body: raw },
          { field: "file_gzip", name: zipSum, body: await gzip(zipped) },
        ]),
      );
      expect(res.status).toBe(200);
      expect(await (await env.BUCKET.get(chunkKey(zipSum)))!.text()).toBe(new TextDecoder().decode(zipped));
      expect((await env.BUCKET.head(chunkKey(rawSum)))!.size).toBe(raw.byteLength);
      const owned = await ownedChunkSizes(env, "acme", [rawSum, zipSum]);
      expect(owned).toEqual(
        new Map([
          [rawSum, raw.byteLength],
          [zipSum, zipped.byteLength],
        ]),
      );
      expect((await ownedChunkSizes(env, "other", [rawSum])).size).toBe(0);
    });

    it("accepts the same chunk twice in one body", async () => {
      const token = await mintToken("acme");
      const body = enc.encode("repeated page");
      const sum = await sha1Hex(body);
      const res = await postChunks(
        token,
        "acme",
        chunkForm([
          { name: sum, body },
          { field: "file", name: sum, body },
        ]),
      );
      expect(res.status).toBe(200);
      expect((await ownedChunkSizes(env, "acme", [sum])).get(sum)).toBe(body.byteLength);
    });

    it("reuses body buffers across parts and requests without mixing their bytes", async () => {
      // Chunks that do not align with the body's 1 MiB pieces, so most pieces are shared by two
      // parts and outlive the reader's read; raw and gzip; four requests at once, twice over.
      const token = await mintToken("acme");
      const before = bodyPieces.stats();
      const sent: Uint8Array[] = [];
      for (let round = 0; round < 2; round++) {
        const requests = await Promise.all(
          [0, 1, 2, 3].map(async (r) => {
            const bodies = [0, 1, 2].map((i) => randomBytes(PIECE_BYTES + 100_003 * (r + 1) + 7_919 * i));
            sent.push(...bodies);
            const parts = await Promise.all(
              bodies.map(async (body, i) =>
                i === 1 && r % 2 === 1
                  ? { field: "file_gzip" as const, name: await sha1Hex(body), body: await gzip(body) }
                  : { name: await sha1Hex(body), body },
              ),
            );
            return postChunks(token, "acme", chunkForm(parts));
          }),
        );
        expect(requests.map((res) => res.status)).toEqual([200, 200, 200, 200]);
      }
      for (const body of sent) {
        const sum = await sha1Hex(body);
        const stored = await env.BUCKET.get(chunkKey(sum));
        expect(await sha1Hex(new Uint8Array(await stored!.arrayBuffer()))).toBe(sum);
      }
      expect((await ownedChunkSizes(env, "acme", await Promise.all(sent.map(sha1Hex)))).size).toBe(sent.length);
      const after = bodyPieces.stats();
      expect(after.reused - before.reused).toBeGreaterThan(after.created - before.created);
    });

    it("accepts an empty request", async () => {
      const token = await mintToken("acme");
      expect((await postChunks(token, "acme", new FormData())).status).toBe(200);
    });

    describe("rejects with Sentry's error strings, grants nothing and stores no unverified byte", () => {
      /**
       * Parts are read and stored as they arrive, so chunks that verified before the rejected
       * part may be in R2 (their bytes are right; R2 re-checks the SHA-1): `verifiedBefore`
       * names how many. No part from the rejected one on is stored, and nothing is granted.
       */
      async function expectRejected(parts: Parameters<typeof chunkForm>[0], error: string, verifiedBefore = 0) {
        const token = await mintToken("acme");
        const res = await postChunks(token, "acme", chunkForm(parts));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error });
        for (const [i, p] of parts.entries()) {
          if (i >= verifiedBefore) expect(await env.BUCKET.head(chunkKey(p.name))).toBeNull();
          expect((await ownedChunkSizes(env, "acme", [p.name])).size).toBe(0);
        }
      }

      it("a hash mismatch, even after valid chunks", async () => {
        const good = enc.encode("good chunk, granted only if the whole request is valid");
        await expectRejected(
          [
            { name: await sha1Hex(good), body: good },
            { name: "0".repeat(40), body: enc.encode("bytes whose hash is something else") },
          ],
          "Checksum mismatch",
          1,
        );
      });

      it("more than 64 chunks", async () => {
        const parts = await Promise.all(
          Array.from({ length: 65 }, async (_, i) => {
            const body = enc.encode(`chunk ${i}`);
            return { name: await sha1Hex(body), body };
          }),
        );
        await expectRejected(parts, "Too many chunks", 64);
      });

      it("a chunk larger than the chunk size", async () => {
        const body = new Uint8Array(8 * 1024 * 1024 + 1).fill(7);
        await expectRejected([{ name: await sha1Hex(body), body }], "Chunk size too large");
      });

      it("a gzip bomb, stopped after one chunk of output", async () => {
        // 64 MiB of zeros compress to ~64 KiB: decompression must stop at 8 MiB.
        const bomb = await gzip(new Uint8Array(64 * 1024 * 1024));
        expect(bomb.byteLength).toBeLessThan(200_000);
        await expectRejected([{ field: "file_gzip", name: "1".repeat(40), body: bomb }], "Chunk size too large");
      });

      it("bad gzip", async () => {
        await expectRejected(
          [{ field: "file_gzip", name: "2".repeat(40), body: enc.encode("not gzip at all") }],
          "Invalid gzip payload",
        );
      });

      it("a request totalling more than 32 MiB", async () => {
        const parts = await Promise.all(
          [1, 2, 3, 4, 5].map(async (i) => {
            const body = new Uint8Array(7 * 1024 * 1024).fill(i);
            return { field: "file_gzip" as const, name: await sha1Hex(body), body: await gzip(body) };
          }),
        );
        await expectRejected(parts, "Request too large", 4);
      });
    });
  });
});
