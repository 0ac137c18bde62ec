/**
 * A synthetic large debug file for download tests and benches, uploaded through the HTTP API
 * exactly as sentry-cli would (8 MiB chunks, 4 per request, 2 requests in flight, assemble polled).
 *
 * The file is an ELF64 shared object: a GNU build-id note (random, so every run is a new file),
 * a 16-byte `.text`, the bulk as random bytes in `.eh_frame`, the section headers at the end.
 * It identifies as a usable `lib` with unwind information only, so no symcache is built for it
 * and debuginfod serves it as `executable`. Random bytes keep every chunk distinct (no dedup).
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";

const CHUNK = 8 * 1024 * 1024;
const MiB = 1024 * 1024;

/**
 * The two workerd processes of a `wrangler dev` on `port`: the proxy that listens on the port,
 * and its sibling that runs the Worker (and holds the R2 reads), found by reading /proc directly
 * (no `ps`: minimal machines lack procps).
 */
export function workerdProcesses(port) {
  const rows = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (!/\/workerd serve /.test(args)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: the command may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      rows.push({ pid: Number(entry), ppid, args: `${args} ` });
    } catch {
      // the process ended while we looked
    }
  }
  const proxy = rows.find((r) => r.args.includes(`entry=127.0.0.1:${port} `));
  const worker = proxy && rows.find((r) => r.ppid === proxy.ppid && r.pid !== proxy.pid);
  if (!proxy || !worker) throw new Error(`workerd processes of port ${port} not found`);
  return { proxy: proxy.pid, worker: worker.pid };
}

/** Resident set size of a process in MiB, NaN once it is gone (wrangler dev restarts it on rebuilds). */
export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
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
  if (start < layout.head.length) layout.head.copy(buf, 0, start, Math.min(layout.head.length, end));
  if (end > layout.shoff) layout.tail.copy(buf, Math.max(0, layout.shoff - start), Math.max(0, start - layout.shoff));
  return buf;
}

/**
 * One API call. A 503 (wrangler dev restarting its worker, or the chunk gate full) and a
 * connection the server closed while the body was still being sent (it may answer and close
 * before reading a whole 32 MiB body; Node then fails the write with EPIPE) are retried, as
 * sentry-cli retries them: chunk uploads and assemble polls are idempotent.
 */
async function api(server, token, path, init = {}) {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
      });
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 2000));
      continue;
    }
    if (res.ok) return res;
    const text = await res.text();
    if (res.status !== 503 || attempt >= 5) throw new Error(`${path}: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function uploadSynthetic(server, token, size, path = null) {
  const buildId = randomBytes(20);
  const layout = elfLayout(size, buildId);
  const whole = createHash("sha1");
  const sums = [];
  const fd = path ? openSync(path, "w") : null;
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
    if (fd !== null) writeSync(fd, bytes);
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
  if (fd !== null) closeSync(fd);
  const uploaded = (Date.now() - started) / 1000;
  const checksum = whole.digest("hex");
  const body = JSON.stringify({ [checksum]: { name: `libbench-${size / MiB}.so`, chunks: sums } });
  for (let i = 0; ; i++) {
    const res = await api(server, token, "/api/0/projects/acme/bench/files/difs/assemble/", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    const state = (await res.json())[checksum];
    if (state.state === "ok") break;
    if (state.state === "error") throw new Error(`assembly failed: ${state.detail}`);
    if (i > 1800) throw new Error("assembly did not finish in 30 minutes");
    await new Promise((r) => setTimeout(r, 1000));
  }
  return {
    buildId: buildId.toString("hex"),
    checksum,
    keys: sums.map((s) => `chunks/${s}`),
    uploaded,
    assembled: (Date.now() - started) / 1000 - uploaded,
  };
}
