/**
 * `wrangler dev` for tests, benchmarks and the soak: the same command as `npm start`, bound to
 * 127.0.0.1 on a free port, with its own --persist-to directory, in its own process group (so a
 * stop takes workerd down with wrangler), its output captured and its startup wait bounded.
 * Plain JavaScript with types beside it (wrangler-dev.d.mts): the benches and the soak run on
 * Node 20, which imports no TypeScript; the e2e tests import the same file.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
/** The admin secret every server started here has, unless `vars` sets another. */
export const ADMIN_TOKEN = "local-admin-token";

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Signals the process group of `child` (spawned with `detached: true`), waits up to 10 s for it
 * to exit, then SIGKILLs the group: whatever wrangler left behind goes too.
 */
export async function stopGroup(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // gone
  }
}

/**
 * Polls `url` until it answers (any HTTP status: a ceiling Worker may answer GET / with an
 * error), failing at once if `child` exits and after `timeoutMs` otherwise; `what` and `log()`
 * name the server and its output in the error.
 */
export async function waitUntilUp(url, child, log, { what = "wrangler dev", timeoutMs = 90_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited early:\n${log()}`);
    const up = await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) }).then(
      async (res) => (await res.arrayBuffer(), true),
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs / 1000} s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Starts `wrangler dev` in `cwd` (ROOT if not given). `args` come first (e.g. ["-c",
 * "bench/upload/ceiling/wrangler.toml"]); `vars` become `--var NAME:value` after ADMIN_TOKEN.
 * Without `persistDir` a new temporary one is made (the caller removes it: `removeDir`).
 * `onSpawn(stop)` is called as soon as the process exists, so a caller's cleanup can stop it
 * even when the startup fails or is interrupted; a failed startup stops it too.
 */
export async function startDev({
  args = [],
  vars = {},
  persistDir = mkdtempSync(join(tmpdir(), "symbol-service-dev-")),
  port,
  cwd = ROOT,
  timeoutMs = 90_000,
  onSpawn,
} = {}) {
  const listen = port ?? (await freePort());
  const inspectorPort = await freePort();
  let output = "";
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      ...args,
      "--ip",
      "127.0.0.1",
      "--port",
      String(listen),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistDir,
      ...Object.entries({ ADMIN_TOKEN, ...vars }).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      "--show-interactive-dev-session=false",
    ],
    {
      cwd,
      detached: true, // its own process group: stop() takes workerd down with it
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    },
  );
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const log = () => output;
  const stop = (signal = "SIGTERM") => stopGroup(child, signal);
  onSpawn?.(stop);
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitUntilUp(url, child, log, { timeoutMs });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port: listen, inspectorPort, pgid: child.pid, persistDir, log, stop };
}

/** A token with project:read and project:write in `org`, minted with the admin secret. */
export async function mintToken(server, org, { format = "plain", adminToken = ADMIN_TOKEN } = {}) {
  const res = await fetch(`${server.url}/api/0/admin/tokens/`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ org, scopes: ["project:read", "project:write"], format }),
  });
  if (res.status !== 201) throw new Error(`mint failed ${res.status}: ${await res.text()}`);
  return (await res.json()).token;
}
