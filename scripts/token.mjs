#!/usr/bin/env node
// `npm run token -- <org> [--sntrys] [--scopes project:read,project:write] [--url URL]`: mints a token.
// `npm run token -- <org> --list`: the org's tokens (id, hint, scopes, created, last used).
// `npm run token -- <org> --revoke <id or the token itself>`: revokes one.
// Through the admin routes, with ADMIN_TOKEN from the environment, else from .dev.vars.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";

const USAGE = `usage: npm run token -- <org> [--sntrys] [--scopes a,b] [--url URL]
       npm run token -- <org> --list [--url URL]
       npm run token -- <org> --revoke <token id or token> [--url URL]`;
const WITH_VALUE = new Set(["--scopes", "--url", "--revoke"]);
const KNOWN = new Set([...WITH_VALUE, "--sntrys", "--list"]);

const args = process.argv.slice(2);
const flags = new Map();
const positional = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (!arg.startsWith("--")) positional.push(arg);
  else if (!KNOWN.has(arg)) fail(`unknown option ${arg}\n${USAGE}`, 2);
  else if (WITH_VALUE.has(arg)) flags.set(arg, args[++i] ?? fail(`${arg} needs a value\n${USAGE}`, 2));
  else flags.set(arg, true);
}
const [org] = positional;
if (!org || positional.length > 1) fail(USAGE, 2);

// The service: --url, else SERVICE_URL, else the `npm start` running in this checkout (which
// writes its URL into its state directory), else the default port.
const devUrlFile = `${process.env.PERSIST_TO ?? ".wrangler/state"}/dev-url`;
const devUrl = existsSync(devUrlFile) ? readFileSync(devUrlFile, "utf8").trim() : undefined;
const url = (flags.get("--url") || process.env.SERVICE_URL || devUrl || "http://127.0.0.1:8787").replace(/\/+$/, "");

let admin = process.env.ADMIN_TOKEN;
for (const file of [".dev.vars", ".dev.vars.example"]) {
  if (admin || !existsSync(file)) continue;
  admin = /^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(file, "utf8"))?.[1];
}

if (flags.has("--list")) {
  const tokens = await call("GET", `/api/0/admin/tokens/?org=${encodeURIComponent(org)}`, 200);
  if (tokens.length === 0) console.log(`no tokens for ${org}`);
  else {
    const rows = tokens.map((t) => [t.id, t.hint, t.scopes.join(","), t.createdAt, t.lastUsedAt ?? "never"]);
    printTable(["ID", "TOKEN", "SCOPES", "CREATED", "LAST USED"], rows);
  }
} else if (flags.has("--revoke")) {
  const given = flags.get("--revoke");
  // A token id, or the token itself (its id is the start of its SHA-256).
  const id = /^[0-9a-f]{16}$/.test(given) ? given : createHash("sha256").update(given).digest("hex").slice(0, 16);
  const revoked = await call("DELETE", `/api/0/admin/tokens/${encodeURIComponent(org)}/${id}/`, 200);
  console.log(`revoked ${revoked.id} (${revoked.hint}, ${revoked.scopes.join(",")})`);
} else {
  const scopes = (flags.get("--scopes") ?? "project:read,project:write,project:releases").split(",");
  const format = flags.has("--sntrys") ? "sntrys" : "plain";
  const minted = await call("POST", "/api/0/admin/tokens/", 201, { org, scopes, format });
  console.log(minted.token);
}

async function call(method, path, expected, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((err) =>
    fail(
      `cannot reach the service at ${url} (${err.cause?.code ?? err.message}): is \`npm start\` running? Otherwise pass --url`,
    ),
  );
  const answer = await res.json().catch(() => ({}));
  if (res.status === 401) {
    fail(
      `${url} refused the admin secret: set ADMIN_TOKEN to the one it was given (\`wrangler secret put ADMIN_TOKEN\`)`,
    );
  }
  if (res.status !== expected) fail(`${method} ${path} failed: HTTP ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, i) => String(cell).padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    );
}

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}
