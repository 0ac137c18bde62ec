#!/usr/bin/env node
// `npm start [-- --port N]` (or `PORT=N npm start`): runs the service locally with `wrangler dev`
// on 127.0.0.1:8787, on local storage under .wrangler/state that survives restarts. No manual
// step: .dev.vars is created from .dev.vars.example when absent, and the development token (see
// README) is put into local KV. The running server's URL is written to .wrangler/state/dev-url,
// where `npm run token` finds it.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { patchMiniflare } from "./patch-miniflare.mjs";

/** `--port N` / `--port=N` are ours (wrangler would get two ports and refuse); the rest goes to wrangler. */
function takePort(args) {
  let port = process.env.PORT || "8787";
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--port") port = args[++i] ?? "";
    else if (arg.startsWith("--port=")) port = arg.slice("--port=".length);
    else rest.push(arg);
  }
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    console.error(`npm start: the port must be a number from 1 to 65535, not "${port}"`);
    process.exit(2);
  }
  return { port, rest };
}

/** Whether 127.0.0.1:port can be listened on: checked first, so a taken port is one line, not workerd's trace. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(Number(port), "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

const { port, rest } = takePort(process.argv.slice(2));
// The local queue must survive long consumer calls (scripts/patch-miniflare.mjs), also when
// `npm install --ignore-scripts` skipped postinstall.
patchMiniflare();
if (!(await portIsFree(port))) {
  const next = Number(port) + 1;
  console.error(
    `npm start: port ${port} on 127.0.0.1 is in use (another \`npm start\`?); choose another with \`npm start -- --port ${next}\` or \`PORT=${next} npm start\``,
  );
  process.exit(1);
}
const url = `http://127.0.0.1:${port}`;
const persist = process.env.PERSIST_TO ?? ".wrangler/state";
/** Read by scripts/token.mjs: the URL of the `npm start` running on this state. */
const DEV_URL_FILE = `${persist}/dev-url`;
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
}

// The development token: org "acme", read + write. Stored hashed, like every token, with its
// entry in the org's token list (the layout of src/auth/tokens.ts and docs/storage.md).
const DEV_TOKEN = "sntryu_00000000000000000000000000000000000000000000000000000000000dac3e";
const hash = createHash("sha256").update(DEV_TOKEN).digest("hex");
const record = {
  org: "acme",
  scopes: ["project:read", "project:write", "project:releases"],
  createdAt: "2026-01-01T00:00:00.000Z",
  format: "plain",
  hint: `${DEV_TOKEN.slice(0, 7)}...${DEV_TOKEN.slice(-4)}`,
};
const listed = {
  id: hash.slice(0, 16),
  hint: record.hint,
  scopes: record.scopes,
  format: record.format,
  createdAt: record.createdAt,
  lastUsedAt: null,
};
const seedFile = join(mkdtempSync(join(tmpdir(), "dev-token-")), "seed.json");
writeFileSync(
  seedFile,
  JSON.stringify([
    { key: `token/${hash}`, value: JSON.stringify(record) },
    { key: `org-token/${record.org}/${listed.id}`, value: hash, metadata: listed },
  ]),
);
const seeded = spawnSync(
  "npx",
  ["wrangler", "kv", "bulk", "put", seedFile, "--binding", "TOKENS", "--local", "--persist-to", persist],
  { env, stdio: ["ignore", "ignore", "inherit"] },
);
rmSync(dirname(seedFile), { recursive: true, force: true });
if (seeded.status !== 0) console.warn("could not seed the development token (continuing)");

const dev = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", persist, ...rest], {
  env,
  stdio: "inherit",
});
mkdirSync(persist, { recursive: true });
writeFileSync(DEV_URL_FILE, `${url}\n`);
console.log(`\nService: ${url}  Development token for org "acme": ${DEV_TOKEN}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => {
  // Another `npm start` may have written its URL since; that one stays.
  if (existsSync(DEV_URL_FILE) && readFileSync(DEV_URL_FILE, "utf8").trim() === url) rmSync(DEV_URL_FILE);
  process.exit(code ?? 0);
});
