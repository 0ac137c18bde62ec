/**
 * API tokens. A token is 32 random bytes; the service stores only the SHA-256 of the token text
 * (a fast hash is enough for a high-entropy secret; there is nothing to brute-force). Two text
 * forms are minted:
 *  - plain: `sntryu_` + 64 hex characters, the shape of a Sentry user token, so that sentry-cli
 *    recognizes it (it warns about any other shape, and sends it anyway);
 *  - Sentry org token: `sntrys_<base64 JSON {iat,url,region_url,org}>_<base64 secret, no padding>`.
 *    sentry-cli reads `url` and `org` from it and uses them instead of --url/--org, so
 *    `SENTRY_AUTH_TOKEN=sntrys_... sentry-cli debug-files upload --project app build/` needs no
 *    other configuration. The url must therefore be this service's public root.
 */
import { bytesToHex } from "../common/hex";
import { orgTokenKey, orgTokenPrefix, tokenKey } from "../storage/keys";
import { TOKEN_TTL_SECONDS } from "../storage/retention";

export type Scope = "project:read" | "project:write" | "project:admin" | "project:releases" | "org:ci";
export const KNOWN_SCOPES: readonly Scope[] = [
  "project:read",
  "project:write",
  "project:admin",
  "project:releases",
  "org:ci",
];

export interface TokenRecord {
  org: string;
  scopes: Scope[];
  createdAt: string;
  /** Which text form was minted; informational. */
  format: "plain" | "sntrys";
  /** The token's first 7 and last 4 characters (`sntryu_...ac3e`), for the org's token list. */
  hint?: string;
}

