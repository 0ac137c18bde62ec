/**
 * Child processes and small helpers shared by the corpus scripts. Every command has a time limit:
 * a hung compiler or linker fails the build with its command line instead of hanging it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

const DEFAULT_TIMEOUT_MS = 20 * 60 * 1000;

/** Run `cmd args` in `cwd`; resolve with its output (stdout + stderr), reject with a readable error. */
export function run(cmd, args, { cwd, env, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (err) =>
      fail(new Error(`${cmd} could not start (bash scripts/install-toolchain.sh): ${err.message}`)),
    );
    child.on("close", (code, signal) => {
      if (code === 0) return done(out);
      const why = signal ? `killed by ${signal}${signal === "SIGTERM" ? " (timed out)" : ""}` : `exit ${code}`;
      fail(new Error(`${cmd} ${args.join(" ")} failed (${why}) in ${cwd}:\n${out.slice(-4000)}`));
    });
  });
}

export const sha256 = (data) => createHash("sha256").update(data).digest("hex");

export function fileSha256(path) {
  return new Promise((done, fail) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("end", () => done(hash.digest("hex")))
      .on("error", fail);
  });
}

export const seconds = (t0) => (performance.now() - t0) / 1000;

export const clock = (s) =>
  s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
