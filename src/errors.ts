import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The body key Sentry uses: `error` for chunk-upload and assemble validation, `detail` for
 * authentication, permission and not-found answers. sentry-cli prints the text of a JSON body
 * with exactly one key and only a generic failure for anything else, so every error body here
 * has exactly one key.
 */
export type ErrorKey = "error" | "detail";

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly key: ErrorKey,
    message: string,
  ) {
    super(status, { message });
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, "error", message);
  }
  static unauthorized(message = "Invalid token"): ApiError {
    return new ApiError(401, "detail", message);
  }
  static forbidden(message = "You do not have permission to perform this action."): ApiError {
    return new ApiError(403, "detail", message);
  }
  static notFound(message = "The requested resource does not exist"): ApiError {
    return new ApiError(404, "detail", message);
  }
}

/** The one place errors become responses (app.onError). */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json({ [err.key]: err.message }, err.status);
  }
  if (err instanceof HTTPException) {
    return c.json({ detail: err.message || "Request failed" }, err.status);
  }
  // Unknown failures are logged with their stack and answered generically, as Sentry does.
  console.error("unhandled error", err);
  return c.json({ detail: "Internal Error" }, 500);
}
