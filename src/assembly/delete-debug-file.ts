/**
 * Deleting a debug file, for the API (`DELETE …/files/dsyms/?id=`) and the web page alike: the
 * project's catalog row, its copy in the org-wide index, the manifest and symcache in R2, and
 * the file's Durable Object state, so that a later upload of the same bytes starts afresh.
 * Chunks stay: other files and organizations may share them (README, "Chunk retention").
 */
import type { Env } from "../env";
import { debugFileObjectName, filePrefix, orgCatalogName, projectCatalogName } from "../storage/keys";
import type { DebugFileRecord } from "../storage/project-catalog";

/** The removed record, or null when the project has no file with that id. */
export async function deleteDebugFile(
  env: Env,
  org: string,
  project: string,
  id: string,
): Promise<DebugFileRecord | null> {
  const catalog = env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(projectCatalogName(org, project)));
  const removed = await catalog.remove(id);
  if (!removed) return null;
  const { checksum } = removed;
  await env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(orgCatalogName(org))).removeFile(project, checksum);
  const objects = await env.BUCKET.list({ prefix: filePrefix(org, project, checksum) });
  if (objects.objects.length > 0) await env.BUCKET.delete(objects.objects.map((o) => o.key));
  await env.DEBUG_FILE.get(env.DEBUG_FILE.idFromName(debugFileObjectName(org, project, checksum))).forget();
  return removed;
}
