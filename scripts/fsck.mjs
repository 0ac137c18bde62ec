#!/usr/bin/env node
// `npm run fsck [-- --repair] [--url http://127.0.0.1:8787] [--json]`
// The storage consistency check (src/storage/fsck.ts) through the admin route, with ADMIN_TOKEN
// from the environment or .dev.vars. Exit status: 0 when nothing is wrong (or all was repaired),
// 1 when problems remain, 2 when the check could not run.
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const url = (flag("--url") ?? process.env.SERVICE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const repair = args.includes("--repair");
let admin = process.env.ADMIN_TOKEN;
for (const file of [".dev.vars", ".dev.vars.example"]) {
  if (admin || !existsSync(file)) continue;
  admin = /^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(file, "utf8"))?.[1];
}
const res = await fetch(`${url}/api/0/admin/fsck/${repair ? "?repair=1" : ""}`, {
  method: repair ? "POST" : "GET",
  headers: { authorization: `Bearer ${admin}` },
  signal: AbortSignal.timeout(15 * 60_000),
}).catch((err) => {
  console.error(`fsck: ${url} did not answer: ${err.message}`);
  process.exit(2);
});
const report = await res.json().catch(() => ({}));
if (res.status !== 200) {
  console.error(`fsck failed: HTTP ${res.status} ${JSON.stringify(report)}`);
  process.exit(2);
}
if (args.includes("--json")) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const c = report.chunks;
  console.log(`checked ${report.checkedAt}: ${report.files} files, ${report.records} catalog records`);
  console.log(
    `chunks: ${c.objects} (${c.bytes} bytes), ${c.referenced} referenced, ${c.inGrace} unreferenced in grace (${c.inGraceBytes} bytes)`,
  );
  const byKind = new Map();
  for (const p of report.problems) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p]);
  for (const [kind, list] of byKind) {
    const bytes = list.reduce((s, p) => s + p.bytes, 0);
    console.log(`${repair ? "repaired" : "found"} ${list.length} ${kind} (${bytes} bytes)`);
    for (const p of list.slice(0, 20)) console.log(`  ${p.where}`);
    if (list.length > 20) console.log(`  … ${list.length - 20} more`);
  }
  if (report.problems.length === 0) console.log("no problems");
}
process.exit(report.problems.length > 0 && !repair ? 1 : 0);
