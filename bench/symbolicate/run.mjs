#!/usr/bin/env node
/**
 * Throughput and latency of the symbolicate route against one warm `llvm-symbolizer-19`.
 *
 *   node bench/symbolicate/run.mjs [--file PATH] [--baseline PATH|none] [--seconds 20] [--frames 50] [--seed 1]
 *
 * Uploads PATH (default /usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0, 25 MB with DWARF) with
 * sentry-cli --wait to a fresh `wrangler dev`, then picks seeded random addresses inside the
 * file's functions (`llvm-nm-19 --defined-only -S`, function symbols with a size; for an ET_DYN
 * object loaded at 0 the symcache's image-relative address is the symbol value) and POSTs
 * Symbolicator requests to /api/0/projects/acme/bench/symbolicate/: one module
 * {type: "elf", debug_id, image_addr: 0x7f0000000000, image_size}, one stacktrace of 50 frames,
 * every frame with adjust_instruction_addr: false so that the service looks up exactly the
 * address llvm-symbolizer gets.
 *   cold:        the first request (reads the symcache index from the tail of its R2 object, then
 *                the pages the addresses fall in, into the isolate's page cache)
 *   warm:        the cold request again, 200 times one after another, after 2 s of warm-up on
 *                other addresses (its module resolution and pages are in the isolate's caches: a
 *                crash that recurs): p50/p99 latency. With --file other than libpython, libpython
 *                (or --baseline) is uploaded too and its first request repeats interleaved with
 *                the file's, so the two p50s and their ratio come from the same minutes.
 *   sequential:  one request at a time, every request new random addresses, after a warm-up:
 *                p50/p99 latency, frames/s (the stress case: a big symcache's pages mostly miss
 *                the isolate's caches and are read from R2 and inflated)
 *   concurrent:  8 requests in flight: frames/s
 *   baseline:    ONE `llvm-symbolizer-19 --obj=PATH` process, addresses piped on stdin, after a
 *                warm-up pass over all the addresses: frames/s over the same addresses
 * The two agree-check a sample: the outermost function of each address must match.
 * Frames are input frames (addresses); inline frames in the answers are not counted.
 *
 * `wrangler dev` runs from a snapshot of HEAD (`git archive`, node_modules symlinked), so edits in
 * the shared working tree neither reload it nor leak into the numbers; the commit is printed.
 *
 * Not a test: prints numbers, gates nothing.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MiB,
  ROOT,
  cleanup,
  mintToken,
  onCleanup,
  removeDir,
  run,
  sampleRss,
  sentryCli,
  uploadArgs,
  snapshotHead,
  startDev,
} from "../upload/dev.mjs";
import { mulberry32 } from "../../test/support/prng.mjs";

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0";
const FILE = option("--file", LIBPYTHON);
// The file the warm latency is compared with, in the same run (interleaved); "none" for none.
const BASELINE = option("--baseline", FILE === LIBPYTHON ? "none" : LIBPYTHON);
const SECONDS = Number(option("--seconds", "20")); // split: 2 warm-up, 45% sequential, 45% concurrent
const FRAMES = Number(option("--frames", "50"));
const SEED = Number(option("--seed", "1"));
const CONCURRENCY = 8;
const REPEAT = 200; // warm: the cold request asked again this many times
const POOL = 10_000; // distinct addresses
const IMAGE_ADDR = 0x7f0000000000n;
const ORG = "acme";
const PROJECT = "bench";

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

function tool(candidates) {
  for (const name of candidates) if (spawnSync("sh", ["-c", `command -v ${name}`]).status === 0) return name;
  throw new Error(`none of ${candidates.join(", ")} is installed`);
}

/** Function symbols with a size, deduplicated by address. */
function functions(file) {
  const nm = tool(["llvm-nm-19", "llvm-nm", "nm"]);
  const out = spawnSync(nm, ["--defined-only", "-S", file], { encoding: "utf8", maxBuffer: 256 * MiB }).stdout;
  const byAddr = new Map();
  for (const line of out.split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) ([tTwW]) (\S+)/.exec(line);
    if (!m) continue;
    const addr = BigInt(`0x${m[1]}`);
    const size = Number(BigInt(`0x${m[2]}`));
    if (size > 0 && addr > 0n && !byAddr.has(addr)) byAddr.set(addr, { addr, size, name: m[4] });
  }
  return [...byAddr.values()];
}

