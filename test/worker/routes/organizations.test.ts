import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

const get = (path: string, token?: string) =>
  exports.default.fetch(`${BASE}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("GET /api/0/ (sentry-cli info)", () => {
  it("answers the token's scopes, under both spellings of the path", async () => {
    const token = await mintToken("acme", ["project:read", "project:releases"]);
    for (const path of ["/api/0/", "/api/0"]) {
      const res = await get(path, token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        version: "0",
        auth: { scopes: ["project:read", "project:releases"] },
        user: null,
      });
    }
  });

  it("answers nulls without a token, and 401 for a bad one", async () => {
    expect(await (await get("/api/0/")).json()).toEqual({ version: "0", auth: null, user: null });
    const bad = await get("/api/0/", "sntryu_bad");
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ detail: "Invalid token" });
  });
});

describe("GET /api/0/organizations/", () => {
  it("lists the token's organization in the shape sentry-cli parses", async () => {
    const token = await mintToken("acme");
    const res = await get("/api/0/organizations/?cursor=", token);
    expect(res.status).toBe(200);
    const orgs = await res.json<Record<string, unknown>[]>();
    expect(orgs).toHaveLength(1);
    expect(orgs[0]).toMatchObject({
      id: "acme",
      slug: "acme",
      name: "acme",
      isEarlyAdopter: false,
      require2FA: false,
      requireEmailVerification: false,
      features: [],
    });
    expect(Date.parse(orgs[0]?.dateCreated as string)).not.toBeNaN();
  });

  it("refuses a missing or bad token", async () => {
    expect((await get("/api/0/organizations/")).status).toBe(401);
    expect((await get("/api/0/organizations/", "sntryu_bad")).status).toBe(401);
  });
});

describe("GET /api/0/organizations/{org}/projects/", () => {
  it("lists projects with uploads in flight or files, and 404s another org", async () => {
    const org = `projects-${crypto.randomUUID().slice(0, 8)}`;
    const token = await mintToken(org);
    const empty = await get(`/api/0/organizations/${org}/projects/?cursor=`, token);
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual([]);

    // One file uploaded into project "ios" (processed), one only in flight in "android".
    const { checksum, entry } = await uploadFile(token, org, fixture("breakpad-linux.sym"), "app.sym");
    expect((await waitForFile(token, org, "ios", checksum, entry)).state).toBe("ok");
    const inFlight = new TextEncoder().encode(`MODULE Linux x86_64 ${"0".repeat(33)} in-flight\n`);
    const second = await uploadFile(token, org, inFlight, "in-flight.sym");
    await assemble(token, org, "android", { [second.checksum]: second.entry });
    const listed = await get(`/api/0/organizations/${org}/projects/`, token);
    const projects = await listed.json<{ slug: string }[]>();
    expect(projects.map((p) => p.slug).sort()).toEqual(["android", "ios"]);
    expect(projects.find((p) => p.slug === "ios")).toEqual({
      id: "ios",
      slug: "ios",
      name: "ios",
      team: null,
      teams: [],
    });

    expect((await get(`/api/0/organizations/globex/projects/`, token)).status).toBe(404);
    expect((await get(`/api/0/organizations/${org}/projects/`, "sntryu_bad")).status).toBe(401);
  });
});
