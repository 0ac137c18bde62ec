/**
 * The real, unmodified sentry-cli (npm @sentry/cli, the binary it ships) for tests, benchmarks
 * and the soak. Plain JavaScript with types beside it (sentry-cli.d.mts), for the same reason as
 * wrangler-dev.mjs.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "sentry-cli");

/**
 * Runs sentry-cli with `args` and only PATH, HOME and `env` in its environment (no update check);
 * resolves { code, stdout, stderr, seconds } when it exits, rejects after `timeoutMs` (killing
 * it). `onSpawn(kill)` hands the caller a way to kill it from its own cleanup.
 */
export function sentryCli(args, { env = {}, timeoutMs = 150_000, onSpawn } = {}) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SENTRY_DISABLE_UPDATE_CHECK: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const kill = () => child.kill("SIGKILL");
    onSpawn?.(kill);
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

/**
 * The arguments of `sentry-cli debug-files upload` of `path` into org/project, as a release
 * engineer types them: `global` options (`--log-level=debug`) go before the command (sentry-cli
 * requires that of `--url`), `extra` ones (`--no-zips`) before the path.
 */
export function uploadArgs({ url, token, org = "acme", project, path, wait = false, global = [], extra = [] }) {
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
