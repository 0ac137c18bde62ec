#!/usr/bin/env node
/**
 * Load on loopback: a bounded number of clients for a fixed time per phase against one
 * `wrangler dev` (127.0.0.1 only, a snapshot of HEAD), each client sending its next request as
 * soon as the last one is answered:
 *
 *   upload+poll x32, x64   POST chunk-upload (one new 16 KiB chunk) then POST assemble (a poll
 *                          of an assembled file), as sentry-cli's upload loop does
 *   symbolicate x16        POST symbolicate, one module, a 20-frame stacktrace
 *   debuginfod x16         GET /debuginfod/…/buildid/{id}/debuginfo (the whole file)
 *
 * Per route: requests, errors (non-2xx or failed), p50/p99 latency; workerd RSS (all processes
 * of the dev server) sampled every second: at the start and end of each phase and its peak.
 * After each phase, where the memory is: per workerd process (the Worker's runtime, which also
 * runs the local R2/KV/Durable Object simulators, and wrangler's proxy) RSS split into anonymous
 * and file-backed pages, and the Worker isolate's JavaScript heap (V8's used size: objects, not
 * ArrayBuffer contents) before and after a forced garbage collection, through the inspector
 * (needs `node --experimental-websocket` on Node 20).
 *
 *   node bench/load/run.mjs [--seconds 60] [--max 50000] [--phases up32,up64,sym,dbg]
 *   node --experimental-websocket bench/load/run.mjs --seconds 15 --phases up64,up64,up64,sym,sym,dbg,dbg
 *
 * Not a test: prints numbers, gates nothing. The machine's load average is printed with them.
 */
import { randomBytes, createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  ROOT,
  mintToken,
  onCleanup,
  removeDir,
  inspector,
  isWorkerRuntime,
  rssMiB,
  rssSplitMiB,
  run,
  sentryCli,
  uploadArgs,
  snapshotHead,
  startDev,
  workerdPids,
} from "../upload/dev.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return Number(i >= 0 ? process.argv[i + 1] : fallback);
};
const SECONDS = arg("--seconds", 60);
const PHASES = (
  process.argv.includes("--phases") ? process.argv[process.argv.indexOf("--phases") + 1] : "up32,up64,sym,dbg"
)
  .split(",")
  .filter(Boolean);
const MAX = arg("--max", 50_000);
const FILE = join(ROOT, "test/fixtures/files/elf-x86_64-cpp");

