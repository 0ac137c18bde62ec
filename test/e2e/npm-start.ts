/**
 * `npm start` as a user runs it (`node scripts/dev.mjs` in the repository), on a state directory
 * and port of the test's choosing, and stopped with its wrangler and workerd.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { ROOT, stopGroup, waitUntilUp } from "../support/wrangler-dev.mjs";

export { ROOT };

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

export function ready(url: string, started: Started): Promise<void> {
  return waitUntilUp(url, started.child, started.output, { what: "npm start" });
}

/** SIGINT, as Ctrl-C in the terminal: scripts/dev.mjs passes it on to wrangler. */
export function stop(started: Started): Promise<void> {
  return stopGroup(started.child, "SIGINT");
}
