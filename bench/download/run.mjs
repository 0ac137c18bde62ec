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
 * curl does the downloads (no Node in the data path). The main workerd's RSS is sampled from
 * /proc every 20 ms during the route downloads: it must stay flat whatever the file size.
 * Each download runs 3 times; the best run counts. The route's bytes are SHA-1-checked once.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const ADMIN = "bench-admin-token";
const CHUNK = 8 * 1024 * 1024;
const MiB = 1024 * 1024;
const RUNS = 3;
const sizes = (process.argv[2] ?? "256 1024").split(/[ ,]+/).filter(Boolean).map(Number);

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startDev(args, persistDir) {
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn(
    "npx",
    ["wrangler", "dev", ...args, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
      "--persist-to", persistDir, "--show-interactive-dev-session=false"],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" } },
  );
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log}`);
    try {
      await fetch(url, { method: "HEAD" });
      break;
    } catch {
      if (i > 300) throw new Error(`wrangler dev did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return {
    url,
    pgid: child.pid,
    log: () => log,
    stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
    },
  };
}

function workerdPid(pgid) {
  const ps = spawnSync("ps", ["-eo", "pid=,pgid=,comm="], { encoding: "utf8" }).stdout;
  const rows = ps.split("\n").map((l) => l.trim().split(/\s+/)).filter((r) => Number(r[1]) === pgid && r[2] === "workerd");
  if (rows.length === 0) throw new Error("no workerd process found");
  return Number(rows[0][0]);
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The synthetic ELF: head (headers, note, .text, names) + random bulk + section headers. */
function elfLayout(size, buildId) {
  const head = Buffer.alloc(4096);
  const names = Buffer.from("\0.note.gnu.build-id\0.text\0.eh_frame\0.shstrtab\0", "latin1");
  const nameAt = (n) => names.indexOf(Buffer.from(`${n}\0`, "latin1"));
  const shoff = size - 5 * 64;
  // ELF64 little-endian header
  head.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  head.writeUInt16LE(3, 16); // ET_DYN
  head.writeUInt16LE(62, 18); // EM_X86_64
  head.writeUInt32LE(1, 20);
  head.writeBigUInt64LE(64n, 32); // e_phoff
  head.writeBigUInt64LE(BigInt(shoff), 40); // e_shoff
  head.writeUInt16LE(64, 52); // e_ehsize
  head.writeUInt16LE(56, 54); // e_phentsize
  head.writeUInt16LE(1, 56); // e_phnum
  head.writeUInt16LE(64, 58); // e_shentsize
  head.writeUInt16LE(5, 60); // e_shnum
  head.writeUInt16LE(4, 62); // e_shstrndx
  // PT_NOTE at 64 covering the note at 120
  head.writeUInt32LE(4, 64);
  head.writeBigUInt64LE(120n, 64 + 8);
  head.writeBigUInt64LE(36n, 64 + 32);
  head.writeBigUInt64LE(36n, 64 + 40);
  head.writeBigUInt64LE(4n, 64 + 48);
  // NT_GNU_BUILD_ID note
  head.writeUInt32LE(4, 120);
  head.writeUInt32LE(20, 124);
  head.writeUInt32LE(3, 128);
  head.write("GNU\0", 132, "latin1");
  buildId.copy(head, 136);
  head.fill(0xc3, 160, 176); // .text: ret
  names.copy(head, 176);
  const tail = Buffer.alloc(5 * 64);
  const section = (i, name, type, flags, offset, length) => {
    const at = i * 64;
    tail.writeUInt32LE(nameAt(name), at);
    tail.writeUInt32LE(type, at + 4);
    tail.writeBigUInt64LE(BigInt(flags), at + 8);
    tail.writeBigUInt64LE(BigInt(offset), at + 24);
    tail.writeBigUInt64LE(BigInt(length), at + 32);
    tail.writeBigUInt64LE(1n, at + 48);
  };
  section(1, ".note.gnu.build-id", 7, 2, 120, 36);
  section(2, ".text", 1, 6, 160, 16);
  section(3, ".eh_frame", 1, 2, 4096, shoff - 4096);
  section(4, ".shstrtab", 3, 0, 176, names.length);
  return { head, tail, shoff };
}

function chunkBytes(layout, size, index) {
  const start = index * CHUNK;
  const end = Math.min(size, start + CHUNK);
  const buf = randomBytes(end - start);
  if (start < layout.head.length) layout.head.copy(buf, 0, start, Math.min(layout.head.length, end) );
  if (end > layout.shoff) layout.tail.copy(buf, Math.max(0, layout.shoff - start), Math.max(0, start - layout.shoff));
  return buf;
}

async function api(server, token, path, init = {}) {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function uploadSynthetic(server, token, size, path) {
  const buildId = randomBytes(20);
  const layout = elfLayout(size, buildId);
  const whole = createHash("sha1");
  const sums = [];
  const fd = openSync(path, "w");
  const count = Math.ceil(size / CHUNK);
  const started = Date.now();
  let batch = [];
  const inflight = new Set();
  const send = async (parts) => {
    const form = new FormData();
    for (const p of parts) form.append("file", new Blob([p.bytes]), p.sha1);
    await api(server, token, "/api/0/organizations/acme/chunk-upload/", { method: "POST", body: form });
  };
  for (let i = 0; i < count; i++) {
    const bytes = chunkBytes(layout, size, i);
    whole.update(bytes);
    writeSync(fd, bytes);
    const sha1 = createHash("sha1").update(bytes).digest("hex");
    sums.push(sha1);
    batch.push({ sha1, bytes });
    if (batch.length === 4 || i === count - 1) {
      const p = send(batch).finally(() => inflight.delete(p));
      inflight.add(p);
      batch = [];
      if (inflight.size >= 2) await Promise.race(inflight);
    }
  }
  await Promise.all(inflight);
  closeSync(fd);
  const uploaded = (Date.now() - started) / 1000;
  const checksum = whole.digest("hex");
  const body = JSON.stringify({ [checksum]: { name: `libbench-${size / MiB}.so`, chunks: sums } });
  for (let i = 0; ; i++) {
    const res = await api(server, token, "/api/0/projects/acme/bench/files/difs/assemble/", {
      method: "POST", body, headers: { "content-type": "application/json" },
    });
    const state = (await res.json())[checksum];
    if (state.state === "ok") break;
    if (state.state === "error") throw new Error(`assembly failed: ${state.detail}`);
    if (i > 1800) throw new Error("assembly did not finish in 30 minutes");
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { buildId: buildId.toString("hex"), checksum, keys: sums.map((s) => `chunks/${s}`), uploaded, assembled: (Date.now() - started) / 1000 - uploaded };
}

/** Runs curl (output discarded), sampling RSS of `pid` meanwhile; returns seconds, bytes, peak RSS. */
function curl(args, pid) {
  return new Promise((resolve, reject) => {
    let peak = pid ? rssMiB(pid) : NaN;
    const timer = pid ? setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20) : null;
    const child = spawn("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", ...args]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", () => {
      if (timer) clearInterval(timer);
      const [code, bytes, seconds] = out.trim().split(" ");
      if (code !== "200") reject(new Error(`curl got ${code}`));
      else resolve({ bytes: Number(bytes), seconds: Number(seconds), peak });
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
  const service = await startDev(["--var", `ADMIN_TOKEN:${ADMIN}`], persist);
  const ceiling = await startDev(["-c", "bench/download/wrangler.toml"], persist);
  try {
    const minted = await fetch(`${service.url}/api/0/admin/tokens/`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ org: "acme", scopes: ["project:read", "project:write"] }),
    });
    const { token } = await minted.json();
    const pid = workerdPid(service.pgid);
    const rows = [];
    for (const sizeMiB of sizes) {
      const size = sizeMiB * MiB;
      const path = join(files, `bench-${sizeMiB}.so`);
      process.stderr.write(`${sizeMiB} MiB: uploading...\n`);
      const up = await uploadSynthetic(service, token, size, path);
      process.stderr.write(`  uploaded in ${up.uploaded.toFixed(1)} s, assembled in ${up.assembled.toFixed(1)} s\n`);
      const url = `${service.url}/debuginfod/acme/bench/buildid/${up.buildId}/executable`;
      const check = spawnSync("sh", ["-c", `curl -s -H 'authorization: Bearer ${token}' '${url}' | sha1sum`], { encoding: "utf8", maxBuffer: 1 << 20 });
      if (!check.stdout.startsWith(up.checksum)) throw new Error(`route bytes differ: ${check.stdout} vs ${up.checksum}`);
      const keysFile = join(files, `keys-${sizeMiB}.json`);
      const keysFd = openSync(keysFile, "w");
      writeSync(keysFd, JSON.stringify({ keys: up.keys, size }));
      closeSync(keysFd);
      const idle = rssMiB(pid);
      const route = [];
      const ceil = [];
      for (let i = 0; i < RUNS; i++) {
        route.push(await curl(["-H", `authorization: Bearer ${token}`, url], pid));
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
        "workerd RSS idle MiB": idle.toFixed(0),
        "workerd RSS peak MiB": Math.max(...route.map((x) => x.peak)).toFixed(0),
      });
      rmSync(path, { force: true });
    }
    console.log("MB/s are MiB/s; best of", RUNS, "runs; RSS of the service's workerd process during route downloads");
    console.table(rows);
  } finally {
    service.stop();
    ceiling.stop();
    await new Promise((r) => setTimeout(r, 1500));
    rmSync(persist, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
