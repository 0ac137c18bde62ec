/**
 * GET  /api/0/organizations/{org}/chunk-upload/   upload options for sentry-cli
 * POST /api/0/organizations/{org}/chunk-upload/   multipart chunks (`file` or `file_gzip` parts)
 *
 * The body is read as a stream: every part is decompressed (bounded), counted and re-hashed as
 * it arrives and stored once it verified, so a request holds two chunks in memory, not its whole
 * body. A POST grants all or nothing: the organization is granted ownership of the chunks only
 * after every part verified and is in R2. A rejected request grants nothing and stores no byte
 * that failed verification; chunks of it that verified before the rejected part may be in R2,
 * owned by no one, until the sweep (storage/retention.ts) removes them.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { receiveChunkPart, releaseChunk, type ChunkRejection, type ReceivedChunk } from "../upload/chunk-verify";
import type { MultipartReader } from "../common/multipart-reader";
import {
  ACCEPT,
  BODY_IDLE_MS,
  CHUNK_BODY_DEADLINE_MS,
  CHUNK_SIZE,
  CONCURRENCY,
  MAX_CHUNKS_PER_REQUEST,
  MAX_FILE_SIZE,
  MAX_PART_HEADER_BYTES,
  MAX_PARTS_PER_REQUEST,
  MAX_REQUEST_BODY,
  MAX_REQUEST_SIZE,
  MAX_WAIT_SECONDS,
} from "../upload/limits";
import { storeChunk } from "../storage/chunk-store";
import { GateTimeout, requestWeight, trimWhenIdle, withRequestBudget } from "../upload/request-gate";
import { grantOwnership } from "../storage/chunk-ownership";
import { multipartError, readRequestParts } from "./bounded-request";

type App = { Bindings: Env; Variables: AuthVariables };
export const chunkUploadRoutes = new Hono<App>();

chunkUploadRoutes.get("/", requireAccess("read"), (c) => {
  const { org } = c.var;
  const origin = new URL(c.req.url).origin;
  return c.json({
    url: `${origin}/api/0/organizations/${encodeURIComponent(org)}/chunk-upload/`,
    chunkSize: CHUNK_SIZE,
    chunksPerRequest: MAX_CHUNKS_PER_REQUEST,
    maxFileSize: MAX_FILE_SIZE,
    maxRequestSize: MAX_REQUEST_SIZE,
    concurrency: CONCURRENCY,
    hashAlgorithm: "sha1",
    compression: c.env.UPLOAD_COMPRESSION === "none" ? [] : ["gzip"],
    maxWait: MAX_WAIT_SECONDS,
    accept: ACCEPT,
  });
});

chunkUploadRoutes.post("/", requireAccess("write"), async (c) => {
  const length = Number(c.req.header("content-length") ?? NaN);
  if (!Number.isFinite(length)) {
    throw new ApiError(411, "error", "A Content-Length header is required");
  }
  // Refused before reading: no compliant client sends more.
  if (length > MAX_REQUEST_BODY) throw ApiError.badRequest("Request too large");

  try {
    await withRequestBudget(requestWeight(length), () => receiveChunks(c.env, c.req.raw, c.var.org));
  } catch (err) {
    if (err instanceof GateTimeout) throw new ApiError(503, "detail", "Too many chunk uploads in progress, retry");
    throw err;
  } finally {
    c.executionCtx.waitUntil(trimWhenIdle());
  }
  return c.body(null, 200);
});

/**
 * Reads the body part by part: each chunk is hashed as it arrives and stored once it verified,
 * while the next one arrives (one chunk being stored, one arriving: a request holds two chunks in
 * memory, whatever its size; see STREAMED_REQUEST_MEMORY). Ownership is granted at the end, and
 * only if the whole request verified.
 */
async function receiveChunks(env: Env, request: Request, org: string): Promise<void> {
  const parts = readRequestParts(
    request,
    { maxBytes: MAX_REQUEST_BODY, idleMs: BODY_IDLE_MS, deadlineMs: CHUNK_BODY_DEADLINE_MS, largePieces: true },
    { maxHeaderBytes: MAX_PART_HEADER_BYTES, maxParts: MAX_PARTS_PER_REQUEST },
  );
  const stored = new Map<string, number>(); // SHA-1 → size of the chunks stored (or being stored)
  let storing: Promise<void> = Promise.resolve();
  try {
    const rejection = await receiveParts(parts, (chunk) => {
      // The same chunk may come twice in one body (files with repeated content): store it once.
      if (stored.has(chunk.sha1)) return releaseChunk(chunk);
      stored.set(chunk.sha1, chunk.size);
      const previous = storing;
      storing = previous.then(() => storeChunk(env.BUCKET, chunk)).then(() => releaseChunk(chunk));
      storing.catch(() => undefined); // awaited below; meanwhile the next part is read
      return previous;
    });
    await storing;
    if (rejection) {
      await parts.skipRest(); // let the client finish sending before it is answered
      throw ApiError.badRequest(rejection);
    }
  } catch (err) {
    await storing.catch(() => undefined);
    throw multipartError(err);
  }
  await grantOwnership(
    env,
    org,
    [...stored].map(([sha1, size]) => ({ sha1, size })),
  );
}

/**
 * Verifies the parts in order, handing each verified chunk to `store` (which returns once the
 * chunk before it is stored, so at most one waits). After a rejected part nothing more is
 * stored, but the parts are still counted: Sentry answers "Too many chunks" before any other
 * error of the request.
 */
async function receiveParts(
  parts: MultipartReader,
  store: (chunk: ReceivedChunk) => Promise<void> | void,
): Promise<ChunkRejection | null> {
  let rejection: ChunkRejection | null = null;
  let chunks = 0;
  let total = 0;
  for (let part = await parts.nextPart(); part; part = await parts.nextPart()) {
    const gzip = part.name === "file_gzip";
    // A part without a file name (or an empty one) is not a chunk: Sentry's parser (Django's)
    // skips those too.
    if (!part.filename || (part.name !== "file" && !gzip)) continue;
    if (++chunks > MAX_CHUNKS_PER_REQUEST) return "Too many chunks";
    if (rejection) continue;
    const received = await receiveChunkPart(() => parts.nextBodyPiece(), gzip);
    if (!received.ok) {
      rejection = received.error;
      continue;
    }
    total += received.chunk.size;
    if (total > MAX_REQUEST_SIZE) rejection = "Request too large";
    else if (received.chunk.sha1 !== part.filename.toLowerCase()) rejection = "Checksum mismatch";
    if (rejection) releaseChunk(received.chunk);
    else await store(received.chunk);
  }
  return rejection;
}
