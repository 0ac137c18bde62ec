/**
 * Sentry source bundles, as `sentry-cli debug-files bundle-sources` and `upload --include-sources`
 * make them: "SYSB" | version u32 LE (2) | a ZIP archive. Its `manifest.json` carries the identity
 * of the object the sources belong to (`debug_id`, `code_id`, `arch`, `object_name`) and the index
 * of `files/...` members (zip path -> {type, path}). Only the ZIP directory and the manifest are
 * read; kind `src`, feature `sources`, as symbolic reports them.
 */
import type { RangedReader } from "../common/ranged-reader";
import { parseDebugId, normalizeCodeId } from "./debug-id-parse";
import { failed, identified, malformed } from "./result";
import type { IdentifyResult } from "./types";
import { readEntry, zipEntries } from "./zip";

/** The ZIP starts after the 8-byte header. */
export const SOURCE_BUNDLE_ZIP_BASE = 8;
const MAX_MANIFEST = 8 * 1024 * 1024;

export async function identifySourceBundle(reader: RangedReader): Promise<IdentifyResult> {
  const entries = await zipEntries(reader, SOURCE_BUNDLE_ZIP_BASE);
  if (typeof entries === "string") return malformed(`source bundle: ${entries}`);
  const manifestEntry = entries.find((e) => e.name === "manifest.json");
  if (!manifestEntry) return malformed("source bundle has no manifest.json; recreate it with sentry-cli");
  const bytes = await readEntry(reader, manifestEntry, MAX_MANIFEST);
  if (typeof bytes === "string") return malformed(`source bundle: ${bytes}`);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return malformed("source bundle manifest.json is not valid JSON");
  }
  const debugId = typeof manifest.debug_id === "string" ? parseDebugId(manifest.debug_id) : undefined;
  if (!debugId || /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(debugId)) {
    return failed("missing_debug_id", "missing debug identifier: the source bundle's manifest names no debug id");
  }
  const codeId = typeof manifest.code_id === "string" ? normalizeCodeId(manifest.code_id) : "";
  return identified({
    format: "sourcebundle",
    debugId,
    codeId: codeId || null,
    arch: typeof manifest.arch === "string" ? manifest.arch : "unknown",
    kind: "src",
    features: ["sources"],
    details: { objectName: typeof manifest.object_name === "string" ? manifest.object_name : null },
  });
}