/** End of the highest PT_LOAD segment: the image size. */
function imageSize(file) {
  const readelf = tool(["llvm-readelf-19", "llvm-readelf", "readelf"]);
  const out = spawnSync(readelf, ["-lW", file], { encoding: "utf8" }).stdout;
  let end = 0n;
  for (const m of out.matchAll(
    /^\s*LOAD\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)/gim,
  )) {
    const e = BigInt(m[1]) + BigInt(m[2]);
    if (e > end) end = e;
  }
  if (end === 0n) throw new Error(`no PT_LOAD in ${file}`);
  return end;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One warm llvm-symbolizer; symbolize(addresses) resolves with one outermost-function name each. */
function startSymbolizer(file, extraArgs = []) {
  const bin = tool(["llvm-symbolizer-19", "llvm-symbolizer"]);
  const child = spawn(bin, [`--obj=${file}`, ...extraArgs], { stdio: ["pipe", "pipe", "inherit"] });
  onCleanup(() => child.kill("SIGKILL"));
  let buffer = "";
  let block = [];
  let waiting = null; // { remaining, names, resolve }
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (data) => {
    buffer += data;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === "") {
        // end of one address: function/location pairs, innermost first; the last function is the outermost
        const outer = block.length >= 2 ? block[block.length - 2] : "??";
        block = [];
        if (waiting) {
          if (waiting.names) waiting.names.push(outer);
          if (--waiting.remaining === 0) {
            const done = waiting;
            waiting = null;
            done.resolve(done.names);
          }
        }
      } else block.push(line);
    }
  });
  return {
    symbolize(addresses, keepNames = false) {
      return new Promise((resolve) => {
        waiting = { remaining: addresses.length, names: keepNames ? [] : null, resolve };
        const text = addresses.map((a) => `0x${a.toString(16)}\n`).join("");
        child.stdin.write(text);
      });
    },
    stop() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** Uploads `file` into `project` (sentry-cli --wait) and builds its seeded requests. */
async function uploadTarget(service, token, file, project) {
  const check = JSON.parse(
    spawnSync(join(ROOT, "node_modules/.bin/sentry-cli"), ["debug-files", "check", "--json", file], {
      encoding: "utf8",
      env: { ...process.env, SENTRY_DISABLE_UPDATE_CHECK: "1" },
    }).stdout,
  );
  const debugId = check.variants[0].debug_id;
  process.stderr.write(`uploading ${file} (${(statSync(file).size / MiB).toFixed(1)} MiB, ${debugId})...\n`);
  const upload = await sentryCli(uploadArgs({ url: service.url, token, org: ORG, project, path: file, wait: true }), {
    timeoutMs: 600_000,
  });
  if (upload.code !== 0 || !/\bOK\b/.test(upload.stdout))
    throw new Error(`upload failed:\n${upload.stdout}\n${upload.stderr}`);
  process.stderr.write(`  uploaded and symcache built in ${upload.seconds.toFixed(1)} s\n`);

  const funcs = functions(file);
  const random = mulberry32(SEED);
  const pool = Array.from({ length: POOL }, () => {
    const f = funcs[Math.floor(random() * funcs.length)];
    return f.addr + BigInt(Math.floor(random() * f.size));
  });
  const module = {
    type: "elf",
    debug_id: debugId,
    code_file: file,
    image_addr: `0x${IMAGE_ADDR.toString(16)}`,
    image_size: Number(imageSize(file)),
  };
  const requests = Math.ceil(POOL / FRAMES);
  const bodies = Array.from({ length: requests }, (_, r) =>
    JSON.stringify({
      modules: [module],
      stacktraces: [
        {
          frames: Array.from({ length: FRAMES }, (_, i) => ({
            instruction_addr: `0x${(IMAGE_ADDR + pool[(r * FRAMES + i) % POOL]).toString(16)}`,
            adjust_instruction_addr: false,
          })),
        },
      ],
    }),
  );
  const url = `${service.url}/api/0/projects/${ORG}/${project}/symbolicate/`;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const post = async (i) => {
    const res = await fetch(url, { method: "POST", headers, body: bodies[i % bodies.length] });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`symbolicate ${res.status}: ${text.slice(0, 500)}`);
    return text;
  };
  return { upload, funcs, pool, post };
}

