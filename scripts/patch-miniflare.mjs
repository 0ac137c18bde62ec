#!/usr/bin/env node
// Makes the local simulator's internal log lines best-effort, so a long queue consumer call
// cannot stop `wrangler dev`'s (and the Worker tests') local queue for good.
//
// Why: miniflare's internal Durable Objects (the queue broker among them) report each log line
// ("QUEUE symcache-jobs 1/1 (7146ms)") with a POST to wrangler's loopback HTTP server in Node.
// Node closes an idle keep-alive connection after 5 s (`server.keepAliveTimeout`), and workerd
// reuses its pooled connection without noticing, so the first log line after a consumer call of
// more than ~5 s fails with "Network connection lost". The broker awaits that log line between
// dispatching a batch and clearing its "flush in flight" mark, so the failure leaves the mark set
// and the local queue never delivers another message until the process restarts. A symcache
// final merge of a 270 MiB file takes 7-19 s on two cores: it hit this every time.
// Reproduced with miniflare 4.20260426.0 alone (a queue handler that runs 5 s synchronously
// stalls the queue after one or two messages; docs/local-queue-stall.md has the experiment).
//
// The fix: logWithLevel retries the POST once (a fresh connection succeeds) and otherwise drops
// the line, as a logger must never fail the operation it reports on. Idempotent; run by
// `postinstall`, `npm start` and `npm test`. Production is not affected: Cloudflare's Queues
// do not run this code.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MARK = "/* symbol-service: best-effort log lines (scripts/patch-miniflare.mjs) */";

const ORIGINAL = `  async logWithLevel(level, message) {
    await this.env[SharedBindings.MAYBE_SERVICE_LOOPBACK]?.fetch(
      "http://localhost/core/log",
      {
        method: "POST",
        headers: { [SharedHeaders.LOG_LEVEL]: level.toString() },
        body: message
      }
    );
  }`;

const PATCHED = `  async logWithLevel(level, message) {
    ${MARK}
    const send = () => this.env[SharedBindings.MAYBE_SERVICE_LOOPBACK]?.fetch(
      "http://localhost/core/log",
      {
        method: "POST",
        headers: { [SharedHeaders.LOG_LEVEL]: level.toString() },
        body: message
      }
    );
    try {
      await send();
    } catch {
      try {
        await send();
      } catch {
      }
    }
  }`;

/** Patches the installed miniflare; returns what it did, for the caller to print. */
export function patchMiniflare(root = ROOT) {
  let packageJson;
  try {
    packageJson = createRequire(join(root, "package.json")).resolve("miniflare/package.json");
  } catch {
    return "miniflare is not installed: nothing to patch";
  }
  const version = JSON.parse(readFileSync(packageJson, "utf8")).version;
  const file = join(dirname(packageJson), "dist", "src", "workers", "shared", "index.worker.js");
  if (!existsSync(file))
    return `miniflare ${version}: ${file} not found, not patched (check whether it still needs it)`;
  const source = readFileSync(file, "utf8");
  if (source.includes(MARK)) return `miniflare ${version}: log lines already best-effort`;
  if (!source.includes(ORIGINAL)) {
    return `miniflare ${version}: logWithLevel has changed, not patched (check whether this version still stalls its local queue after a long consumer call)`;
  }
  writeFileSync(file, source.replace(ORIGINAL, PATCHED));
  return `miniflare ${version}: log lines made best-effort (a failed log POST no longer stops the local queue)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`patch-miniflare: ${patchMiniflare()}`);
}
