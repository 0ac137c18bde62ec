import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tokenKey } from "../../../src/storage/keys";
import { sha256Hex } from "../../../src/auth/tokens";
import { BASE, mintToken } from "../helpers";

const options = (org: string, token?: string) =>
  exports.default.fetch(`${BASE}/api/0/organizations/${org}/chunk-upload/`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe("authentication", () => {
  it("answers 401 with a JSON detail without a token", async () => {
    const res = await options("acme");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("answers 401 for an unknown token", async () => {
    const res = await options("acme", "sntryu_not-a-real-token");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: "Invalid token" });
  });

  it("gives a token of another org the same 404 as an org that does not exist", async () => {
    const token = await mintToken("acme");
    const foreign = await options("globex", token);
    const missing = await options("no-such-org-anywhere", token);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
  });

  it("answers 403 when the token lacks the scope", async () => {
    const token = await mintToken("acme", ["project:read"]);
    const res = await exports.default.fetch(`${BASE}/api/0/projects/acme/app/files/difs/assemble/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: "{}",
    });
    expect(res.status).toBe(403);
    expect(Object.keys(await res.json<object>())).toEqual(["detail"]);
  });

  it("mints plain tokens in Sentry's user-token shape, which sentry-cli recognizes", async () => {
    expect(await mintToken("acme")).toMatch(/^sntryu_[0-9a-f]{64}$/);
  });

  it("stores tokens hashed, never in clear", async () => {
    const token = await mintToken("acme");
    const listed = await env.TOKENS.list();
    expect(listed.keys.map((k) => k.name)).toContain(tokenKey(await sha256Hex(token)));
    for (const key of listed.keys) {
      expect(key.name).not.toContain(token);
      expect(await env.TOKENS.get(key.name)).not.toContain(token);
    }
  });
});

describe("admin: POST /api/0/admin/tokens/", () => {
  const mint = (body: unknown, admin = env.ADMIN_TOKEN) =>
    exports.default.fetch(`${BASE}/api/0/admin/tokens/`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("refuses a wrong admin token", async () => {
    expect((await mint({ org: "acme", scopes: ["project:read"] }, "wrong")).status).toBe(401);
  });

  it("validates org and scopes", async () => {
    expect((await mint({ org: "a/b", scopes: ["project:read"] })).status).toBe(400);
    expect((await mint({ org: "acme", scopes: ["root"] })).status).toBe(400);
    expect((await mint({ org: "acme", scopes: [] })).status).toBe(400);
  });

  it("mints sntrys_ org tokens that embed this service's URL and org, as sentry-cli reads them", async () => {
    const res = await mint({ org: "acme", scopes: ["project:write"], format: "sntrys" });
    expect(res.status).toBe(201);
    const { token } = await res.json<{ token: string }>();
    const segments = token.split("_");
    expect(segments).toHaveLength(3);
    expect(segments[0]).toBe("sntrys");
    const payload = JSON.parse(atob(segments[1] as string)) as { org: string; url: string };
    expect(payload).toMatchObject({ org: "acme", url: BASE });
    expect(atob((segments[2] as string) + "=").length).toBe(32);
    expect((await options("acme", token)).status).toBe(200);
  });
});