/** Times `post(0)`, the same request, `REPEAT` times after one untimed call. */
async function repeatFirst(post) {
  const times = [];
  for (let r = 0; r <= REPEAT; r++) {
    const s = now();
    await post(0);
    if (r > 0) times.push(now() - s);
  }
  return times.sort((a, b) => a - b);
}

run(async () => {
  const size = statSync(FILE).size;
  const persistDir = mkdtempSync(join(tmpdir(), "symbolicate-bench-state-"));
  onCleanup(() => removeDir(persistDir));
  const snapshot = snapshotHead();
  process.stderr.write(`wrangler dev runs from a snapshot of ${snapshot.commit}\n`);
  const service = await startDev({ persistDir, cwd: snapshot.dir });
  const token = await mintToken(service, ORG);
  const { upload, funcs, pool, post } = await uploadTarget(service, token, FILE, PROJECT);
  const baseline = BASELINE === "none" ? null : await uploadTarget(service, token, BASELINE, `${PROJECT}-baseline`);

  // ------------------------------------------------------------ cold
  // A large file's upload answers `ok` after 4 minutes while its symcache still builds: until it
  // is ready the module answers `timeout` (no symcache is read), so wait for it first.
  const rss = sampleRss(service.pgid, 200);
  let readyAfterUpload = 0;
  let first;
  let coldMs;
  for (const waitStart = now(); ;) {
    const t = now();
    first = JSON.parse(await post(0));
    coldMs = now() - t; // the first answer that reads the symcache: index and pages from R2
    if (first.modules[0].debug_status !== "timeout") break;
    if (now() - waitStart > 30 * 60_000) throw new Error("the symcache was not ready within 30 minutes");
    await new Promise((r) => setTimeout(r, 1000));
    readyAfterUpload = now() - waitStart;
  }
  if (readyAfterUpload > 0)
    process.stderr.write(`  symcache ready ${(readyAfterUpload / 1000).toFixed(1)} s after the upload answered\n`);
  if (first.modules[0].debug_status !== "found")
    throw new Error(`module not found: ${JSON.stringify(first.modules[0])}`);
  let t0 = now();
  await post(1);
  const secondMs = now() - t0;

  // ------------------------------------------------------------ agreement with llvm-symbolizer
  // Raw linkage names on both sides: our `function` is demangled Symbolicator's way (no return
  // types), llvm-symbolizer's with them, so the mangled `symbol` is what compares exactly.
  const linkage = startSymbolizer(FILE, ["--functions=linkage", "--no-demangle"]);
  const sampleRequests = 10;
  const sample = pool.slice(0, sampleRequests * FRAMES);
  const llvmNames = await linkage.symbolize(sample, true);
  linkage.stop();
  const symbolizer = startSymbolizer(FILE);
  let agree = 0;
  let symbolicated = 0;
  for (let r = 0; r < sampleRequests; r++) {
    const answer = JSON.parse(await post(r));
    const outer = new Map();
    for (const f of answer.stacktraces[0].frames) {
      if (f.status === "symbolicated") outer.set(f.original_index, f.symbol); // last one wins: outermost
    }
    for (let i = 0; i < FRAMES; i++) {
      const mine = outer.get(i);
      if (mine !== undefined) symbolicated++;
      if (mine === llvmNames[r * FRAMES + i]) agree++;
    }
  }

  // ------------------------------------------------------------ random addresses: sequential, then concurrent
  const phaseMs = ((SECONDS - 2) / 2) * 1000;
  let i = 2;
  for (const end = now() + 2000; now() < end;) await post(i++); // warm-up (and JIT) on new addresses
  // The cold request again: the first repeat reads back whatever pages the warm-up evicted. With
  // a baseline, its first request repeats too, interleaved, so both see the same machine.
  let warm;
  let baselineWarm;
  if (baseline) {
    await baseline.post(0);
    for (const end = now() + 2000; now() < end;) await baseline.post(i++);
    const pair = [[], []];
    for (let r = 0; r <= REPEAT; r++) {
      for (const [k, target] of [post, baseline.post].entries()) {
        const s = now();
        await target(0);
        if (r > 0) pair[k].push(now() - s);
      }
    }
    [warm, baselineWarm] = pair.map((times) => times.sort((a, b) => a - b));
  } else {
    warm = await repeatFirst(post);
  }
  const latencies = [];
  let end = now() + phaseMs;
  t0 = now();
  while (now() < end) {
    const s = now();
    await post(i++);
    latencies.push(now() - s);
  }
  const seqMs = now() - t0;
  latencies.sort((a, b) => a - b);
  let done = 0;
  end = now() + phaseMs;
  t0 = now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (now() < end) {
        await post(i++);
        done++;
      }
    }),
  );
  const concMs = now() - t0;
  const mem = rss.stop();

  // ------------------------------------------------------------ baseline: one warm llvm-symbolizer
  t0 = now();
  await symbolizer.symbolize(pool); // warm-up pass over every address
  const llvmWarmupMs = now() - t0;
  let llvmFrames = 0;
  t0 = now();
  const llvmEnd = now() + phaseMs;
  do {
    await symbolizer.symbolize(pool);
    llvmFrames += pool.length;
  } while (now() < llvmEnd);
  const llvmMs = now() - t0;
  symbolizer.stop();

  const seqFps = (latencies.length * FRAMES) / (seqMs / 1000);
  const concFps = (done * FRAMES) / (concMs / 1000);
  const llvmFps = llvmFrames / (llvmMs / 1000);
  const f1 = (x) => x.toFixed(1);
  console.log(
    `\nSymbolicate bench, ${new Date().toISOString()}, commit ${snapshot.commit} (snapshot): ${FILE} (${(size / MiB).toFixed(1)} MiB, ${funcs.length} functions), ` +
      `${FRAMES}-frame stacktraces over ${POOL} seeded addresses (seed ${SEED})`,
  );
  console.table([
    { measure: "upload + symcache (sentry-cli --wait)", value: `${f1(upload.seconds)} s` },
    { measure: "symcache ready after the upload answered", value: `${f1(readyAfterUpload / 1000)} s` },
    { measure: "cold request (index + pages from R2)", value: `${f1(coldMs)} ms` },
    {
      measure: `warm: the cold request again, ${REPEAT} times, p50 / p99`,
      value: `${f1(percentile(warm, 50))} / ${f1(percentile(warm, 99))} ms`,
    },
    ...(baselineWarm
      ? [
          {
            measure: `baseline ${BASELINE}: the same, interleaved, p50 / p99`,
            value: `${f1(percentile(baselineWarm, 50))} / ${f1(percentile(baselineWarm, 99))} ms`,
          },
          {
            measure: "warm p50 ratio to the baseline",
            value: `${(percentile(warm, 50) / percentile(baselineWarm, 50)).toFixed(2)}x`,
          },
        ]
      : []),
    {
      measure: "warm: frames in the answer (inline frames included), bytes",
      value: `${first.stacktraces[0].frames.length}, ${JSON.stringify(first).length}`,
    },
    { measure: "second request (new addresses)", value: `${f1(secondMs)} ms` },
    { measure: `random sequential: requests`, value: String(latencies.length) },
    {
      measure: `random sequential p50 / p99`,
      value: `${f1(percentile(latencies, 50))} / ${f1(percentile(latencies, 99))} ms`,
    },
    { measure: "random sequential frames/s", value: seqFps.toFixed(0) },
    { measure: `random concurrency ${CONCURRENCY} frames/s (${done} requests)`, value: concFps.toFixed(0) },
    { measure: `llvm-symbolizer (1 warm process) frames/s`, value: llvmFps.toFixed(0) },
    { measure: "llvm-symbolizer first pass (cold-ish) frames/s", value: (POOL / (llvmWarmupMs / 1000)).toFixed(0) },
    { measure: `ratio concurrent / llvm-symbolizer`, value: `${(concFps / llvmFps).toFixed(2)}x` },
    { measure: `ratio sequential / llvm-symbolizer`, value: `${(seqFps / llvmFps).toFixed(2)}x` },
    {
      measure: "outermost linkage name agrees with llvm-symbolizer",
      value: `${agree}/${sample.length} (${symbolicated} symbolicated)`,
    },
    {
      measure: "workerd RSS idle → peak (sum of processes)",
      value: `${mem.sumIdle.toFixed(0)} → ${mem.sumPeak.toFixed(0)} MiB`,
    },
  ]);
  console.log("Target: more frames/s than llvm-symbolizer.");
  await cleanup();
});