/** One token as its organization's list shows it: never the token, only its id and hint. */
export interface ListedToken {
  /** The first 16 hex digits of the token's SHA-256: what revoking names. */
  id: string;
  hint: string;
  scopes: Scope[];
  format: "plain" | "sntrys";
  createdAt: string;
  /** To within LAST_USED_RESOLUTION_MS; null until first used. */
  lastUsedAt: string | null;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return bytesToHex(new Uint8Array(digest));
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function mintTokenText(format: "plain" | "sntrys", org: string, publicUrl: string): string {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  if (format === "plain") return `sntryu_${bytesToHex(secret)}`;
  const payload = {
    iat: Math.floor(Date.now() / 1000),
    url: publicUrl,
    region_url: publicUrl,
    org,
  };
  const payloadText = base64(new TextEncoder().encode(JSON.stringify(payload)));
  return `sntrys_${payloadText}_${base64(secret).replace(/=+$/, "")}`;
}

export function tokenId(sha256: string): string {
  return sha256.slice(0, 16);
}

export function tokenHint(token: string): string {
  return `${token.slice(0, 7)}...${token.slice(-4)}`;
}

function listed(sha256: string, record: TokenRecord, lastUsedAt: string | null): ListedToken {
  const { scopes, format, createdAt } = record;
  return { id: tokenId(sha256), hint: record.hint ?? "", scopes, format, createdAt, lastUsedAt };
}

/** Stores a new token: its record under its hash, and its entry in the organization's list. */
export async function storeToken(kv: KVNamespace, token: string, record: Omit<TokenRecord, "hint">): Promise<void> {
  const hash = await sha256Hex(token);
  const full: TokenRecord = { ...record, hint: tokenHint(token) };
  // Every KV entry carries a TTL: a token, and its list entry, live a year (docs/storage.md).
  const expirationTtl = TOKEN_TTL_SECONDS;
  await kv.put(tokenKey(hash), JSON.stringify(full), { expirationTtl });
  await kv.put(orgTokenKey(record.org, tokenId(hash)), hash, { metadata: listed(hash, full, null), expirationTtl });
}

/** The organization's tokens, oldest first (bounded: 10 KV list pages of 1,000). */
export async function listTokens(kv: KVNamespace, org: string): Promise<ListedToken[]> {
  const out: ListedToken[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await kv.list<ListedToken>({ prefix: orgTokenPrefix(org), cursor });
    for (const key of result.keys) if (key.metadata) out.push(key.metadata);
    if (result.list_complete) break;
    cursor = result.cursor;
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revokes the org's token with this id: both keys are deleted, and this isolate forgets it at
 * once. Other isolates may accept it for up to TOKEN_CACHE_MS more, and KV's edge cache for up
 * to its 60 s cacheTtl. Null when the org has no such token.
 */
export async function revokeToken(kv: KVNamespace, org: string, id: string): Promise<ListedToken | null> {
  const entry = await kv.getWithMetadata<ListedToken>(orgTokenKey(org, id));
  if (entry.value === null) return null;
  const hash = entry.value;
  await kv.delete(tokenKey(hash));
  await kv.delete(orgTokenKey(org, id));
  recentTokens.delete(hash);
  lastNoted.delete(hash);
  return entry.metadata;
}

/**
 * Known tokens are remembered in the isolate for 30 s (and KV caches them at the edge for 60 s):
 * every API call authenticates, and sentry-cli polls once a second. Unknown tokens are not
 * remembered, so a token minted a moment ago works at once where KV has it.
 */
export const TOKEN_CACHE_MS = 30_000;
const TOKEN_CACHE_ENTRIES = 1000;
const recentTokens = new Map<string, { record: TokenRecord; until: number }>();

/**
 * "Last used" is written at most once per this time per isolate and token (a KV write, where
 * every request would be one): the list's times are that precise.
 */
export const LAST_USED_RESOLUTION_MS = 10 * 60_000;
const lastNoted = new Map<string, number>();

export async function lookupToken(kv: KVNamespace, token: string): Promise<TokenRecord | null> {
  const hash = await sha256Hex(token);
  const cached = recentTokens.get(hash);
  const record =
    cached && cached.until > Date.now()
      ? cached.record
      : await kv.get<TokenRecord>(tokenKey(hash), { type: "json", cacheTtl: 60 });
  if (!record) return null;
  if (cached?.record !== record) {
    if (recentTokens.size >= TOKEN_CACHE_ENTRIES) recentTokens.delete(recentTokens.keys().next().value as string);
    recentTokens.set(hash, { record, until: Date.now() + TOKEN_CACHE_MS });
  }
  await noteUse(kv, hash, record);
  return record;
}

/**
 * Updates the token's "last used" in its org's list. Only the list entry is written, never the
 * token's record, so a use racing a revocation cannot bring the token back (at worst its list
 * entry, which revoking again removes).
 */
async function noteUse(kv: KVNamespace, hash: string, record: TokenRecord): Promise<void> {
  const now = Date.now();
  if (record.hint === undefined || now - (lastNoted.get(hash) ?? 0) < LAST_USED_RESOLUTION_MS) return;
  if (lastNoted.size >= TOKEN_CACHE_ENTRIES) lastNoted.delete(lastNoted.keys().next().value as string);
  lastNoted.set(hash, now);
  const metadata = listed(hash, record, new Date(now).toISOString());
  // The list entry expires with its token (KV refuses expirations under 60 s away).
  const expiration = Math.floor(Date.parse(record.createdAt) / 1000) + TOKEN_TTL_SECONDS;
  if (expiration - now / 1000 < 120) return;
  await kv.put(orgTokenKey(record.org, tokenId(hash)), hash, { metadata, expiration });
}

/**
 * Whether `given` is the admin secret, in time that depends on neither text: both are hashed to
 * 32 bytes first (so their lengths do not show either) and the digests compared with the
 * runtime's constant-time comparison.
 */
export async function isSecret(given: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(secret)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Constant-time comparison of two strings of a public, fixed length (the web page's CSRF token):
 * only the length may show in the timing.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  return ea.byteLength === eb.byteLength && crypto.subtle.timingSafeEqual(ea, eb);
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}
