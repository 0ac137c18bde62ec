/**
 * Signing in and out of the web page, and what the session cookie can and cannot do: it never
 * authorizes the API, it names a session in KV by hash only, and forms need the same origin and
 * the CSRF token.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/auth/tokens";
import { sessionKey } from "../../../src/storage/keys";
import { CONTENT_SECURITY_POLICY } from "../../../src/ui/security";
import { BASE, mintToken } from "../helpers";
import { attributes, signIn, submit } from "./helpers";

describe("web page sessions", () => {
  it("sends a visitor without a session to the sign-in page, remembering where they were going", async () => {
    const root = await exports.default.fetch(`${BASE}/ui/`, { redirect: "manual" });
    expect(root.status).toBe(303);
    expect(root.headers.get("location")).toBe("/ui/login");
    const deep = await exports.default.fetch(`${BASE}/ui/orgs/acme/projects/app/?query=libfoo`, { redirect: "manual" });
    expect(deep.headers.get("location")).toBe(
      `/ui/login?next=${encodeURIComponent("/ui/orgs/acme/projects/app/?query=libfoo")}`,
    );
    for (const path of ["/ui/orgs/acme", "/ui/orgs/acme/projects/app", "/ui/orgs/acme/setup"]) {
      const bare = await exports.default.fetch(`${BASE}${path}`, { redirect: "manual" });
      expect(bare.status, path).toBe(303);
    }
    const login = await exports.default.fetch(`${BASE}/ui/login`);
    expect(login.status).toBe(200);
    expect(await attributes(await login.text(), "input#token", "type")).toEqual(["password"]);
  });

  it("signs in with a token: an opaque HttpOnly SameSite=Strict cookie, the session in KV by hash, with an expiry", async () => {
    const token = await mintToken("session-org");
    const res = await submit("/ui/login", { token, next: "/ui/orgs/session-org/setup/" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ui/orgs/session-org/setup/");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^symbols_session=[0-9a-f]{64}; Max-Age=28800; Path=\/ui; HttpOnly; SameSite=Strict$/);
    const id = /=([0-9a-f]{64})/.exec(cookie)?.[1] as string;
    expect(cookie).not.toContain(token);

    const stored = await env.TOKENS.get(sessionKey(await sha256Hex(id)), "json");
    expect(stored).toMatchObject({ org: "session-org", tokenSha256: await sha256Hex(token) });
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await env.TOKENS.get(`session/${id}`)).toBeNull();
    const listed = await env.TOKENS.list({ prefix: sessionKey(await sha256Hex(id)) });
    expect(listed.keys[0]?.expiration).toBeGreaterThan(Date.now() / 1000 + 8 * 3600 - 60);
  });

  it("marks the cookie Secure, with the __Secure- prefix, on https", async () => {
    const token = await mintToken("session-org");
    const res = await exports.default.fetch("https://symbols.example.com/ui/login", {
      method: "POST",
      redirect: "manual",
      headers: { origin: "https://symbols.example.com", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(res.headers.get("set-cookie")).toMatch(/^__Secure-symbols_session=[0-9a-f]{64}; .*Secure; SameSite=Strict$/);
  });

  it("refuses an unknown token, a token without a project scope, and a sign-in posted by another site", async () => {
    const unknown = await submit("/ui/login", { token: "sntryu_" + "0".repeat(64) });
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain("The service does not know this token");
    const empty = await submit("/ui/login", { token: "  " });
    expect(empty.status).toBe(400);
    const token = await mintToken("session-org");
    const forged = await submit("/ui/login", { token }, { origin: "https://evil.example" });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("set-cookie")).toBeNull();
    const noOrigin = await exports.default.fetch(`${BASE}/ui/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(noOrigin.status).toBe(403);
  });

  it("refuses a form body above 1 MiB before reading it", async () => {
    const res = await submit("/ui/login", { token: "x".repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("Form too large");
  });

  it("never follows a next= to another site", async () => {
    const token = await mintToken("session-org");
    for (const next of ["https://evil.example/", "//evil.example/ui/", "/api/0/", "/ui/\\evil"]) {
      const res = await submit("/ui/login", { token, next });
      expect(res.headers.get("location")).toBe("/ui/orgs/session-org/");
    }
  });

  it("does not let the session cookie authorize any API route", async () => {
    const token = await mintToken("session-org");
    const browser = await signIn(token);
    for (const path of [
      "/api/0/projects/session-org/app/files/dsyms/",
      "/api/0/organizations/session-org/chunk-upload/",
      "/debuginfod/session-org/app/buildid/00/debuginfo",
    ]) {
      const res = await browser.get(path);
      expect(res.status, path).toBe(401);
    }
  });

  it("signs out only with the session's CSRF token, deletes the session, and clears the cookie", async () => {
    const browser = await signIn(await mintToken("session-org"));
    const id = browser.cookie.split("=")[1] as string;
    const forged = await browser.post("/ui/logout", { csrf: "0".repeat(64) });
    expect(forged.status).toBe(403);
    expect((await browser.get("/ui/orgs/session-org/")).status).toBe(200);

    const csrf = await browser.csrf("/ui/orgs/session-org/");
    const out = await browser.post("/ui/logout", { csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/ui/login?signed_out=1");
    expect(out.headers.get("set-cookie")).toMatch(/^symbols_session=; Max-Age=0; Path=\/ui/);
    expect(await env.TOKENS.get(sessionKey(await sha256Hex(id)))).toBeNull();
    const after = await browser.get("/ui/orgs/session-org/");
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toContain("/ui/login");
    // The live region's fetches learn it with a status they can show, not a redirect.
    expect((await browser.get("/ui/orgs/session-org/projects/app/live", { "x-live": "1" })).status).toBe(401);
  });

  it("ends the session when its token is deleted", async () => {
    const token = await mintToken("revoked-org");
    const browser = await signIn(token);
    expect((await browser.get("/ui/orgs/revoked-org/")).status).toBe(200);
    await env.TOKENS.delete(`token/${await sha256Hex(token)}`);
    expect((await browser.get("/ui/orgs/revoked-org/")).status).toBe(303);
  });

  it("sends the security headers on every page, and no inline script or style", async () => {
    const browser = await signIn(await mintToken("session-org"));
    for (const path of [
      "/ui/login",
      "/ui/orgs/session-org/",
      "/ui/orgs/session-org/setup/",
      "/ui/orgs/session-org/projects/app/",
      "/ui/orgs/session-org/projects/app/symbolicate/",
      "/ui/nowhere",
    ]) {
      const res = await browser.get(path);
      expect(res.headers.get("content-security-policy"), path).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
      expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      const scripts = await attributes(html, "script", "src");
      expect((html.match(/<script/g) ?? []).length).toBe(scripts.length);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    }
  });

  it("serves the stylesheet and script under content-hashed URLs, cacheable for a year", async () => {
    const html = await (await exports.default.fetch(`${BASE}/ui/login`)).text();
    const [css] = await attributes(html, 'link[rel="stylesheet"]', "href");
    const [js] = await attributes(html, "script", "src");
    for (const [path, type] of [
      [css, "text/css; charset=utf-8"],
      [js, "text/javascript; charset=utf-8"],
    ] as const) {
      expect(path).toMatch(/^\/ui\/static\/[a-z]+\.[0-9a-f]{8}\.(css|js)$/);
      const res = await exports.default.fetch(`${BASE}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await res.text()).length).toBeGreaterThan(100);
    }
  });
});
