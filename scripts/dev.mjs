#!/usr/bin/env node
// `npm start`: runs the service locally with `wrangler dev` on 127.0.0.1:8787, on local storage
// under .wrangler/state that survives restarts. No manual step: .dev.vars is created from
// .dev.vars.example when absent, and the development token (see README) is put into local KV.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";

const port = process.env.PORT ?? "8787";
const persist = process.env.PERSIST_TO ?? ".wrangler/state";
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
}

// The development token: org "acme", read + write. Stored hashed, like every token.
const DEV_TOKEN = "sntryu_00000000000000000000000000000000000000000000000000000000000dac3e";
const record = JSON.stringify({
  org: "acme",
  scopes: ["project:read", "project:write", "project:releases"],
  createdAt: "2026-01-01T00:00:00.000Z",
  format: "plain",
});
const key = `token/${createHash("sha256").update(DEV_TOKEN).digest("hex")}`;
const seeded = spawnSync(
  "npx",
  ["wrangler", "kv", "key", "put", key, record, "--binding", "TOKENS", "--local", "--persist-to", persist],
  { env, stdio: ["ignore", "ignore", "inherit"] },
);
if (seeded.status !== 0) console.warn("could not seed the development token (continuing)");

const dev = spawn(
  "npx",
  ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", persist, ...process.argv.slice(2)],
  { env, stdio: "inherit" },
);
console.log(`\nDevelopment token for org "acme": ${DEV_TOKEN}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
