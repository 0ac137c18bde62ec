#!/usr/bin/env node
/**
 * Upload throughput of large debug files: the real sentry-cli against `wrangler dev`, end to end
 * (hashing, compression, chunk upload, assembly with whole-file SHA-1 verification and
 * identification, until the final answer of `--wait`), against two baselines measured on the
 * same file in the same run:
 *   - physical: `sha1sum` + `cp` of the same bytes (the two times summed);
 *   - ceiling:  a trivial Worker (bench/upload/ceiling/) on a second `wrangler dev` that only
 *               streams a request body into local R2 (`env.BUCKET.put(key, request.body)`). It is
 *               timed as one stream of the whole file (the ceiling the targets use) and as 8 MiB
 *               pieces 8 at a time (sentry-cli's chunk size and concurrency), for information.
 *
 *   node bench/upload/run.mjs                  64 and 256 MiB x {random, dwarf} x {gzip, none}
 *   node bench/upload/run.mjs --big            also 1 GiB for dwarf+gzip and random+none
 *   node bench/upload/run.mjs --sizes 64,1024 --content dwarf --compression gzip
 *   (--all-combos: 1 GiB for all four combinations too)
 *   node bench/upload/run.mjs --commit main ...   the service as of another commit
 *   node bench/upload/run.mjs --commit main,HEAD ...   an A/B in one run: every commit on the same file,
 *                     one after the other, against the same ceiling measurement (the rows name the commit)
 *   SENTRY_AUTH_TOKEN=… CEILING_TOKEN=… node bench/upload/run.mjs --service-url https://… --ceiling-url https://…
 *                     remote mode: a deployed service and ceiling instead of `wrangler dev` (see `remote` below)
 *
 * Each file is a real ELF (test/fixtures/files/elf-x86_64-gcc-dw5-O2-pie.debug) with a section
 * `.bench_pad` (noload,readonly) appended by objcopy, so sentry-cli and the service identify it:
 *   --content random  the section is /dev/urandom: gzip cannot shrink it (and level 6 is slow on it);
 *   --content dwarf   the section is real debug data: the bytes of
 *                     /usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0 and every
 *                     /usr/lib/debug/.build-id/** /*.debug (libc6-dbg), concatenated and repeated as
 *                     needed, with the first 16 bytes of every 1 MiB block overwritten by an MD5 of
 *                     (file name, block index): no two chunks are equal (nothing deduplicates),
 *                     and it compresses like DWARF.
 *   --compression gzip|none  the service's UPLOAD_COMPRESSION var (`--var UPLOAD_COMPRESSION:...`):
 *                     "none" makes the chunk-upload options advertise no compression, so
 *                     sentry-cli sends raw `file` parts.
 *
 * Every `wrangler dev` runs from a snapshot of HEAD (`git archive`, node_modules symlinked), so
 * edits in the shared working tree neither reload it nor leak into the numbers; the commit is
 * printed. Each (size, content, compression) runs on a fresh `wrangler dev` (fresh --persist-to),
 * so the peak RSS of its workerd processes (sampled every 200 ms from /proc) is comparable; the
 * Worker isolate's own peak (V8 heap + ArrayBuffer backing storage, through the inspector every
 * 250 ms: what the 128 MB limit counts; and the peak of what is live after a forced garbage
 * collection every 2 s) is sampled too when Node has a WebSocket (run with
 * `node --experimental-websocket` on Node 20). The
 * server-side duration of every chunk-upload request comes from wrangler's request log. After the
 * upload, the same command runs again and is timed: it must send no chunk (dedup) and print
 * "Nothing to upload" (or the same error again, for a file whose assembly ended in an error).
 *
 * Not a test: prints numbers, gates nothing.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, openAsBlob, openSync, mkdtempSync, readFileSync, readdirSync, statSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  MiB,
  ROOT,
  childrenCpuSeconds,
  cleanup,
  formatCpu,
  mintToken,
  onCleanup,
  removeDir,
  run,
  sampleCpu,
  sampleIsolate,
  sampleRss,
  sentryCli,
  uploadArgs,
  snapshotHead,
  startDev,
} from "./dev.mjs";

const FIXTURE = join(ROOT, "test/fixtures/files/elf-x86_64-gcc-dw5-O2-pie.debug");
const DWARF_SOURCES = ["/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0", "/usr/lib/debug/.build-id"];
const SYMCACHE_INPUT_LIMIT = 48 * MiB;
const BIG = 1024; // MiB: from this size on, only dwarf+gzip and random+none unless --all-combos
const RUN_BUDGET_S = 600; // skip a run whose estimate exceeds this
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const list = (name, fallback) => (option(name) ? option(name).split(/[ ,]+/).filter(Boolean) : fallback);
const sizes = list("--sizes", ["64", "256", ...(flag("--big") ? [String(BIG)] : [])]).map(Number);
const contents = list("--content", ["random", "dwarf"]);
const compressions = list("--compression", ["gzip", "none"]);
for (const c of contents) if (!["random", "dwarf"].includes(c)) throw new Error(`--content random|dwarf, not ${c}`);
for (const c of compressions) if (!["gzip", "none"].includes(c)) throw new Error(`--compression gzip|none, not ${c}`);
/**
 * Remote mode (`--service-url`, `--ceiling-url`): a deployed service and a deployed ceiling
 * Worker instead of two `wrangler dev`, so that the ratio can be measured where R2 does not share
 * the Worker's thread. Tokens come from the environment, never the command line:
 * SENTRY_AUTH_TOKEN (project:write on `--org`, default acme) and CEILING_TOKEN (the ceiling
 * Worker's secret). The service's compression is what it advertises; nothing of the server side
 * (memory, CPU, logs) can be sampled. Every file gets a fresh name, so no chunk of an earlier run
 * is deduplicated.
 */
