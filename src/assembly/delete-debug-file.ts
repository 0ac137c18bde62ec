/**
 * Deleting a debug file, for the API (`DELETE …/files/dsyms/?id=`) and the web page alike: the
 * project's catalog row, its copy in the org-wide index, everything of the file in R2 (manifest,
 * layout, symcache, what a build left), and the file's Durable Object state, so that a later
 * upload of the same bytes starts afresh, and its mirrored assemble status. Chunks stay: other
 * files and organizations may share them; the sweep (storage/fsck.ts) deletes those no manifest
 * names once their grace period is over.
 */
import type { DebugFileRecord } from "../common/debug-file";
import { debugFileObject, orgCatalog, projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import { deletePrefix } from "../storage/file-store";
import { assembleStatusKey, filePrefix } from "../storage/keys";

/**
 * The removed record, or null when the project has no file with that id.
 *
 * The order makes a crash at any step harmless: the file's object forgets it first, so a rerun
 * of the upload assembles it afresh (and re-registers it, if the catalog still has it) instead
 * of answering `ok` for a file the catalog no longer lists; then the catalog rows go, then the
 * R2 objects. A crash after the catalog rows went leaves a manifest without a record, which
 * `npm run fsck -- --repair` (or a rerun of the upload) resolves.
 */
export async function deleteDebugFile(
  env: Env,
  org: string,
  project: string,
  id: string,
): Promise<DebugFileRecord | null> {
  const catalog = projectCatalog(env, org, project);
  const record = await catalog.get(id);
  if (!record) return null;
  const { checksum } = record;
  await debugFileObject(env, org, project, checksum).forget();
  const removed = await catalog.remove(id);
  if (!removed) return null; // a concurrent delete of the same file finished first
  await orgCatalog(env, org).removeFile(project, checksum);
  await deletePrefix(env.BUCKET, filePrefix(org, project, checksum));
  await env.ASSEMBLE_STATUS.delete(assembleStatusKey(org, project, checksum));
  return removed;
}
