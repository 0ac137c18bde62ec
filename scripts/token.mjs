#!/usr/bin/env node
// `npm run token -- <org> [--sntrys] [--scopes project:read,project:write] [--url http://127.0.0.1:8787]`
// Mints an API token through the admin route, with ADMIN_TOKEN from the environment or .dev.vars.
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const org = args.find(
  (a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1]?.startsWith("--") && args[i - 1] !== "--sntrys"),
);
if (!org) {
  console.error("usage: npm run token -- <org> [--sntrys] [--scopes a,b] [--url URL]");
  process.exit(2);
}
// The service: --url, else SERVICE_URL, else the `npm start` running in this checkout (which
// writes its URL into its state directory), else the default port.
const devUrlFile = `${process.env.PERSIST_TO ?? ".wrangler/state"}/dev-url`;
const devUrl = existsSync(devUrlFile) ? readFileSync(devUrlFile, "utf8").trim() : undefined;
const url = (flag("--url") || process.env.SERVICE_URL || devUrl || "http://127.0.0.1:8787").replace(/\/+$/, "");
const scopes = (flag("--scopes") ?? "project:read,project:write,project:releases").split(",");
let admin = process.env.ADMIN_TOKEN;
for (const file of [".dev.vars", ".dev.vars.example"]) {
  if (admin || !existsSync(file)) continue;
  admin = /^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(file, "utf8"))?.[1];
}
const res = await fetch(`${url}/api/0/admin/tokens/`, {
  method: "POST",
  headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
  body: JSON.stringify({ org, scopes, format: args.includes("--sntrys") ? "sntrys" : "plain" }),
}).catch((err) => {
  console.error(
    `cannot reach the service at ${url} (${err.cause?.code ?? err.message}): is \`npm start\` running? Otherwise pass --url`,
  );
  process.exit(1);
});
const body = await res.json().catch(() => ({}));
if (res.status !== 201) {
  console.error(`minting failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  process.exit(1);
}
console.log(body.token);
