#!/usr/bin/env node
/**
 * Download throughput of large debug files through the debuginfod route, against the ceiling of
 * the same runtime and storage, and against `cat`.
 *
 *   node bench/download/run.mjs [sizes in MiB, default "256 1024"]
 *
 * For each size: builds a synthetic ELF shared object (a GNU build-id note, a small `.text`, the
 * bulk in `.eh_frame`, so it identifies as a usable `lib` with unwind info and needs no symcache),
 * uploads it through the chunk-upload and assemble API in 8 MiB chunks, then times:
 *   - route:   GET /debuginfod/acme/bench/buildid/<id>/executable   (auth, catalog, manifest, streamFile)
 *   - ceiling: a trivial Worker (ceiling-worker.js) on a second `wrangler dev` over the same
 *              --persist-to directory, piping the same chunk objects natively into the response
 *   - cat:     `cat` of the same bytes from the page cache
 * curl does the downloads (no Node in the data path). The RSS of the service's two workerd
 * processes (the one running the Worker, and wrangler's proxy in front of it) is sampled from
 * /proc every 20 ms during the route downloads: it must stay flat whatever the file size.
 * Each download runs 3 times; the best run counts. The route's bytes are SHA-1-checked once.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintToken, startDev } from "../upload/dev.mjs";
import { rssMiB, uploadSynthetic, workerdProcesses } from "./synthetic-elf.mjs";

const MiB = 1024 * 1024;
const RUNS = 3;
const sizes = (process.argv[2] ?? "256 1024").split(/[ ,]+/).filter(Boolean).map(Number);

/** Runs curl (output discarded), sampling RSS of `pid` meanwhile; returns seconds, bytes, peak RSS. */
function curl(args, pid, proxy) {
  return new Promise((resolve, reject) => {
    let peak = pid ? rssMiB(pid) : NaN;
    let proxyPeak = proxy ? rssMiB(proxy) : NaN;
    const timer = pid
      ? setInterval(() => {
          // Math.max with NaN is NaN: a restarted process makes the run's RSS unknown, not small.
          peak = Math.max(peak, rssMiB(pid));
          proxyPeak = Math.max(proxyPeak, rssMiB(proxy));
        }, 20)
      : null;
    const child = spawn("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{size_download} %{time_total}",
      ...args,
    ]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", () => {
      if (timer) clearInterval(timer);
      const [code, bytes, seconds] = out.trim().split(" ");
      if (code !== "200") reject(new Error(`curl got ${code}`));
      else resolve({ bytes: Number(bytes), seconds: Number(seconds), peak, proxyPeak });
    });
  });
}

function best(runs) {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function mbps(bytes, seconds) {
  return bytes / MiB / seconds;
}

async function main() {
  const persist = mkdtempSync(join(tmpdir(), "download-bench-"));
  const files = mkdtempSync(join(tmpdir(), "download-bench-files-"));
  const service = await startDev({ persistDir: persist });
  const ceiling = await startDev({ args: ["-c", "bench/download/wrangler.toml"], persistDir: persist });
  try {
    const token = await mintToken(service, "acme");
    const port = Number(new URL(service.url).port);
    const rows = [];
    for (const sizeMiB of sizes) {
      const size = sizeMiB * MiB;
      const path = join(files, `bench-${sizeMiB}.so`);
      process.stderr.write(`${sizeMiB} MiB: uploading...\n`);
      const up = await uploadSynthetic(service, token, size, path);
      process.stderr.write(`  uploaded in ${up.uploaded.toFixed(1)} s, assembled in ${up.assembled.toFixed(1)} s\n`);
      const url = `${service.url}/debuginfod/acme/bench/buildid/${up.buildId}/executable`;
      const check = spawnSync("sh", ["-c", `curl -s -H 'authorization: Bearer ${token}' '${url}' | sha1sum`], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (!check.stdout.startsWith(up.checksum))
        throw new Error(`route bytes differ: ${check.stdout} vs ${up.checksum}`);
      const keysFile = join(files, `keys-${sizeMiB}.json`);
      const keysFd = openSync(keysFile, "w");
      writeSync(keysFd, JSON.stringify({ keys: up.keys, size }));
      closeSync(keysFd);
      const { worker: pid, proxy } = workerdProcesses(port);
      const idle = rssMiB(pid);
      const proxyIdle = rssMiB(proxy);
      const route = [];
      const ceil = [];
      for (let i = 0; i < RUNS; i++) {
        route.push(await curl(["-H", `authorization: Bearer ${token}`, url], pid, proxy));
        ceil.push(await curl(["-X", "POST", "--data-binary", `@${keysFile}`, ceiling.url]));
      }
      const cat = [];
      for (let i = 0; i < RUNS; i++) {
        const t = process.hrtime.bigint();
        spawnSync("sh", ["-c", `cat '${path}' > /dev/null`]);
        cat.push({ bytes: size, seconds: Number(process.hrtime.bigint() - t) / 1e9 });
      }
      const r = best(route);
      const c = best(ceil);
      const k = best(cat);
      if (r.bytes !== size || c.bytes !== size) throw new Error(`short download: ${r.bytes} / ${c.bytes} of ${size}`);
      rows.push({
        size: `${sizeMiB} MiB`,
        "route MB/s": mbps(size, r.seconds).toFixed(0),
        "ceiling MB/s": mbps(size, c.seconds).toFixed(0),
        "cat MB/s": mbps(size, k.seconds).toFixed(0),
        "route/ceiling": `${((c.seconds / r.seconds) * 100).toFixed(0)}%`,
        "route/cat": `${((k.seconds / r.seconds) * 100).toFixed(1)}%`,
        "worker RSS idle→peak MiB": `${idle.toFixed(0)}→${Math.max(...route.map((x) => x.peak)).toFixed(0)}`,
        "proxy RSS idle→peak MiB": `${proxyIdle.toFixed(0)}→${Math.max(...route.map((x) => x.proxyPeak)).toFixed(0)}`,
      });
      rmSync(path, { force: true });
    }
    console.log(
      "MB/s are MiB/s; best of",
      RUNS,
      "runs; RSS of the service's two workerd processes (the Worker, the dev proxy) before and during route downloads",
    );
    console.table(rows);
  } finally {
    await service.stop();
    await ceiling.stop();
    await new Promise((r) => setTimeout(r, 1500));
    rmSync(persist, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
