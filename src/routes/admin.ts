/**
 * Admin routes, authorized by the ADMIN_TOKEN secret (not by API tokens).
 *
 *   POST /api/0/admin/tokens/  {"org": "acme", "scopes": [...], "format": "plain" | "sntrys"}
 *   -> 201 {"token": "...", "org": "acme", "scopes": [...]}
 *
 * The token is shown once; only its SHA-256 is stored.
 *
 *   GET  /api/0/admin/fsck/             the storage consistency report (storage/fsck.ts)
 *   POST /api/0/admin/fsck/?repair=1    the same, repairing what it reports
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { bearerToken } from "../auth/middleware";
import { isSecret, KNOWN_SCOPES, mintTokenText, storeToken, type Scope } from "../auth/tokens";
import { DEFAULT_ADMIN_FAILURES_PER_MINUTE } from "../auth/admin-guard";
import { adminGuard } from "../durable-objects";
import { checkStorage } from "../storage/fsck";

const ORG_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const adminRoutes = new Hono<{ Bindings: Env }>();

/**
 * The secret is compared in constant time, and each client address may try only so many wrong
 * secrets a minute (auth/admin-guard.ts): past that, 429 without a comparison.
 */
adminRoutes.use("*", async (c, next) => {
  const secret = c.env.ADMIN_TOKEN;
  if (!secret) throw ApiError.forbidden("Admin routes are disabled: the ADMIN_TOKEN secret is not set.");
  const perMinute = Number(c.env.ADMIN_FAILURES_PER_MINUTE) || DEFAULT_ADMIN_FAILURES_PER_MINUTE;
  const guard = adminGuard(c.env, c.req.header("cf-connecting-ip") ?? "unknown");
  const admission = await guard.take(perMinute);
  if (!admission.ok) {
    c.header("Retry-After", String(admission.retryAfterSeconds));
    throw new ApiError(429, "detail", `Too many wrong admin tokens; retry in ${admission.retryAfterSeconds} s`);
  }
  const given = bearerToken(c.req.header("authorization"));
  if (!given || !(await isSecret(given, secret))) throw ApiError.unauthorized("Invalid admin token");
  await guard.giveBack(perMinute);
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

adminRoutes.get("/fsck", async (c) => c.json(await checkStorage(c.env, { repair: false })));
adminRoutes.post("/fsck", async (c) => c.json(await checkStorage(c.env, { repair: c.req.query("repair") === "1" })));