const remote = option("--service-url")
  ? {
      serviceUrl: option("--service-url").replace(/\/+$/, ""),
      ceilingUrl: option("--ceiling-url")?.replace(/\/+$/, ""),
      token: process.env.SENTRY_AUTH_TOKEN,
      ceilingToken: process.env.CEILING_TOKEN,
      org: option("--org") ?? "acme",
      project: option("--project") ?? "bench",
    }
  : null;
if (remote && (!remote.ceilingUrl || !remote.token))
  throw new Error("--service-url needs --ceiling-url and SENTRY_AUTH_TOKEN in the environment");
/** The ceiling Worker's credentials (none for a local one, bound to 127.0.0.1). */
const ceilingHeaders = () => (remote?.ceilingToken ? { authorization: `Bearer ${remote.ceilingToken}` } : {});
const bigCombo = (content, compression) =>
  flag("--all-combos") ||
  (content === "dwarf" && compression === "gzip") ||
  (content === "random" && compression === "none");

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const rate = (bytes, s) => bytes / MiB / s;

function sh(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return { seconds: seconds(t0), stdout: r.stdout };
}

function debugFilesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...debugFilesUnder(p));
    else if (e.isFile() && e.name.endsWith(".debug")) out.push(p);
  }
  return out.sort();
}

let dwarfSource;
/** The real debug bytes, concatenated once (libpython3.11d + libc6-dbg's .debug files). */
function dwarfBytes() {
  if (!dwarfSource) {
    const files = [DWARF_SOURCES[0], ...debugFilesUnder(DWARF_SOURCES[1])];
    dwarfSource = Buffer.concat(files.map((f) => readFileSync(f)));
    process.stderr.write(
      `dwarf content: ${files.length} files, ${(dwarfSource.length / MiB).toFixed(1)} MiB, repeated as needed\n`,
    );
  }
  return dwarfSource;
}

