/**
 * Admin routes, authorized by the ADMIN_TOKEN secret (not by API tokens).
 *
 *   POST   /api/0/admin/tokens/  {"org": "acme", "scopes": [...], "format": "plain" | "sntrys"}
 *          -> 201 {"token": "...", "org": "acme", "scopes": [...]}
 *   GET    /api/0/admin/tokens/?org=acme   -> 200 [{"id", "hint", "scopes", "format", "createdAt", "lastUsedAt"}]
 *   DELETE /api/0/admin/tokens/{org}/{id}/ -> 200 the revoked token's entry; 404 when the org has no such token
 *
 * The token is shown once; only its SHA-256 is stored. The list shows a hint (`sntryu_...ac3e`) and
 * an id (the first 16 hex digits of the SHA-256), which names the token to revoke.
 *
 *   GET  /api/0/admin/fsck/             the storage consistency report (storage/fsck.ts)
 *   POST /api/0/admin/fsck/?repair=1    the same, repairing what it reports
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { bearerToken } from "../auth/middleware";
import { isSecret, KNOWN_SCOPES, listTokens, mintTokenText, revokeToken, storeToken, type Scope } from "../auth/tokens";
import { DEFAULT_ADMIN_FAILURES_PER_MINUTE } from "../auth/admin-guard";
import { adminGuard } from "../durable-objects";
import { checkStorage } from "../storage/fsck";
import { ASSEMBLE_BODY_DEADLINE_MS, BODY_IDLE_MS } from "../upload/limits";
import { readRequestJson } from "./bounded-request";

const ORG_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A mint request is an org, a few scopes and a format: far below this. */
const MAX_MINT_BODY = 64 * 1024;

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
  const body = await readRequestJson(c.req.raw, {
    maxBytes: MAX_MINT_BODY,
    idleMs: BODY_IDLE_MS,
    deadlineMs: ASSEMBLE_BODY_DEADLINE_MS,
  });
  if (typeof body !== "object" || body === null) throw ApiError.badRequest("Expected a JSON object");
  const { scopes, format = "plain" } = body as Record<string, unknown>;
  const given = (body as Record<string, unknown>).org;
  const org = orgParam(typeof given === "string" ? given : undefined);
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

function orgParam(org: string | undefined): string {
  if (org === undefined || !ORG_SLUG.test(org)) {
    throw ApiError.badRequest("'org' must be an organization slug (letters, digits, '-', '_', '.')");
  }
  return org;
}

adminRoutes.get("/tokens", async (c) => c.json(await listTokens(c.env.TOKENS, orgParam(c.req.query("org")))));

adminRoutes.delete("/tokens/:org/:id", async (c) => {
  const id = c.req.param("id");
  if (!/^[0-9a-f]{16}$/.test(id))
    throw ApiError.badRequest("A token id is 16 lowercase hex digits, as the list shows it");
  const revoked = await revokeToken(c.env.TOKENS, orgParam(c.req.param("org")), id);
  if (!revoked) throw ApiError.notFound("The organization has no token with this id");
  return c.json(revoked);
});

adminRoutes.get("/fsck", async (c) => c.json(await checkStorage(c.env, { repair: false })));
adminRoutes.post("/fsck", async (c) => c.json(await checkStorage(c.env, { repair: c.req.query("repair") === "1" })));
