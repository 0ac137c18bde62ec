/** Runs the real, unmodified sentry-cli (npm @sentry/cli, the binary it ships). */
import { spawn } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "sentry-cli");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export function sentryCli(args: string[], env: Record<string, string> = {}, timeoutMs = 150_000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SENTRY_DISABLE_UPDATE_CHECK: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sentry-cli timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * `sentry-cli debug-files upload` of `path` into org/project, as a release engineer types it.
 * `global` flags go before the subcommand (sentry-cli requires that of `--url`).
 */
export function uploadArgs(o: {
  url: string;
  token: string;
  project: string;
  path: string;
  org?: string;
  extra?: string[];
  global?: string[];
}): string[] {
  const global = ["--url", o.url, "--auth-token", o.token, ...(o.global ?? [])];
  return [
    ...global,
    "debug-files",
    "upload",
    "--org",
    o.org ?? "acme",
    "--project",
    o.project,
    ...(o.extra ?? []),
    o.path,
  ];
}
