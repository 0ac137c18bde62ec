#!/usr/bin/env node
/**
 * Server time and size of the web page's debug-file list for a project of 1,000 files.
 *
 *   node bench/ui/run.mjs [--files 1000] [--requests 200]
 *
 * Makes N distinct PDB files (copies of test/fixtures/files/pe-x86_64.pdb, each with its own
 * GUID written over the one in the PDB info stream; processing is assembly, identification and
 * the PDB's small symcache), uploads them with the real sentry-cli --wait to a fresh
 * `wrangler dev`, signs in to the page with a token, then times sequential requests after a
 * warm-up of 20:
 *   floor:      GET /  (a trivial route: the local HTTP path every request pays)
 *   api:        GET /api/0/projects/bench/app/files/dsyms/?per_page=25 (the JSON list)
 *   list:       GET /ui/orgs/bench/projects/app/            (first page, 25 rows)
 *   list+cursor: the 20th page, through the Next cursors
 *   search:     ?query=lib09 (a substring scan over every row; 100 match, one page shown)
 *   format:     ?format=pdb
 *   live 304:   the live region with If-None-Match (what an idle open tab costs)
 *   projects:   GET /ui/orgs/bench/
 * Times are measured by the client over loopback (request start to last body byte), so they
 * include the floor; HTML sizes are the bodies' bytes.
 *
 * `wrangler dev` runs from a snapshot of HEAD (bench/upload/dev.mjs). Not a test: prints
 * numbers, gates nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  ROOT,
  mintToken,
  onCleanup,
  removeDir,
  run,
  sentryCli,
  uploadArgs,
  snapshotHead,
  startDev,
} from "../upload/dev.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const FILES = arg("--files", 1000);
const REQUESTS = arg("--requests", 200);
const PDB = join(ROOT, "test", "fixtures", "files", "pe-x86_64.pdb");
/** The fixture's GUID f17a7fb0-e420-3a7d-4c4c-44205044422e as stored (little-endian fields). */
const GUID = Buffer.from("b07f7af120e47d3a4c4c44205044422e", "hex");

function makePdbs(dir) {
  const original = readFileSync(PDB);
  const at = original.indexOf(GUID);
  if (at < 0 || original.indexOf(GUID, at + 1) >= 0) throw new Error("expected the GUID exactly once in the fixture");
  for (let i = 0; i < FILES; i++) {
    const copy = Buffer.from(original);
    randomBytes(16).copy(copy, at);
    writeFileSync(join(dir, `lib${String(i).padStart(4, "0")}.pdb`), copy);
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function time(label, url, headers, { expect = 200, n = REQUESTS } = {}) {
  let bytes = 0;
  for (let i = 0; i < 20; i++) await (await bounded(url, { headers, redirect: "manual" })).arrayBuffer();
  const ms = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const res = await bounded(url, { headers, redirect: "manual" });
    const body = await res.arrayBuffer();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (res.status !== expect) throw new Error(`${label}: HTTP ${res.status}`);
    bytes = body.byteLength;
  }
  ms.sort((a, b) => a - b);
  const row = {
    what: label,
    p50_ms: +percentile(ms, 50).toFixed(2),
    p90_ms: +percentile(ms, 90).toFixed(2),
    p99_ms: +percentile(ms, 99).toFixed(2),
    bytes,
  };
  console.log(
    `${label.padEnd(12)} p50 ${row.p50_ms.toFixed(2).padStart(7)} ms  p90 ${row.p90_ms.toFixed(2).padStart(7)} ms  p99 ${row.p99_ms.toFixed(2).padStart(7)} ms  ${String(bytes).padStart(7)} B`,
  );
  return row;
}

/** Every request of the bench is bounded: a hung server fails the run with its log, not after 5 minutes. */
const TIMEOUT_MS = 60_000;
const bounded = (url, init = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });

run(async () => {
  let service;
  try {
    await measure((started) => (service = started));
  } catch (err) {
    if (service) console.error(`wrangler dev log (last 3000 chars):\n${service.log().slice(-3000)}`);
    throw err;
  }
});

/** The project's files, counted by walking the API list with its cursors. */
async function countFiles(url, token) {
  let count = 0;
  let next = `${url}/api/0/projects/bench/app/files/dsyms/?per_page=100`;
  while (next) {
    const res = await bounded(next, { headers: { authorization: `Bearer ${token}` } });
    count += (await res.json()).length;
    const m = /<([^>]+)>; rel="next"; results="true"/.exec(res.headers.get("link") ?? "");
    next = m ? m[1] : null;
  }
  return count;
}

async function measure(onStarted) {
  const snapshot = snapshotHead();
  console.log(
    `commit ${snapshot.commit.slice(0, 12)}${snapshot.dirty ? " (working tree differs; measuring HEAD)" : ""}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "bench-ui-files-"));
  const persistDir = mkdtempSync(join(tmpdir(), "bench-ui-state-"));
  onCleanup(() => removeDir(dir));
  onCleanup(() => removeDir(persistDir));
  makePdbs(dir);
  const service = await startDev({ persistDir, cwd: snapshot.dir });
  onStarted(service);
  const token = await mintToken(service, "bench");

  const started = Date.now();
  const upload = await sentryCli(
    uploadArgs({ url: service.url, token, org: "bench", project: "app", path: dir, wait: true, extra: ["--no-zips"] }),
    { timeoutMs: 900_000 },
  );
  if (upload.code !== 0) throw new Error(`upload failed:\n${upload.stdout}\n${upload.stderr}`);
  // sentry-cli stops waiting after 300 s; the service may still be processing the last files.
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const count = await countFiles(service.url, token).catch(() => -1);
    if (count === FILES) break;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${FILES} files listed after 15 minutes`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  console.log(`${FILES} files uploaded and processed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const login = await bounded(`${service.url}/ui/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: service.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
  if (!cookie) throw new Error(`sign-in failed: ${login.status}`);
  const page = { cookie };
  const base = `${service.url}/ui/orgs/bench/projects/app/`;

  // The 20th page, by following Next links as a person would.
  let url = base;
  for (let i = 1; i < 20; i++) {
    const html = await (await bounded(url, { headers: page })).text();
    const next = /<a class="button secondary" href="([^"]+)" rel="next">/.exec(html);
    if (!next) throw new Error(`no Next link on page ${i}`);
    url = new URL(next[1].replace(/&amp;/g, "&"), service.url).toString();
  }

  const rows = [];
  rows.push(await time("floor", `${service.url}/`, {}));
  rows.push(
    await time("api", `${service.url}/api/0/projects/bench/app/files/dsyms/?per_page=25`, {
      authorization: `Bearer ${token}`,
    }),
  );
  rows.push(await time("list", base, page));
  rows.push(await time("list+cursor", url, page));
  rows.push(await time("search", `${base}?query=lib09`, page));
  rows.push(await time("format", `${base}?format=pdb`, page));
  // The region's ETag changes when its content does (also when "just now" becomes "1 min ago"):
  // taken right before the run.
  const etag = (await bounded(`${base}live`, { headers: page })).headers.get("etag");
  rows.push(await time("live 304", `${base}live`, { ...page, "if-none-match": etag }, { expect: 304 }));
  rows.push(await time("projects", `${service.url}/ui/orgs/bench/`, page));
  console.log(JSON.stringify({ files: FILES, requests: REQUESTS, rows }));
}
