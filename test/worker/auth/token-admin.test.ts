import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  LAST_USED_RESOLUTION_MS,
  TOKEN_CACHE_MS,
  lookupToken,
  sha256Hex,
  type ListedToken,
} from "../../../src/auth/tokens";
import { tokenKey } from "../../../src/storage/keys";
import { BASE, mintToken } from "../helpers";

const admin = (method: string, path: string, secret = env.ADMIN_TOKEN) =>
  exports.default.fetch(`${BASE}/api/0/admin/tokens/${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}` },
  });
const list = async (org: string) => {
  const res = await admin("GET", `?org=${org}`);
  expect(res.status).toBe(200);
  return res.json<ListedToken[]>();
};
const apiIndex = (token: string) =>
  exports.default.fetch(`${BASE}/api/0/`, { headers: { authorization: `Bearer ${token}` } });
const freshOrg = () => `tokens-${crypto.randomUUID().slice(0, 8)}`;
const idOf = async (token: string) => (await sha256Hex(token)).slice(0, 16);

describe("admin: listing an organization's tokens", () => {
  it("shows each token's id, hint, scopes and creation, never the token, and only that org's", async () => {
    const org = freshOrg();
    const plain = await mintToken(org, ["project:read"]);
    const sntrys = await mintToken(org, ["project:write"], "sntrys");
    await mintToken(`${org}x`); // an org whose slug starts with this one's
    const tokens = await list(org);
    expect(tokens.map((t) => t.id)).toEqual([await idOf(plain), await idOf(sntrys)]);
    expect(tokens[0]).toMatchObject({
      hint: `sntryu_...${plain.slice(-4)}`,
      scopes: ["project:read"],
      format: "plain",
      lastUsedAt: null,
    });
    expect(tokens[1]).toMatchObject({ hint: `sntrys_...${sntrys.slice(-4)}`, format: "sntrys" });
    expect(Date.parse(tokens[0]?.createdAt as string)).not.toBeNaN();
    expect(JSON.stringify(tokens)).not.toContain(plain.slice(7, 40));
  });

  it("records when a token was last used", async () => {
    const org = freshOrg();
    const token = await mintToken(org);
    const before = Date.now();
    expect((await apiIndex(token)).status).toBe(200);
    const [listed] = await list(org);
    expect(Date.parse(listed?.lastUsedAt as string)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("needs the admin secret and an org", async () => {
    expect((await admin("GET", "?org=acme", "wrong")).status).toBe(401);
    const missing = await admin("GET", "");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: "'org' must be an organization slug (letters, digits, '-', '_', '.')",
    });
  });
});

describe("admin: revoking a token", () => {
  it("refuses the token at once where it was revoked, and drops it from the list", async () => {
    const org = freshOrg();
    const token = await mintToken(org);
    const kept = await mintToken(org);
    expect((await apiIndex(token)).status).toBe(200); // now remembered by this isolate
    const res = await admin("DELETE", `${org}/${await idOf(token)}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: await idOf(token), hint: `sntryu_...${token.slice(-4)}` });
    const refused = await apiIndex(token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ detail: "Invalid token" });
    expect((await list(org)).map((t) => t.id)).toEqual([await idOf(kept)]);
    expect((await apiIndex(kept)).status).toBe(200);
  });

  it("answers 404 for an id the org does not have (another org's token included) and 400 for a malformed id", async () => {
    const org = freshOrg();
    const other = await mintToken(freshOrg());
    const foreign = await admin("DELETE", `${org}/${await idOf(other)}/`);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual({ detail: "The organization has no token with this id" });
    expect((await apiIndex(other)).status).toBe(200);
    expect((await admin("DELETE", `${org}/not-an-id/`)).status).toBe(400);
  });
});

describe("a token revoked elsewhere (another isolate)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is refused once this isolate's cache time has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const org = freshOrg();
    const token = await mintToken(org);
    expect(await lookupToken(env.TOKENS, token)).toMatchObject({ org });
    // Another isolate revokes it: the records go from KV, this isolate still remembers the token.
    await env.TOKENS.delete(tokenKey(await sha256Hex(token)));
    vi.advanceTimersByTime(TOKEN_CACHE_MS - 1000);
    expect(await lookupToken(env.TOKENS, token)).not.toBeNull();
    vi.advanceTimersByTime(2000);
    expect(await lookupToken(env.TOKENS, token)).toBeNull();
  });

  it("notes use at most once per resolution, so a busy token costs no KV write per request", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const org = freshOrg();
    const token = await mintToken(org);
    await lookupToken(env.TOKENS, token);
    const first = (await list(org))[0]?.lastUsedAt;
    vi.advanceTimersByTime(LAST_USED_RESOLUTION_MS - 60_000);
    await lookupToken(env.TOKENS, token);
    expect((await list(org))[0]?.lastUsedAt).toBe(first);
    vi.advanceTimersByTime(120_000);
    await lookupToken(env.TOKENS, token);
    expect(Date.parse((await list(org))[0]?.lastUsedAt as string)).toBeGreaterThan(Date.parse(first as string));
  });
});
