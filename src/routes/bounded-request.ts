/**
 * Request bodies read under bounds (common/bounded-body.ts), with the bound that was passed
 * answered in Sentry's shape: 400 `{"error": "Request too large"}` for size (the text Sentry's
 * chunk endpoint uses), 408 for a body that does not arrive in time. Every route with a JSON body
 * reads it here, so a body that is not JSON gets one answer: 400 "Invalid json body" (Sentry's
 * text for the assemble endpoint).
 */
import { BodyLimitError, bodyPieces, boundedBody, readBoundedText, type BodyBounds } from "../common/bounded-body";
import { MultipartError, MultipartReader, formDataBoundary, type MultipartLimits } from "../common/multipart-reader";
import { ApiError } from "../errors";

async function readRequestText(request: Request, bounds: BodyBounds): Promise<string> {
  try {
    return await readBoundedText(request, bounds);
  } catch (err) {
    throw toApiError(err, "Invalid request body");
  }
}

/** The body parsed as JSON, read under `bounds`; what it holds is the caller's to validate. */
export async function readRequestJson(request: Request, bounds: BodyBounds): Promise<unknown> {
  const text = await readRequestText(request, bounds);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ApiError.badRequest("Invalid json body");
  }
}

/**
 * A `multipart/form-data` body, read part by part under `bounds` (see multipartError). Its pieces
 * go back to the body piece pool as the reader moves past them: a caller that keeps a piece of a
 * part holds it there (bodyPieces.hold) and releases it when done.
 */
export function readRequestParts(request: Request, bounds: BodyBounds, limits: MultipartLimits): MultipartReader {
  const boundary = formDataBoundary(request.headers.get("content-type"));
  if (!boundary) throw ApiError.badRequest("Invalid multipart body");
  const source = boundedBody(request.body, bounds).stream.getReader();
  return new MultipartReader(source, boundary, limits, (piece) => bodyPieces.release(piece));
}

/** What a failed read of readRequestParts answers; an error of anything else is not the body's. */
export function multipartError(err: unknown): unknown {
  if (err instanceof MultipartError || err instanceof BodyLimitError) return toApiError(err, "Invalid multipart body");
  return err;
}

function toApiError(err: unknown, unreadable: string): ApiError {
  if (!(err instanceof BodyLimitError)) return ApiError.badRequest(unreadable);
  switch (err.reason) {
    case "too_large":
      return ApiError.badRequest("Request too large");
    case "too_slow":
      return new ApiError(408, "error", "The request body did not arrive in time");
  }
}