run(async () => {
  const snapshot = snapshotHead();
  const persistDir = mkdtempSync(join(tmpdir(), "bench-load-"));
  onCleanup(() => removeDir(persistDir));
  const server = await startDev({ persistDir, cwd: snapshot.dir });
  const token = await mintToken(server, "acme");
  const auth = { authorization: `Bearer ${token}` };
  const up = await sentryCli(
    uploadArgs({ url: server.url, token, org: "acme", project: "load", path: FILE, wait: true }),
  );
  if (up.code !== 0) throw new Error(`upload failed: ${up.stderr}`);
  const [record] = await (await fetch(`${server.url}/api/0/projects/acme/load/files/dsyms/`, { headers: auth })).json();
  const fileBytes = await (
    await fetch(`${server.url}/api/0/projects/acme/load/files/dsyms/?id=${record.id}`, { headers: auth })
  ).arrayBuffer();
  const checksum = record.sha1;
  const fileChunk = createHash("sha1").update(Buffer.from(fileBytes)).digest("hex");
  const pollBody = JSON.stringify({ [checksum]: { name: record.objectName, chunks: [fileChunk] } });

  const routes = {
    "chunk-upload": async () => {
      const chunk = randomBytes(16 * 1024);
      const sum = createHash("sha1").update(chunk).digest("hex");
      const head = `--b\r\nContent-Disposition: form-data; name="file"; filename="${sum}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
      const body = Buffer.concat([Buffer.from(head), chunk, Buffer.from("\r\n--b--\r\n")]);
      return fetch(`${server.url}/api/0/organizations/acme/chunk-upload/`, {
        method: "POST",
        headers: { ...auth, "content-type": "multipart/form-data; boundary=b", "content-length": String(body.length) },
        body,
      });
    },
    assemble: () =>
      fetch(`${server.url}/api/0/projects/acme/load/files/difs/assemble/`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: pollBody,
      }),
    symbolicate: () =>
      fetch(`${server.url}/api/0/projects/acme/load/symbolicate/`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          modules: [{ type: "elf", debug_id: record.debugId, image_addr: "0x10000", image_size: 0x100000 }],
          stacktraces: [
            {
              frames: Array.from({ length: 20 }, (_, i) => ({
                instruction_addr: `0x${(0x11000 + i * 0x20).toString(16)}`,
              })),
            },
          ],
        }),
      }),
    debuginfod: () => fetch(`${server.url}/debuginfod/acme/load/buildid/${record.codeId}/debuginfo`, { headers: auth }),
  };

  const catalog = {
    up32: { name: "upload+poll", clients: 32, steps: ["chunk-upload", "assemble"] },
    up64: { name: "upload+poll", clients: 64, steps: ["chunk-upload", "assemble"] },
    sym: { name: "symbolicate", clients: 16, steps: ["symbolicate"] },
    dbg: { name: "debuginfod", clients: 16, steps: ["debuginfod"] },
  };
  const phases = PHASES.map((p) => {
    if (!catalog[p]) throw new Error(`--phases: one of ${Object.keys(catalog).join(", ")}, not ${p}`);
    return catalog[p];
  });
  const memory = [];
  const rss = () => workerdPids(server.pgid).reduce((sum, pid) => sum + rssMiB(pid), 0);
  console.log(
    `load on loopback: commit ${snapshot.commit.slice(0, 10)}, ${SECONDS} s per phase, at most ${MAX} requests a phase`,
  );
  console.log(
    "| Phase | Clients | Route | Requests | Errors | p50 ms | p99 ms | RSS start → end (peak) MiB | Load avg |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const phase of phases) {
    const latencies = Object.fromEntries(phase.steps.map((s) => [s, []]));
    const errors = Object.fromEntries(phase.steps.map((s) => [s, 0]));
    const rssStart = rss();
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 1000);
    const until = Date.now() + SECONDS * 1000;
    let sent = 0;
    const client = async () => {
      while (Date.now() < until && sent < MAX) {
        for (const stepName of phase.steps) {
          sent++;
          const t0 = process.hrtime.bigint();
          try {
            const res = await routes[stepName]();
            await res.arrayBuffer();
            if (!res.ok) errors[stepName]++;
          } catch {
            errors[stepName]++;
          }
          latencies[stepName].push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }
    };
    await Promise.all(Array.from({ length: phase.clients }, client));
    clearInterval(sampler);
    const rssEnd = rss();
    for (const stepName of phase.steps) {
      const xs = latencies[stepName].sort((a, b) => a - b);
      const q = (p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]?.toFixed(1) ?? "-";
      console.log(
        `| ${phase.name} | ${phase.clients} | ${stepName} | ${xs.length} | ${errors[stepName]} | ${q(0.5)} | ${q(0.99)} | ` +
          `${rssStart.toFixed(0)} → ${rssEnd.toFixed(0)} (${Math.max(rssPeak, rssEnd).toFixed(0)}) | ${loadavg()[0].toFixed(1)} |`,
      );
    }
    memory.push({ phase: `${phase.name} x${phase.clients}`, ...(await whereMemoryIs(server)) });
  }
  console.log("\n| After phase | runtime RSS (anon + file) MiB | proxy RSS MiB | JS heap used MiB | after GC MiB |");
  console.log("|---|---|---|---|---|");
  for (const m of memory) {
    console.log(`| ${m.phase} | ${m.runtime} | ${m.proxy} | ${m.heap} | ${m.heapAfterGc} |`);
  }
});

/** Per-process RSS of the dev server's workerd, and the Worker isolate's JS heap (see header). */
async function whereMemoryIs(server) {
  const out = { runtime: "", proxy: "", heap: "n/a", heapAfterGc: "n/a" };
  for (const pid of workerdPids(server.pgid)) {
    const m = rssSplitMiB(pid);
    if (isWorkerRuntime(pid)) out.runtime = `${m.rss.toFixed(0)} (${m.anon.toFixed(0)} + ${m.file.toFixed(0)})`;
    else out.proxy = m.rss.toFixed(0);
  }
  if (typeof globalThis.WebSocket !== "function") return out;
  try {
    const call = await inspector(server);
    const mib = (usage) => (usage.usedSize / 1024 / 1024).toFixed(1);
    out.heap = mib(await call("Runtime.getHeapUsage"));
    await call("HeapProfiler.collectGarbage");
    out.heapAfterGc = mib(await call("Runtime.getHeapUsage"));
  } catch (err) {
    out.heap = `inspector: ${err.message}`;
  }
  return out;
}
