/**
 * `npm run build` (`wrangler deploy --dry-run`): the production bundle builds from a clean
 * checkout with wrangler.toml as committed, and stays well inside Workers' size limit. Nothing
 * is uploaded and no Cloudflare account is needed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const out = mkdtempSync(join(tmpdir(), "deploy-dry-run-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it("builds the production bundle with the worker, the symcache WebAssembly and the stylesheet", () => {
  const run = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toMatch(/Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
  const files = readdirSync(out);
  expect(files).toContain("index.js");
  expect(files.some((f) => f.endsWith("-symcache.wasm"))).toBe(true);
  expect(files.some((f) => f.endsWith("-app.css"))).toBe(true);
  // Workers allow 10 MB gzip-compressed on the paid plan (64 MiB uncompressed on the newest
  // pages); the bundle is about 1 MiB.
  const total = files.reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
  expect(total).toBeLessThan(10 * 1024 * 1024);
});
