/**
 * The BCSymbolMap of an App Store bitcode build's dSYM (docs/apple-bitcode.md). Apple rebuilt the
 * app from bitcode, so the dSYM's UUID is new; its UUID map (`<dSYM UUID>.plist`, uploaded from
 * the dSYM's `Contents/Resources`) names the original UUID, which is the BCSymbolMap's. Without a
 * UUID map, a BCSymbolMap under the dSYM's own UUID is taken. Project uploads first, then the
 * organization's, as for dwz alternate files.
 */
import { orgCatalog, projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import { MAX_UUID_MAP_BYTES, originalUuid } from "../identify/apple-maps";
import type { DebugFileRecord } from "../common/debug-file";
import { getManifest, ManifestReader, type FileManifest } from "../storage/file-store";
import type { SymcacheJob } from "./build-task";

export interface FoundSymbolMap {
  org: string;
  project: string;
  checksum: string;
  manifest: FileManifest;
}

export async function findSymbolMap(env: Env, job: SymcacheJob, dsymDebugId: string): Promise<FoundSymbolMap | null> {
  for (const catalog of [projectCatalog(env, job.org, job.project), orgCatalog(env, job.org)]) {
    const own = await catalog.byDebugId(dsymDebugId);
    const uuidMap = own.find((r) => r.format === "uuidmap");
    const original = uuidMap ? await readOriginalUuid(env, uuidMap) : null;
    const candidates = original ? await catalog.byDebugId(original) : own;
    const map = candidates.find((r) => r.format === "bcsymbolmap");
    if (!map) continue;
    const manifest = await getManifest(env.BUCKET, map.org, map.project, map.checksum);
    if (manifest) return { org: map.org, project: map.project, checksum: map.checksum, manifest };
  }
  return null;
}

async function readOriginalUuid(env: Env, record: DebugFileRecord): Promise<string | null> {
  const manifest = await getManifest(env.BUCKET, record.org, record.project, record.checksum);
  if (!manifest || manifest.size > MAX_UUID_MAP_BYTES) return null;
  const bytes = await new ManifestReader(env.BUCKET, manifest).read(0, manifest.size);
  const found = originalUuid(new TextDecoder().decode(bytes));
  return typeof found === "string" ? found : null;
}
