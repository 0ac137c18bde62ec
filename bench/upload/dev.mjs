/**
 * Helpers shared by bench/upload/run.mjs and bench/symbolicate/run.mjs: start `wrangler dev` on a
 * free loopback port with its own --persist-to directory (the same command as
 * test/e2e/wrangler-dev.ts, duplicated because that file is TypeScript and Node 20 cannot import
 * it), mint a token, run the real sentry-cli from node_modules, sample the RSS of workerd, and
 * clean everything up on exit, errors and signals included.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const ADMIN_TOKEN = "bench-admin-token";
export const MiB = 1024 * 1024;
const SENTRY_CLI = join(ROOT, "node_modules", ".bin", "sentry-cli");

// ---------------------------------------------------------------- cleanup on exit
const cleanups = [];
/** Registers `fn` to run (once, last registered first) when the bench ends, however it ends. */
export function onCleanup(fn) {
  cleanups.push(fn);
}
let cleaned = false;
export async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (err) {
      console.error("cleanup:", err?.message ?? err);
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping servers and removing temp dirs`);
    cleanup().finally(() => process.exit(130));
  });
}
/** Runs `main`, then always cleans up; exit code 1 on error. */
export function run(main) {
  main()
    .then(cleanup, async (err) => {
      console.error(err);
      await cleanup();
      process.exitCode = 1;
    })
    .finally(() => setTimeout(() => process.exit(), 100).unref());
}

// ---------------------------------------------------------------- snapshot of HEAD
/**
 * `git archive HEAD` extracted into a temp dir, with a symlink to the repository's node_modules:
 * `wrangler dev` runs from there, so edits in the shared working tree (src/, the symcache wasm)
 * neither reload the server mid-run nor leak uncommitted code into the numbers. Returns
 * { dir, commit, dirty } (dirty: the working tree differed from HEAD outside bench/ when the
 * snapshot was taken; informational, the snapshot measures HEAD). Removed on cleanup. Another
 * `revision` (a commit, a branch) measures that instead, for an A/B in one session.
 */
export function snapshotHead(revision = "HEAD") {
  const git = (...args) => {
    const r = spawnSync("git", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * MiB });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const commit = git("rev-parse", revision).trim();
  const dirty =
    git("status", "--porcelain", "--untracked-files=no")
      .split("\n")
      .filter((l) => l && !/ bench\//.test(l)).length > 0;
  const dir = mkdtempSync(join(tmpdir(), "bench-snapshot-"));
  onCleanup(() => removeDir(dir));
  const r = spawnSync("sh", ["-c", `git archive ${commit} | tar -x -C '${dir}'`], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git archive failed: ${r.stderr}`);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return { dir, commit, dirty };
}

// ---------------------------------------------------------------- wrangler dev
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

/**
 * `wrangler dev` in its own process group (so stop() takes workerd down with it), bound to
 * 127.0.0.1, run in `cwd` (a snapshotHead() dir; ROOT if not given). `args` come first
 * (e.g. ["-c", "bench/upload/ceiling/wrangler.toml"]).
 */
export async function startDev({ args = [], persistDir, cwd = ROOT, timeoutMs = 90_000 }) {
  const port = await freePort();
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
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
    ],
    {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    },
  );
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((r) => child.once("exit", r));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  onCleanup(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) });
      break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler dev did not start within ${timeoutMs / 1000} s:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { url, port, inspectorPort, pgid: child.pid, persistDir, log: () => output, stop };
}

export async function mintToken(server, org) {
  const res = await fetch(`${server.url}/api/0/admin/tokens/`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ org, scopes: ["project:read", "project:write"] }),
  });
  if (res.status !== 201) throw new Error(`mint failed ${res.status}: ${await res.text()}`);
  return (await res.json()).token;
}

// ---------------------------------------------------------------- sentry-cli
/**
 * The arguments of `sentry-cli debug-files upload` against this service: `global` options
 * (`--log-level=debug`) go before the command, `extra` ones (`--no-zips`) before the path.
 */
export function uploadArgs({ url, token, org, project, path, wait = false, global = [], extra = [] }) {
  return [
    "--url",
    url,
    "--auth-token",
    token,
    ...global,
    "debug-files",
    "upload",
    "--org",
    org,
    "--project",
    project,
    ...(wait ? ["--wait"] : []),
    ...extra,
    path,
  ];
}

/** The real sentry-cli; resolves { code, stdout, stderr, seconds }; killed after timeoutMs. */
export function sentryCli(args, { env = {}, timeoutMs = 300_000 } = {}) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(SENTRY_CLI, args, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SENTRY_DISABLE_UPDATE_CHECK: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const kill = () => child.kill("SIGKILL");
    onCleanup(kill);
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`sentry-cli timed out after ${timeoutMs / 1000} s\n${stdout}\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

// ---------------------------------------------------------------- memory
/** Every `workerd` process in process group `pgid` (the wrangler dev started above). */
export function workerdPids(pgid) {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" "); // state ppid pgrp ...
      if (comm === "workerd" && Number(fields[2]) === pgid) pids.push(Number(name));
    } catch {} // gone meanwhile
  }
  return pids;
}

/** VmRSS split into anonymous memory (heaps) and file-backed pages (the binary, mapped files), MiB. */
export function rssSplitMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
  } catch {
    return { rss: 0, anon: 0, file: 0 };
  }
}

/** The dev server's workerd that runs the Worker (it has the inspector) rather than wrangler's proxy. */
export function isWorkerRuntime(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--inspector-addr");
  } catch {
    return false;
  }
}

export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples VmRSS of every workerd of `pgid` every `everyMs`; stop() returns the idle values at
 * start, the peak of each process and the peak of their sum.
 */
export function sampleRss(pgid, everyMs = 200) {
  const idle = {};
  const peak = {};
  let sumIdle = 0;
  let sumPeak = 0;
  const sample = (first) => {
    let sum = 0;
    for (const pid of workerdPids(pgid)) {
      const rss = rssMiB(pid);
      sum += rss;
      if (first) idle[pid] = rss;
      peak[pid] = Math.max(peak[pid] ?? 0, rss);
    }
    if (first) sumIdle = sum;
    sumPeak = Math.max(sumPeak, sum);
  };
  sample(true);
  const timer = setInterval(() => sample(false), everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      return { idle, peak, sumIdle, sumPeak, maxPeak: Math.max(0, ...Object.values(peak)) };
    },
  };
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}
