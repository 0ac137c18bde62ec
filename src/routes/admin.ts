/**
 * Admin routes, authorized by the ADMIN_TOKEN secret (not by API tokens).
 *
 *   POST /api/0/admin/tokens/  {"org": "acme", "scopes": [...], "format": "plain" | "sntrys"}
 *   -> 201 {"token": "...", "org": "acme", "scopes": [...]}
 *
 * The token is shown once; only its SHA-256 is stored.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { bearerToken } from "../auth/middleware";
import { KNOWN_SCOPES, mintTokenText, storeToken, timingSafeEqual, type Scope } from "../auth/tokens";

const ORG_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const adminRoutes = new Hono<{ Bindings: Env }>();

adminRoutes.use("*", async (c, next) => {
  const secret = c.env.ADMIN_TOKEN;
  const given = bearerToken(c.req.header("authorization"));
  if (!secret) throw ApiError.forbidden("Admin routes are disabled: the ADMIN_TOKEN secret is not set.");
  if (!given || !timingSafeEqual(given, secret)) throw ApiError.unauthorized("Invalid admin token");
  await next();
});

adminRoutes.post("/tokens", async (c) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw ApiError.badRequest("Invalid json body");
  }
  if (typeof body !== "object" || body === null) throw ApiError.badRequest("Expected a JSON object");
  const { org, scopes, format = "plain" } = body as Record<string, unknown>;
  if (typeof org !== "string" || !ORG_SLUG.test(org)) {
    throw ApiError.badRequest("'org' must be an organization slug (letters, digits, '-', '_', '.')");
  }
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => KNOWN_SCOPES.includes(s as Scope))) {
    throw ApiError.badRequest(`'scopes' must be a non-empty list of: ${KNOWN_SCOPES.join(", ")}`);
  }
  if (format !== "plain" && format !== "sntrys") throw ApiError.badRequest("'format' must be 'plain' or 'sntrys'");
  const publicUrl = (c.env.PUBLIC_URL || new URL(c.req.url).origin).replace(/\/+$/, "");
  const token = mintTokenText(format, org, publicUrl);
  await storeToken(c.env.TOKENS, token, {
    org,
    scopes: scopes as Scope[],
    createdAt: new Date().toISOString(),
    format,
  });
  return c.json({ token, org, scopes }, 201);
});
