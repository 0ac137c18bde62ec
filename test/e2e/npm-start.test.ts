/**
 * `npm start` and `npm run token` as the README gives them: `--port N` and `PORT=N`, a taken port
 * answered with one line, and the token script finding the server that runs. The scripts run as
 * npm runs them (`node scripts/...` in the repository), on a state directory of their own.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, npmStart, ready, stop, type Started } from "./npm-start";
import { sentryCli } from "../support/sentry-cli.mjs";
import { freePort, removeDir } from "../support/wrangler-dev.mjs";

/** `npm run token -- <args>` against whatever server it finds (no --url). */
function mint(args: string[], env: Record<string, string>) {
  return spawnSync("node", ["scripts/token.mjs", ...args], {
    cwd: ROOT,
    env: { ...process.env, SERVICE_URL: "", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

async function scopesOf(url: string, token: string): Promise<unknown> {
  const res = await fetch(`${url}/api/0/`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json<{ auth: { scopes: string[] } | null }>()).auth?.scopes;
}

describe("npm start and npm run token", () => {
  const state = mkdtempSync(join(tmpdir(), "npm-start-"));
  const running: Started[] = [];
  afterAll(async () => {
    await Promise.all(running.map(stop));
    removeDir(state);
  });

  it("listens on `--port N`, and `npm run token` mints against it without --url", async () => {
    const port = await freePort();
    const server = npmStart(["--port", String(port)], { PERSIST_TO: state });
    running.push(server);
    const url = `http://127.0.0.1:${port}`;
    await ready(url, server);
    expect(server.output()).toContain("sntryu_00000000000000000000000000000000000000000000000000000000000dac3e");

    const minted = mint(["acme"], { PERSIST_TO: state });
    expect(minted.status, minted.stderr).toBe(0);
    expect(await scopesOf(url, minted.stdout.trim())).toEqual(["project:read", "project:write", "project:releases"]);

    // A second start on the same port: one clear line, before wrangler starts.
    const second = spawnSync("node", ["scripts/dev.mjs"], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), PERSIST_TO: state },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(second.status).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr.trim().split("\n")).toEqual([
      `npm start: port ${port} on 127.0.0.1 is in use (another \`npm start\`?); choose another with \`npm start -- --port ${port + 1}\` or \`PORT=${port + 1} npm start\``,
    ]);

    await stop(server);
    expect(existsSync(join(state, "dev-url"))).toBe(false);
  });

  let portUrl = "";
  const url = () => portUrl;

  it("listens on `PORT=N`, and the token follows it", async () => {
    const port = await freePort();
    const server = npmStart([], { PORT: String(port), PERSIST_TO: state });
    running.push(server);
    portUrl = `http://127.0.0.1:${port}`;
    await ready(portUrl, server);
    const minted = mint(["acme", "--scopes", "project:read"], { PERSIST_TO: state });
    expect(minted.status, minted.stderr).toBe(0);
    expect(await scopesOf(portUrl, minted.stdout.trim())).toEqual(["project:read"]);
  });

  it("lists the org's tokens and revokes one, which sentry-cli then finds refused", async () => {
    const token = mint(["acme"], { PERSIST_TO: state }).stdout.trim();
    const info = () => sentryCli(["--url", url(), "--auth-token", token, "info", "--no-defaults"]);
    expect((await info()).code).toBe(0);

    const listed = mint(["acme", "--list"], { PERSIST_TO: state });
    expect(listed.status, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+TOKEN\s+SCOPES\s+CREATED\s+LAST USED$/);
    // The development token, the one of the previous test, and this one (used just now).
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^[0-9a-f]{16}\s+sntryu_\.\.\.ac3e\s+project:read,project:write,project:releases\s+2026-01-01T/,
      ),
    );
    const row = lines.find((l) => l.includes(`sntryu_...${token.slice(-4)}`));
    expect(row).toMatch(/\s\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(listed.stdout).not.toContain(token.slice(7, 60));

    const revoked = mint(["acme", "--revoke", token], { PERSIST_TO: state });
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${row?.split(" ")[0]} (sntryu_...${token.slice(-4)}`);
    const refused = await info();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Invalid token (http status: 401)");
    expect(mint(["acme", "--list"], { PERSIST_TO: state }).stdout).not.toContain(`sntryu_...${token.slice(-4)}`);
  });

  it("refuses a port that is not a number, and says when no server answers", () => {
    const bad = spawnSync("node", ["scripts/dev.mjs", "--port", "eighty"], { cwd: ROOT, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('the port must be a number from 1 to 65535, not "eighty"');

    const nobody = mint(["acme", "--url", "http://127.0.0.1:9"], { PERSIST_TO: state });
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain("cannot reach the service at http://127.0.0.1:9");
  });
});
