#!/usr/bin/env node
// `npm test`: every vitest project (worker in workerd, unit, e2e against wrangler dev), then the
// plain `N passed, N failed` line that CI reads (vitest's own summary is not read by CI).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { patchMiniflare } from "./patch-miniflare.mjs";

// The local queue must survive long consumer calls (scripts/patch-miniflare.mjs), also when
// `npm install --ignore-scripts` skipped postinstall.
patchMiniflare();

const report = "vitest-report.json";
rmSync(report, { force: true });
const run = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrors ?? 0);
} else {
  failed = 1;
}
if (run.status !== 0 && failed === 0) failed = 1; // a crash or a failed suite without failed tests
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
