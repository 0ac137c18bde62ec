/**
 * Imports a TypeScript module of this repository from a plain Node script (Node 20 runs no
 * TypeScript): esbuild bundles it with its imports into a temporary ES module, which is imported.
 * Benches use it to run the service's own code (the symcache builder host, the container writer)
 * instead of a copy of it.
 */
import { build } from "esbuild";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export async function importTs(path) {
  const out = join(mkdtempSync(join(tmpdir(), "bench-ts-")), "module.mjs");
  await build({
    entryPoints: [path],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: out,
    logLevel: "error",
    loader: { ".wasm": "empty" },
  });
  return import(pathToFileURL(out).href);
}