/** `bytes` of real debug data, every 1 MiB block starting with a unique 16-byte MD5. */
function writeDwarfPad(path, bytes, name) {
  const src = dwarfBytes();
  const fd = openSync(path, "w");
  const block = Buffer.alloc(MiB);
  let at = 0;
  try {
    for (let i = 0, written = 0; written < bytes; i++) {
      const n = Math.min(MiB, bytes - written);
      for (let filled = 0; filled < n;) {
        const take = Math.min(n - filled, src.length - at);
        src.copy(block, filled, at, at + take);
        filled += take;
        at = (at + take) % src.length;
      }
      createHash("md5").update(`${name}/${i}`).digest().copy(block, 0, 0, Math.min(16, n));
      writeSync(fd, block, 0, n);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** fixture + `.bench_pad` (random or real debug bytes), about `size` bytes in all. */
function makeDebugFile(dir, size, content, name) {
  const pad = join(dir, `${name}.pad`);
  const out = join(dir, `${name}.debug`);
  const padBytes = size - statSync(FIXTURE).size - 4096;
  if (content === "random") sh("sh", ["-c", `head -c ${padBytes} /dev/urandom > '${pad}'`]);
  else writeDwarfPad(pad, padBytes, name);
  sh("objcopy", [
    "--add-section",
    `.bench_pad=${pad}`,
    "--set-section-flags",
    ".bench_pad=noload,readonly",
    FIXTURE,
    out,
  ]);
  // how well it compresses (gzip -6 of the first 64 MiB of the section), for the report
  const sample = Math.min(padBytes, 64 * MiB);
  const gz = sh("sh", ["-c", `head -c ${sample} '${pad}' | gzip -6 | wc -c`]);
  const gzipRatio = sample / Number(gz.stdout.trim());
  const gzipMiBs = rate(sample, gz.seconds);
  removeDir(pad);
  const check = spawnSync(join(ROOT, "node_modules/.bin/sentry-cli"), ["debug-files", "check", "--json", out], {
    encoding: "utf8",
    env: { ...process.env, SENTRY_DISABLE_UPDATE_CHECK: "1" },
  });
  const info = JSON.parse(check.stdout);
  if (!info.is_usable) throw new Error(`sentry-cli does not accept ${out}: ${check.stdout}`);
  return { path: out, size: statSync(out).size, debugId: info.variants[0].debug_id, gzipRatio, gzipMiBs };
}

function physical(file, dir) {
  const hash = sh("sha1sum", [file.path]);
  const copy = join(dir, "copy.bin");
  const cp = sh("cp", [file.path, copy]);
  removeDir(copy);
  return {
    sha1: hash.stdout.split(" ")[0],
    hashSeconds: hash.seconds,
    cpSeconds: cp.seconds,
    seconds: hash.seconds + cp.seconds,
  };
}

let ceilingRetries = 0;
/**
 * One PUT; a failed one (local workerd occasionally answers an error page, and a fresh ceiling
 * server dropped its first large PUT in every run of 2026-12-02) is retried once, and counted.
 * Returns the seconds of the attempt that succeeded: a failed attempt is not the ceiling.
 */
async function putCeiling(ceiling, key, blob, retry = true) {
  let error;
  const t0 = process.hrtime.bigint();
  try {
    const res = await fetch(`${ceiling.url}/${key}`, {
      method: "PUT",
      headers: ceilingHeaders(),
      body: blob,
      signal: AbortSignal.timeout(900_000),
    });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {}
    if (res.status === 200 && body?.size === blob.size) return seconds(t0);
    error = `ceiling put ${key} failed: ${res.status} ${text.slice(0, 300)}`;
  } catch (err) {
    error = `ceiling put ${key} failed: ${err.cause?.code ?? err.message}`;
  }
  error += ` (ceiling wrangler log: ${ceiling.log().slice(-400).replace(/\s+/g, " ")})`;
  if (!retry) throw new Error(error);
  ceilingRetries++;
  process.stderr.write(`  ${error}; retrying once\n`);
  return putCeiling(ceiling, key, blob, false);
}

/**
 * One stream of the whole file, then 8 MiB pieces 8 at a time; best of `runs` for each. The 8-way
 * run is for information only: when wrangler's local proxy gives up under it on a loaded machine
 * ("Your worker restarted mid-request", then a crash), it is reported as not measured and the
 * ceiling server is started again (`restart`), so the one-stream ceiling still stands.
 */
async function ceilingRuns(ceilingServer, file, runs) {
  const blob = await openAsBlob(file.path);
  const single = [];
  const parallel = [];
  let cpu = null; // the CPU account of the best one-stream run
  for (let i = 0; i < runs; i++) {
    const sampler = sampleCpu(ceilingServer.current.pgid);
    const clientBefore = process.cpuUsage();
    const took = await putCeiling(ceilingServer.current, `single-${i}`, blob);
    const account = sampler.stop();
    const client = process.cpuUsage(clientBefore);
    account.processes.push({
      name: "client (this node)",
      cpu: (client.user + client.system) / 1e6,
      busiestThread: NaN,
    });
    if (!single.length || took < Math.min(...single)) cpu = account;
    single.push(took);
    await fetch(ceilingServer.current.url, { method: "DELETE", headers: ceilingHeaders() });
  }
  for (let i = 0; i < runs; i++) {
    const ceiling = ceilingServer.current;
    const pieces = [];
    for (let at = 0; at < blob.size; at += 8 * MiB) pieces.push(at);
    const t0 = process.hrtime.bigint();
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < pieces.length) {
            const at = pieces[next++];
            await putCeiling(ceiling, `piece-${i}-${at}`, blob.slice(at, Math.min(at + 8 * MiB, blob.size)));
          }
        }),
      );
    } catch (err) {
      process.stderr.write(`  ceiling 8 x 8 MiB not measured: ${err.message.slice(0, 120)}; restarting the ceiling\n`);
      await ceilingServer.restart();
      return { single: Math.min(...single), parallel: parallel.length ? Math.min(...parallel) : NaN, cpu };
    }
    parallel.push(seconds(t0));
    await fetch(ceiling.url, { method: "DELETE", headers: ceilingHeaders() });
  }
  return { single: Math.min(...single), parallel: Math.min(...parallel), cpu };
}

