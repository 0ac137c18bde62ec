/**
 * The one way a stored debug file (or a byte window of it, such as an ELF section) leaves the
 * service on the symbol-server routes: streamed chunk by chunk from R2, never held in memory,
 * with `Range` (one range; 206/416), a strong `ETag` (the file's SHA-1), `If-None-Match` (304)
 * and `HEAD` answered from the catalog record alone (no R2 read at all).
 *
 * hono dispatches HEAD to GET handlers and drops the body afterwards; a stream created for a HEAD
 * would still start pulling chunks, so HEAD is decided here on `c.req.method`.
 */
import type { Context } from "hono";
import { ApiError } from "../errors";
import { getManifest } from "../storage/file-store";
import { pipeFile } from "../storage/pipe-file";
import type { DebugFileRecord } from "../common/debug-file";
import { contentRange, decideRange, noneMatch, rangeStillValid, unsatisfiedRange } from "../symbol-server/http-range";

export interface ServeOptions {
  record: DebugFileRecord;
  /** Serve only [offset, offset + size) of the file (a section). Default: the whole file. */
  window?: { offset: number; size: number };
  contentType?: string;
  /** Protocol headers (X-DEBUGINFOD-*), sent on every answer but 304. */
  headers?: Record<string, string>;
}

export async function serveStoredFile(c: Context, bucket: R2Bucket, options: ServeOptions): Promise<Response> {
  const { record } = options;
  const base = options.window?.offset ?? 0;
  const size = options.window?.size ?? record.size;
  // A window is a different representation: its tag names the bytes it covers.
  const etag = options.window
    ? `"${record.checksum}.${base.toString(16)}-${size.toString(16)}"`
    : `"${record.checksum}"`;
  const headers = new Headers({
    ETag: etag,
    "Last-Modified": new Date(record.createdAt).toUTCString(),
    // Every answer here needed a token: shared caches must not keep it.
    "Cache-Control": "private, max-age=3600",
  });

  if (noneMatch(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers });

  headers.set("Accept-Ranges", "bytes");
  headers.set("Content-Type", options.contentType ?? "application/octet-stream");
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);

  const range = rangeStillValid(c.req.header("if-range"), etag)
    ? decideRange(c.req.header("range"), size)
    : { kind: "full" as const };
  if (range.kind === "unsatisfiable") {
    headers.set("Content-Range", unsatisfiedRange(size));
    headers.set("Content-Length", "0");
    return new Response(null, { status: 416, headers });
  }
  const [start, end, status] = range.kind === "partial" ? [range.start, range.end, 206] : [0, size, 200];
  if (range.kind === "partial") headers.set("Content-Range", contentRange(start, end, size));
  headers.set("Content-Length", String(end - start));

  if (c.req.method === "HEAD") return new Response(null, { status, headers });

  const manifest = await getManifest(bucket, record.org, record.project, record.checksum);
  // Deleted between the catalog lookup and now.
  if (!manifest) throw ApiError.notFound();
  const { readable, writable } = new FixedLengthStream(end - start);
  const piped = pipeFile(bucket, manifest, base + start, base + end, writable).catch((err: unknown) => {
    console.error("download aborted", err);
  });
  try {
    c.executionCtx.waitUntil(piped);
  } catch {
    // No execution context: the pipe still runs while the body is read.
  }
  return new Response(readable, { status, headers });
}
