/**
 * `npm start` as a user runs it (`node scripts/dev.mjs` in the repository), on a state directory
 * and port of the test's choosing, and stopped with its wrangler and workerd.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface Started {
  child: ChildProcess;
  output: () => string;
}

export function npmStart(args: string[], env: Record<string, string>): Started {
  let output = "";
  const child = spawn("node", ["scripts/dev.mjs", ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stopping it takes wrangler and workerd down too
  });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  return { child, output: () => output };
}

export async function ready(url: string, started: Started): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited:\n${started.output()}`);
    const up = await fetch(`${url}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error(`not up within 90 s:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function stop(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGINT");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // gone
  }
}
