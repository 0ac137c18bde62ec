/**
 * The benches' and the soak's harness: cleanup on exit (errors and signals included), a snapshot
 * of HEAD to run `wrangler dev` from, and RSS sampling of workerd. `wrangler dev` and sentry-cli
 * are test/support's (the e2e tests start them the same way), wired here to the cleanup.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sentryCli as runSentryCli } from "../../test/support/sentry-cli.mjs";
import { ROOT, removeDir, startDev as startWranglerDev } from "../../test/support/wrangler-dev.mjs";

export { uploadArgs } from "../../test/support/sentry-cli.mjs";
export { ADMIN_TOKEN, ROOT, freePort, mintToken, removeDir } from "../../test/support/wrangler-dev.mjs";
export const MiB = 1024 * 1024;

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

// ---------------------------------------------------------------- wrangler dev, sentry-cli
/** test/support's startDev (same options), stopped on cleanup however the bench ends. */
export function startDev(options) {
  return startWranglerDev({ ...options, onSpawn: onCleanup });
}

/** test/support's sentryCli, killed on cleanup; 300 s unless `timeoutMs` says otherwise. */
export function sentryCli(args, { env = {}, timeoutMs = 300_000 } = {}) {
  return runSentryCli(args, { env, timeoutMs, onSpawn: onCleanup });
}

// ---------------------------------------------------------------- memory
/**
 * /proc/<path>/stat of a process or thread: its name and the fields after it (state(0) ppid pgrp
 * ... utime(11) stime(12) cutime(13) cstime(14) ...); null if it is gone.
 */