/**
 * Phases of one `sentry-cli --log-level=debug ... --wait` run, from its log timestamps:
 * prepare (start → first assemble request: reading, hashing), upload (→ "Uploading completed":
 * compression and chunk-upload requests), assembly (→ the final assemble answer, including
 * sentry-cli's 1 s poll interval) and the number of assemble requests.
 */
function phases(result) {
  const lines = result.stderr.split("\n");
  const at = (line) => {
    const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)/.exec(line);
    return m ? Date.parse(`${m[1]}T${m[2].slice(0, 12)}Z`) : NaN;
  };
  const start = at(lines.find((l) => /sentry-cli version/.test(l)) ?? "");
  const firstAssemble = at(lines.find((l) => /> POST \S*assemble/.test(l)) ?? "");
  const uploaded = at(lines.find((l) => /Uploading completed/.test(l)) ?? "");
  const answers = lines.filter((l) => /body: \{"[0-9a-f]{40}":\{"state"/.test(l));
  const final = at(answers.at(-1) ?? "");
  const polls = lines.filter((l) => /> POST \S*assemble/.test(l)).length;
  const s = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? ((b - a) / 1000).toFixed(2) : "?");
  return {
    prepare: s(start, firstAssemble),
    upload: s(firstAssemble, uploaded),
    assembly: s(uploaded, final),
    assembleRequests: polls,
  };
}

/**
 * The service's own account of its assembly (assemble-and-identify.ts logs it; older commits
 * do not): ms to read and verify the whole file, ms to store the manifest and identify it.
 */
function assemblyLog(log) {
  const m = /whole-file SHA-1 verified in (\d+) ms, stored and identified in (\d+) ms/.exec(log);
  return m ? { verifyMs: Number(m[1]), identifyMs: Number(m[2]) } : null;
}

