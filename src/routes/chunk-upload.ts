/**
 * GET  /api/0/organizations/{org}/chunk-upload/   upload options for sentry-cli
 * POST /api/0/organizations/{org}/chunk-upload/   multipart chunks (`file` or `file_gzip` parts)
 *
 * A POST is all or nothing: every part is decompressed (bounded), counted and re-hashed before
 * the first byte is stored, and the organization is granted ownership of the chunks only after
 * all of them are in R2. A rejected request stores nothing and grants nothing.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { chunkStream, verifyChunks, type ChunkPart } from "../upload/chunk-verify";
import {
  ACCEPT,
  BODY_IDLE_MS,
  CHUNK_BODY_DEADLINE_MS,
  CHUNK_SIZE,
  CONCURRENCY,
  MAX_CHUNKS_PER_REQUEST,
  MAX_FILE_SIZE,
  MAX_REQUEST_BODY,
  MAX_REQUEST_SIZE,
  MAX_WAIT_SECONDS,
} from "../upload/limits";
import { forEachLimited } from "../common/concurrency";
import { storeChunk } from "../storage/chunk-store";
import { GateTimeout, withRequestBudget } from "../upload/request-gate";
import { grantOwnership } from "../storage/chunk-ownership";
import { readRequestForm } from "./bounded-request";

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
  // Refused before reading: the body is parsed in memory, and its size bounds that memory.
  if (length > MAX_REQUEST_BODY) throw ApiError.badRequest("Request too large");

  try {
    await withRequestBudget(length, () => receiveChunks(c.env, c.req.raw, c.var.org));
  } catch (err) {
    if (err instanceof GateTimeout) throw new ApiError(503, "detail", "Too many chunk uploads in progress, retry");
    throw err;
  }
  return c.body(null, 200);
});

/** Parses, verifies, stores and grants one request's chunks: all of them, or none. */
async function receiveChunks(env: Env, request: Request, org: string): Promise<void> {
  const form = await readRequestForm(request, {
    maxBytes: MAX_REQUEST_BODY,
    idleMs: BODY_IDLE_MS,
    deadlineMs: CHUNK_BODY_DEADLINE_MS,
  });
  const parts: ChunkPart[] = [];
  for (const [field, gzip] of [
    ["file", false],
    ["file_gzip", true],
  ] as const) {
    for (const entry of form.getAll(field)) {
      const value = entry as unknown as File | string;
      if (typeof value === "string") continue; // not a file part: Sentry ignores these too
      parts.push({ sha1: value.name.toLowerCase(), gzip, blob: value });
    }
  }

  const verified = await verifyChunks(parts);
  if (!verified.ok) throw ApiError.badRequest(verified.error);

  // The same chunk may come twice in one body (files with repeated content): store it once.
  const unique = [...new Map(verified.chunks.map((ch) => [ch.sha1, ch])).values()];
  await forEachLimited(unique, 4, (chunk) =>
    storeChunk(env.BUCKET, { sha1: chunk.sha1, size: chunk.size, stream: () => chunkStream(chunk) }),
  );
  await grantOwnership(
    env,
    org,
    unique.map(({ sha1, size }) => ({ sha1, size })),
  );
}
