/**
 * Is the admin secret compared in constant time, as seen by a client? Starts `wrangler dev` (this
 * working tree) with a 64-character ADMIN_TOKEN and the guess limiter opened wide
 * (ADMIN_FAILURES_PER_MINUTE), then sends, interleaved one after another on loopback, N wrong
 * secrets that differ from the real one in the first byte and N that differ in the last byte,
 * and compares the latency distributions: medians, means, and a bootstrap 95% interval of the
 * difference of medians. A leak would show as a last-byte median consistently above the first.
 *
 *   node bench/admin-secret/run.mjs [--tries 10000]
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { execSync } from "node:child_process";
import { onCleanup, run, startDev } from "../upload/dev.mjs";

const tries = Number(process.argv[process.argv.indexOf("--tries") + 1]) || 10_000;
const SECRET = "s".repeat(32) + "0123456789abcdef0123456789abcdef";

run(async () => {
  const persistDir = mkdtempSync(join(tmpdir(), "bench-admin-secret-"));
  onCleanup(() => execSync(`rm -rf ${persistDir}`));
  const server = await startDev({
    persistDir,
    vars: { ADMIN_TOKEN: SECRET, ADMIN_FAILURES_PER_MINUTE: "100000000" },
  });
  const wrongFirst = "X" + SECRET.slice(1);
  const wrongLast = SECRET.slice(0, -1) + "X";
  const attempt = async (secret) => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${server.url}/api/0/admin/tokens/`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: "{}",
    });
    await res.arrayBuffer();
    if (res.status !== 401) throw new Error(`expected 401, got ${res.status}`);
    return Number(process.hrtime.bigint() - t0) / 1000; // µs
  };
  for (let i = 0; i < 300; i++) await attempt(i % 2 ? wrongFirst : wrongLast); // warm-up
  const first = [];
  const last = [];
  for (let i = 0; i < tries; i++) {
    // Alternate which goes first, so drift in the machine's load hits both alike.
    if (i % 2) {
      first.push(await attempt(wrongFirst));
      last.push(await attempt(wrongLast));
    } else {
      last.push(await attempt(wrongLast));
      first.push(await attempt(wrongFirst));
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const diffs = [];
  for (let b = 0; b < 1000; b++) {
    const sample = (xs) => Array.from({ length: xs.length }, () => xs[Math.floor(Math.random() * xs.length)]);
    diffs.push(median(sample(last)) - median(sample(first)));
  }
  diffs.sort((a, b) => a - b);
  const commit = execSync("git rev-parse --short HEAD").toString().trim();
  console.log(
    `commit ${commit}, ${tries} tries each, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(`wrong first byte: median ${median(first).toFixed(0)} µs, mean ${mean(first).toFixed(0)} µs`);
  console.log(`wrong last byte:  median ${median(last).toFixed(0)} µs, mean ${mean(last).toFixed(0)} µs`);
  console.log(
    `last - first, median: ${(median(last) - median(first)).toFixed(1)} µs ` +
      `(bootstrap 95%: ${diffs[25].toFixed(1)} .. ${diffs[974].toFixed(1)} µs)`,
  );
});