/** Each assemble POST's status and server-side duration, from wrangler's request log (the upload's first run). */
function assembleRequests(log) {
  return [
    ...log.matchAll(/POST \/api\/0\/projects\/[^/]+\/[^/]+\/files\/difs\/assemble\/ (\d+)[^\n(]*\((\d+)ms\)/g),
  ].map((m) => `${m[1]} ${m[2]} ms`);
}

/**
 * What the service logged about a failed assemble call: the route's warning when a file's Durable
 * Object could not be reached, with the error (a 503 when the status mirror has nothing either).
 */
function assembleFailures(log) {
  return linesFrom(log, /debug file object unavailable/, 4, 600);
}

/** Each line of `text` matching `pattern` with the `count` - 1 lines after it, on one line of at most `chars`. */
function linesFrom(text, pattern, count, chars) {
  const lines = text.split("\n");
  return lines.flatMap((line, i) =>
    pattern.test(line)
      ? [
          lines
            .slice(i, i + count)
            .join(" | ")
            .slice(0, chars),
        ]
      : [],
  );
}

/** Server-side durations of the chunk-upload POSTs, from wrangler's request log. */
function chunkRequests(log) {
  const ms = [...log.matchAll(/POST \/api\/0\/organizations\/[^/]+\/chunk-upload\/ (\d+)[^\n(]*\((\d+)ms\)/g)].map(
    (m) => Number(m[2]),
  );
  ms.sort((a, b) => a - b);
  return {
    count: ms.length,
    p50: ms[Math.floor(ms.length / 2)] ?? NaN,
    max: ms.at(-1) ?? NaN,
    sum: ms.reduce((a, b) => a + b, 0),
  };
}

/** A fresh `wrangler dev` of `snapshot` with its own state, or the deployed service (remote mode). */
async function serviceFor(compression, snapshot) {
  if (remote) {
    const service = { url: remote.serviceUrl, log: () => "", stop: async () => undefined };
    return { service, token: remote.token, org: remote.org, project: remote.project };
  }
  const persistDir = mkdtempSync(join(tmpdir(), "upload-bench-state-"));
  onCleanup(() => removeDir(persistDir));
  const dev = await startDev({ vars: { UPLOAD_COMPRESSION: compression }, persistDir, cwd: snapshot.dir });
  const service = {
    ...dev,
    async stop() {
      await dev.stop();
      removeDir(persistDir);
    },
  };
  return { service, token: await mintToken(service, "acme"), org: "acme", project: "bench" };
}

async function uploadThroughService(file, compression, snapshot) {
  const { service, token, org, project } = await serviceFor(compression, snapshot);
  try {
    // --log-level=debug: its timestamps split the run into phases; the cost is a few log lines.
    const args = uploadArgs({
      url: service.url,
      token,
      org,
      project,
      path: file.path,
      wait: true,
      global: ["--log-level=debug"],
    });
    const timeoutMs = 120_000 + (file.size / MiB) * 1000; // >= 1 MiB/s, or it is broken anyway
    await new Promise((r) => setTimeout(r, 1000)); // let workerd settle before the idle sample
    const rss = sampleRss(service.pgid, 200);
    const isolate = remote ? { stop: () => null } : await sampleIsolate(service);
    const cpu = sampleCpu(service.pgid);
    const cliCpuBefore = childrenCpuSeconds();
    const first = await sentryCli(args, { timeoutMs });
    const cpuUsed = cpu.stop();
    cpuUsed.processes.push({ name: "sentry-cli", cpu: childrenCpuSeconds() - cliCpuBefore, busiestThread: NaN });
    const mem = rss.stop();
    const isolatePeak = isolate.stop();
    const out = first.stdout + first.stderr;
    const ok = first.code === 0 && /\bOK\b/.test(first.stdout);
    const detail = /ERROR .*\n\s*(.*)/.exec(first.stdout)?.[1]?.trim();
    if (!ok && (file.size <= SYMCACHE_INPUT_LIMIT || first.code !== 1 || !detail)) {
      throw new Error(
        `unexpected sentry-cli result (exit ${first.code}) for ${file.size} bytes:\n${out.slice(-3000)}\n--- wrangler:\n${service.log().slice(-3000)}`,
      );
    }
    // What the chunk-upload options advertised (sentry-cli logs the response body).
    const advertised = /"compression":\s*\[([^\]]*)\]/.exec(first.stderr)?.[1] ?? "?";
    const server = chunkRequests(service.log());
    const assembles = assembleRequests(service.log());
    const failures = assembleFailures(service.log());
    // sentry-cli's own log of any 5xx answer: its headers and body say who answered it.
    for (const lines of linesFrom(first.stderr, /< HTTP\/[\d.]+ 5\d\d|response status: 5\d\d/, 16, 1500))
      failures.push(`sentry-cli: ${lines}`);
    const assembly = assemblyLog(service.log());
    const reloaded = /Reloading local server/.test(service.log());
    const rerun = await sentryCli(args, { timeoutMs: 120_000 });
    const chunkPosts = (rerun.stderr.match(/> POST \S*chunk-upload/g) ?? []).length;
    return {
      seconds: first.seconds,
      phases: phases(first),
      advertised: advertised === "" ? "[]" : `[${advertised}]`,
      server,
      assembles,
      failures,
      assembly,
      nothingToUpload: /Nothing to upload/.test(rerun.stdout),
      chunkPosts,
      outcome: ok ? "OK" : `ERROR ${detail.slice(0, 60)}`,
      reloaded,
      mem,
      cpuUsed,
      isolatePeak,
      rerunSeconds: rerun.seconds,
      rerunLine: (rerun.stdout.match(/.*Nothing to upload.*/) ?? [rerun.stdout.trim().split("\n").pop()])[0].trim(),
    };
  } finally {
    await service.stop();
  }
}

/** The local ceiling `wrangler dev`, started again after a failure; or the deployed one (remote mode). */
async function ceilingFor(snapshot) {
  if (remote) {
    const current = { url: remote.ceilingUrl, log: () => "remote", stop: async () => undefined };
    return { current, restart: async () => undefined };
  }
  const ceilingState = mkdtempSync(join(tmpdir(), "upload-bench-ceiling-state-"));
  onCleanup(() => removeDir(ceilingState));
  const startCeiling = () =>
    startDev({
      args: ["-c", "bench/upload/ceiling/wrangler.toml"],
      persistDir: ceilingState,
      cwd: snapshot.dir,
    });
  return {
    current: await startCeiling(),
    async restart() {
      await this.current.stop();
      this.current = await startCeiling();
    },
  };
}

run(async () => {
  const snapshots = remote
    ? [{ commit: "remote", dir: null }]
    : list("--commit", ["HEAD"]).map((revision) => snapshotHead(revision));
  for (const s of snapshots) {
    process.stderr.write(
      remote
        ? `remote: the service at ${remote.serviceUrl}, the ceiling at ${remote.ceilingUrl}\n`
        : `wrangler dev runs from a snapshot of ${s.commit}${s.dirty ? " (the working tree had uncommitted changes outside bench/: not measured)" : ""}\n`,
    );
  }
  const work = mkdtempSync(join(tmpdir(), "upload-bench-"));
  onCleanup(() => removeDir(work));
  const ceilingServer = await ceilingFor(snapshots[0]); // the ceiling Worker is the same file in every commit
  const runTag = remote ? `-${randomUUID().slice(0, 8)}` : ""; // a remote service keeps earlier runs' chunks
  const rows = [];
  const details = [];
  const secondsPerMiB = {}; // content/compression → worst seen s/MiB (sentry-cli + ceiling), for the budget
  for (const sizeMiB of sizes) {
    for (const content of contents) {
      const combos = (remote ? ["deployed"] : compressions).filter((c) => {
        if (sizeMiB >= BIG && !remote && !bigCombo(content, c)) return false;
        const estimate = (secondsPerMiB[`${content}/${c}`] ?? 0) * sizeMiB; // from the smaller sizes
        if (estimate > RUN_BUDGET_S)
          process.stderr.write(`${sizeMiB} MiB ${content} ${c}: skipped, estimated ${estimate.toFixed(0)} s\n`);
        return estimate <= RUN_BUDGET_S;
      });
      if (!combos.length) continue;
      process.stderr.write(`${sizeMiB} MiB ${content}: building the debug file...\n`);
      const file = makeDebugFile(work, sizeMiB * MiB, content, `bench-${sizeMiB}-${content}${runTag}`);
      const runs = file.size <= 256 * MiB ? 2 : 1;
      const phys = physical(file, work);
      process.stderr.write(
        `  gzip -6 ratio ${file.gzipRatio.toFixed(2)}x at ${file.gzipMiBs.toFixed(0)} MiB/s; physical ${phys.seconds.toFixed(2)} s; ceiling...\n`,
      );
      const ceil = await ceilingRuns(ceilingServer, file, runs);
      process.stderr.write(
        `  ceiling ${ceil.single.toFixed(2)} s (one stream), ${ceil.parallel.toFixed(2)} s (8 x 8 MiB)\n`,
      );
      for (const compression of combos)
        for (const snapshot of snapshots) {
          process.stderr.write(`  sentry-cli, UPLOAD_COMPRESSION=${compression}, ${snapshot.commit.slice(0, 7)}...\n`);
          const loadBefore = loadavg()[0];
          const svc = await uploadThroughService(file, compression, snapshot);
          const load = `${loadBefore.toFixed(1)}-${loadavg()[0].toFixed(1)}`;
          process.stderr.write(
            `  sentry-cli ${svc.seconds.toFixed(2)} s (${svc.outcome}), rerun ${svc.rerunSeconds.toFixed(2)} s\n`,
          );
          secondsPerMiB[`${content}/${compression}`] = Math.max(
            secondsPerMiB[`${content}/${compression}`] ?? 0,
            (svc.seconds + 2 * ceil.single) / sizeMiB,
          );
          const svcRate = rate(file.size, svc.seconds);
          rows.push({
            ...(snapshots.length > 1 ? { commit: snapshot.commit.slice(0, 7) } : {}),
            size: `${(file.size / MiB).toFixed(0)} MiB`,
            content,
            compression: `${compression} ${svc.advertised}`,
            result: svc.outcome + (svc.reloaded ? " (wrangler reloaded mid-run!)" : ""),
            "cli s": svc.seconds.toFixed(1),
            "cli MiB/s": svcRate.toFixed(1),
            "ceiling MiB/s": rate(file.size, ceil.single).toFixed(1),
            "ceil 8x8 MiB/s": rate(file.size, ceil.parallel).toFixed(1),
            "physical MiB/s": rate(file.size, phys.seconds).toFixed(0),
            "cli/ceiling": `${((ceil.single / svc.seconds) * 100).toFixed(0)}%`,
            "cli/physical": `${((phys.seconds / svc.seconds) * 100).toFixed(1)}%`,
            "RSS peak Worker MiB": remote ? "n/a (remote)" : svc.mem.maxPeak.toFixed(0),
            "isolate peak MiB: heap+buffers, live after GC": svc.isolatePeak
              ? `${svc.isolatePeak.total.toFixed(1)} (${svc.isolatePeak.heap.toFixed(1)}+${svc.isolatePeak.buffers.toFixed(1)}), ${svc.isolatePeak.live.toFixed(1)}`
              : remote
                ? "n/a (remote)"
                : "n/a (no WebSocket)",
            "RSS sum idle→peak": remote ? "n/a" : `${svc.mem.sumIdle.toFixed(0)}→${svc.mem.sumPeak.toFixed(0)}`,
            "prep/upload/assembly s": `${svc.phases.prepare}/${svc.phases.upload}/${svc.phases.assembly}`,
            "server verify/identify s": svc.assembly
              ? `${(svc.assembly.verifyMs / 1000).toFixed(2)}/${(svc.assembly.identifyMs / 1000).toFixed(2)}`
              : "?",
            "load avg": load,
            "rerun s": svc.rerunSeconds.toFixed(2),
            rerun: `${svc.chunkPosts === 0 ? "0 chunks" : `${svc.chunkPosts} chunk POSTs!`}${svc.nothingToUpload ? ", Nothing to upload" : ", same ERROR"}`,
          });
          console.log(`ROW ${JSON.stringify(rows.at(-1))}`); // partial results survive a later failure
          details.push(
            `${snapshot.commit.slice(0, 7)} ${(file.size / MiB).toFixed(0)} MiB ${content} ${compression} (${file.size} bytes, debug id ${file.debugId}; pad gzip -6: ${file.gzipRatio.toFixed(2)}x at ${file.gzipMiBs.toFixed(0)} MiB/s): ` +
              `sha1sum ${phys.hashSeconds.toFixed(2)} s + cp ${phys.cpSeconds.toFixed(2)} s; ` +
              `sentry-cli phases: prepare ${svc.phases.prepare} s, upload ${svc.phases.upload} s, assembly until answer ${svc.phases.assembly} s (${svc.phases.assembleRequests} assemble requests); ` +
              `chunk-upload requests (server side, wrangler log): ${svc.server.count}, p50 ${svc.server.p50} ms, max ${svc.server.max} ms, sum ${(svc.server.sum / 1000).toFixed(1)} s; ` +
              `assemble requests (server side): ${svc.assembles.join(", ")}; ` +
              (svc.failures.length ? `service log of the failed ones: ${svc.failures.join(" || ")}; ` : "") +
              `CPU over ${svc.cpuUsed.wall.toFixed(1)} s: ${formatCpu(svc.cpuUsed)}; ceiling's CPU over its best one-stream run (${ceil.cpu.wall.toFixed(1)} s): ${formatCpu(ceil.cpu)}; ` +
              `workerd peaks per pid ${JSON.stringify(Object.fromEntries(Object.entries(svc.mem.peak).map(([k, v]) => [k, Math.round(v)])))}; rerun: "${svc.rerunLine}"`,
          );
        }
      removeDir(file.path);
    }
  }
  console.log(
    `\nUpload bench, ${new Date().toISOString()}, commit ${snapshots.map((s) => s.commit).join(", ")} (snapshot) — MiB/s = bytes / 2^20 / s; ceiling best of 2 runs up to 256 MiB, else 1`,
  );
  console.table(rows);
  for (const line of details) console.log(line);
  if (ceilingRetries)
    console.log(
      `ceiling: ${ceilingRetries} PUT(s) failed and were retried (a one-stream time is its successful attempt's)`,
    );
  console.log(
    "Targets: sentry-cli >= 70% of the ceiling (one stream); peak RSS independent of size; 1 GiB dedup rerun < 3 s.",
  );
  await cleanup();
});
