/**
 * Sessions of the web page. A person pastes a token once; the Worker checks it and keeps, in KV
 * with an expiry, a session that names the token by its hash (the token text is never stored).
 * The cookie holds only an opaque random id; KV holds the SHA-256 of that id, so a reader of KV
 * cannot present a session. Each request re-reads the token record, so a token deleted from KV
 * ends its sessions too. The cookie is HttpOnly, SameSite=Strict, Secure on https, and scoped
 * to /ui: the API never reads it (Bearer only), so it cannot authorize an API call.
 */
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import type { Context } from "hono";
import { sessionKey } from "../storage/keys";
import { sha256Hex } from "../auth/tokens";
import { bytesToHex } from "../common/hex";

export const SESSION_SECONDS = 8 * 60 * 60;
const COOKIE_PATH = "/ui";

export interface SessionRecord {
  org: string;
  /** SHA-256 of the token that signed in (its KV key). */
  tokenSha256: string;
  /** Sent back in every state-changing form of the page. */
  csrf: string;
  createdAt: string;
}

/** `__Secure-` on https (the browser then refuses the cookie from plain http); plain on a local http dev server. */
function cookieName(c: Context): string {
  return secure(c) ? "__Secure-symbols_session" : "symbols_session";
}

function secure(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

function randomId(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

export async function startSession(
  c: Context,
  kv: KVNamespace,
  org: string,
  tokenSha256: string,
): Promise<SessionRecord> {
  const id = randomId();
  const record: SessionRecord = { org, tokenSha256, csrf: randomId(), createdAt: new Date().toISOString() };
  await kv.put(sessionKey(await sha256Hex(id)), JSON.stringify(record), { expirationTtl: SESSION_SECONDS });
  setCookie(c, cookieName(c), id, {
    path: COOKIE_PATH,
    httpOnly: true,
    secure: secure(c),
    sameSite: "Strict",
    maxAge: SESSION_SECONDS,
  });
  return record;
}

/** The session the request's cookie names, or null (no cookie, unknown or expired session). */
export async function currentSession(c: Context, kv: KVNamespace): Promise<SessionRecord | null> {
  const id = getCookie(c, cookieName(c));
  if (!id || !/^[0-9a-f]{64}$/.test(id)) return null;
  return kv.get<SessionRecord>(sessionKey(await sha256Hex(id)), "json");
}

export async function endSession(c: Context, kv: KVNamespace): Promise<void> {
  const id = getCookie(c, cookieName(c));
  if (id && /^[0-9a-f]{64}$/.test(id)) await kv.delete(sessionKey(await sha256Hex(id)));
  deleteCookie(c, cookieName(c), { path: COOKIE_PATH, secure: secure(c) });
}
