/**
 * Authentication and authorization for the Sentry-compatible API.
 *
 * Every route takes `Authorization: Bearer <token>`. A token belongs to one organization and
 * carries scopes. A token of another organization gets exactly the answer an unknown
 * organization gets (404), so slugs of other organizations cannot be probed.
 *
 * Scopes follow Sentry's release permission: reading needs any project scope, writing needs
 * write/admin/releases (or org:ci). Deleting a debug file also takes `project:write` (Sentry asks
 * for admin or releases; a CI token that uploads may also clean up after itself).
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { lookupToken, type Scope, type TokenRecord } from "./tokens";

export type Access = "read" | "write" | "delete";

const SCOPES_FOR: Record<Access, readonly Scope[]> = {
  read: ["project:read", "project:write", "project:admin", "project:releases", "org:ci"],
  write: ["project:write", "project:admin", "project:releases", "org:ci"],
  delete: ["project:write", "project:admin", "project:releases"],
};

/** Organization and project slugs: what Sentry allows, and nothing that could escape a key. */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isSlug(text: string): boolean {
  return SLUG.test(text);
}

/** Whether a token's scopes allow `access` (the web page also uses it, to offer only what is allowed). */
export function hasAccess(token: Pick<TokenRecord, "scopes">, access: Access): boolean {
  return token.scopes.some((s) => SCOPES_FOR[access].includes(s));
}

export interface AuthVariables {
  token: TokenRecord;
  /** The organization slug of the route, checked against the token. */
  org: string;
  /** The project slug of the route, validated; empty on routes without a project. */
  project: string;
}

/**
 * Longer than any token this service mints (an `sntrys_` token with a long URL is a few hundred
 * characters): a longer header is refused before it is hashed or looked up.
 */
const MAX_AUTHORIZATION_LENGTH = 2048;

/**
 * The token of `Authorization: Bearer <token>`. A repeated header reaches us joined with ", "
 * and so matches nothing; neither does a malformed or oversized one.
 */
export function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The caller's token record: 401 without a token or with one the service does not know. */
export async function authenticate(env: Env, authorization: string | undefined): Promise<TokenRecord> {
  const text = bearerToken(authorization);
  if (!text) throw ApiError.unauthorized("Authentication credentials were not provided.");
  const token = await lookupToken(env.TOKENS, text);
  if (!token) throw ApiError.unauthorized("Invalid token");
  return token;
}

/** Authenticates the caller and checks that the token may act on `:org` (and `:project`). */
export function requireAccess(access: Access): MiddlewareHandler<{ Bindings: Env; Variables: AuthVariables }> {
  return async (c, next) => {
    const token = await authenticate(c.env, c.req.header("authorization"));
    const org = c.req.param("org");
    const project = c.req.param("project");
    if (org === undefined || !SLUG.test(org) || org !== token.org) throw ApiError.notFound();
    if (project !== undefined && !SLUG.test(project)) throw ApiError.notFound();
    if (!hasAccess(token, access)) throw ApiError.forbidden();
    c.set("token", token);
    c.set("org", org);
    c.set("project", project ?? "");
    await next();
  };
}
