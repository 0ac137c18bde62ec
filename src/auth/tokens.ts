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
import { tokenKey } from "../storage/keys";
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

export async function storeToken(kv: KVNamespace, token: string, record: TokenRecord): Promise<void> {
  // Every KV entry carries a TTL: a token lives a year (docs/storage.md).
  await kv.put(tokenKey(await sha256Hex(token)), JSON.stringify(record), { expirationTtl: TOKEN_TTL_SECONDS });
}

/**
 * Known tokens are remembered in the isolate for 30 s (and KV caches them at the edge for 60 s):
 * every API call authenticates, and sentry-cli polls once a second. Unknown tokens are not
 * remembered, so a token minted a moment ago works at once where KV has it.
 */
const TOKEN_CACHE_MS = 30_000;
const TOKEN_CACHE_ENTRIES = 1000;
const recentTokens = new Map<string, { record: TokenRecord; until: number }>();

export async function lookupToken(kv: KVNamespace, token: string): Promise<TokenRecord | null> {
  const hash = await sha256Hex(token);
  const cached = recentTokens.get(hash);
  if (cached && cached.until > Date.now()) return cached.record;
  const record = await kv.get<TokenRecord>(tokenKey(hash), { type: "json", cacheTtl: 60 });
  if (!record) return null;
  if (recentTokens.size >= TOKEN_CACHE_ENTRIES) recentTokens.delete(recentTokens.keys().next().value as string);
  recentTokens.set(hash, { record, until: Date.now() + TOKEN_CACHE_MS });
  return record;
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