function procStat(path) {
  try {
    const stat = readFileSync(`/proc/${path}/stat`, "utf8");
    const close = stat.lastIndexOf(")"); // the name may itself hold spaces and parentheses
    return { comm: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") };
  } catch {
    return null;
  }
}

/** Every `workerd` process in process group `pgid` (the wrangler dev started above). */
export function workerdPids(pgid) {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(name);
    if (stat?.comm === "workerd" && Number(stat.fields[2]) === pgid) pids.push(Number(name));
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

// ---------------------------------------------------------------- the Worker isolate's memory
/**
 * One inspector session per dev server (wrangler's inspector proxy stopped answering a second
 * session after the first closed): a function that sends a method and awaits its result. Needs
 * a global WebSocket (`node --experimental-websocket` on Node 20).
 */
export async function inspector(server) {
  if (server.inspectorCall) return server.inspectorCall;
  const [target] = await (await fetch(`http://127.0.0.1:${server.inspectorPort}/json`)).json();
  // wrangler's inspector proxy wants an Origin it knows (127.0.0.1 is one); undici's WebSocket
  // takes headers in its second argument.
  const socket = new globalThis.WebSocket(target.webSocketDebuggerUrl, { headers: { origin: "http://127.0.0.1" } });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  onCleanup(() => socket.close());
  let id = 0;
  server.inspectorCall = (method) =>
    new Promise((resolve, reject) => {
      const mine = ++id;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 30_000);
      socket.addEventListener("message", function onMessage(event) {
        const message = JSON.parse(event.data);
        if (message.id !== mine) return;
        socket.removeEventListener("message", onMessage);
        clearTimeout(timer);
        resolve(message.result);
      });
      socket.send(JSON.stringify({ id: mine, method }));
    });
  return server.inspectorCall;
}

/**
 * Samples the Worker isolate's memory every `everyMs` through the inspector: V8's used heap
 * (JavaScript objects) and its backing storage (ArrayBuffer contents: request pieces, chunk
 * buffers, WebAssembly memory), which is what the 128 MB isolate limit counts and the process
 * RSS cannot separate from the local simulators. Durable Objects of the same script run in the
 * same isolate under `wrangler dev`, so assembly is included. Backing storage includes buffers
 * already dropped but not yet collected, so every `gcEvery`-th sample first forces a garbage
 * collection: `live` is the peak of those, what the isolate really held. stop() returns the
 * peaks in MiB, or null without a global WebSocket.
 */
export async function sampleIsolate(server, { everyMs = 250, gcEvery = 8 } = {}) {
  if (typeof globalThis.WebSocket !== "function") return { stop: () => null };
  const call = await inspector(server);
  const peak = { heap: 0, buffers: 0, total: 0, live: 0 };
  let busy = false;
  let n = 0;
  const timer = setInterval(async () => {
    if (busy) return; // an answer held up by a busy isolate: skip, never queue
    busy = true;
    try {
      const collect = ++n % gcEvery === 0;
      if (collect) await call("HeapProfiler.collectGarbage");
      const usage = await call("Runtime.getHeapUsage");
      const heap = usage.usedSize / MiB;
      const buffers = (usage.backingStorageSize ?? 0) / MiB;
      peak.heap = Math.max(peak.heap, heap);
      peak.buffers = Math.max(peak.buffers, buffers);
      peak.total = Math.max(peak.total, heap + buffers);
      if (collect) peak.live = Math.max(peak.live, heap + buffers);
    } catch {
      // the isolate is restarting or the server stopping: the next sample tells
    } finally {
      busy = false;
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

// ---------------------------------------------------------------- CPU
const TICKS_PER_SECOND = 100; // USER_HZ: what /proc/*/stat counts utime and stime in, on Linux

/** utime + stime of a process or thread, in seconds, with its name and group; null if gone. */
function cpuOf(path) {
  const stat = procStat(path);
  if (!stat) return null;
  const seconds = (Number(stat.fields[11]) + Number(stat.fields[12])) / TICKS_PER_SECOND;
  return { comm: stat.comm, pgrp: Number(stat.fields[2]), seconds };
}

/** Every process of group `pgid` with the CPU seconds of each of its threads. */
function groupCpu(pgid) {
  const processes = {};
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const me = cpuOf(name);
    if (!me || me.pgrp !== pgid) continue;
    const threads = {};
    try {
      for (const tid of readdirSync(`/proc/${name}/task`)) {
        const t = cpuOf(`${name}/task/${tid}`);
        if (t) threads[tid] = t;
      }
    } catch {} // gone meanwhile
    processes[name] = { comm: me.comm, runtime: me.comm === "workerd" && isWorkerRuntime(Number(name)), threads };
  }
  return processes;
}

/** CPU seconds this process's reaped children used (cutime + cstime): how sentry-cli's runs are counted. */
export function childrenCpuSeconds() {
  const { fields } = procStat("self");
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/**
 * CPU used by the processes of group `pgid` (a wrangler dev) between now and stop(): per process,
 * its seconds and those of its busiest thread. workerd runs its isolates on one thread, so a
 * busiest thread near the wall time says that thread, not the machine's cores, sets the pace.
 */
export function sampleCpu(pgid) {
  const before = groupCpu(pgid);
  const started = performance.now();
  return {
    stop() {
      const wall = (performance.now() - started) / 1000;
      const after = groupCpu(pgid);
      const out = [];
      for (const [pid, proc] of Object.entries(after)) {
        let total = 0;
        let busiest = 0;
        for (const [tid, t] of Object.entries(proc.threads)) {
          const used = t.seconds - (before[pid]?.threads[tid]?.seconds ?? 0);
          total += used;
          busiest = Math.max(busiest, used);
        }
        const name = proc.comm === "workerd" ? (proc.runtime ? "workerd(worker)" : "workerd(proxy)") : proc.comm;
        if (total >= 0.05) out.push({ name, cpu: total, busiestThread: busiest });
      }
      out.sort((a, b) => b.cpu - a.cpu);
      return { wall, processes: out };
    },
  };
}

/** "workerd(worker) 12.1 s (busiest thread 11.7), node 0.3 s (busiest thread 0.2), sentry-cli 2.4 s" */
export function formatCpu(account) {
  return account.processes
    .map(
      (p) =>
        `${p.name} ${p.cpu.toFixed(1)} s` +
        (Number.isFinite(p.busiestThread) ? ` (busiest thread ${p.busiestThread.toFixed(1)})` : ""),
    )
    .join(", ");
}
