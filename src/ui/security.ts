/**
 * What every answer of the web page carries, and the checks before a form changes anything.
 *
 * - Content-Security-Policy `default-src 'self'`: no inline script or style, nothing from
 *   another origin; `frame-ancestors 'none'` (and X-Frame-Options for old browsers) against
 *   clickjacking of the delete button; `form-action 'self'` and `base-uri 'none'` so an injected
 *   form or base tag could not send data elsewhere.
 * - Pages are private (`Cache-Control: no-store`): they show an organization's files.
 * - A POST must come from this origin (Origin or Sec-Fetch-Site, which browsers send on every
 *   POST) and, once signed in, carry the session's CSRF token: SameSite=Strict already keeps
 *   the cookie off cross-site requests; the token covers browsers and proxies that do not.
 */
import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../auth/tokens";

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const h = c.res.headers;
  h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  h.set("X-Frame-Options", "DENY");
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Referrer-Policy", "same-origin");
  h.set("Cross-Origin-Opener-Policy", "same-origin");
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
};

export type PostCheck = { ok: true } | { ok: false; reason: "cross_origin" | "bad_csrf" };

/** Same origin: the Origin header when the browser sent one, else Sec-Fetch-Site; neither is refused. */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== "null") return origin === new URL(c.req.url).origin;
  const site = c.req.header("sec-fetch-site");
  return site === "same-origin";
}

export function checkPost(c: Context, expectedCsrf: string | null, givenCsrf: unknown): PostCheck {
  if (!sameOrigin(c)) return { ok: false, reason: "cross_origin" };
  if (expectedCsrf !== null && (typeof givenCsrf !== "string" || !timingSafeEqual(givenCsrf, expectedCsrf))) {
    return { ok: false, reason: "bad_csrf" };
  }
  return { ok: true };
}
