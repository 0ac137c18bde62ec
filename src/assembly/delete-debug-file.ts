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

/** The removed record, or null when the project has no file with that id. */
export async function deleteDebugFile(
  env: Env,
  org: string,
  project: string,
  id: string,
): Promise<DebugFileRecord | null> {
  const removed = await projectCatalog(env, org, project).remove(id);
  if (!removed) return null;
  const { checksum } = removed;
  await orgCatalog(env, org).removeFile(project, checksum);
  await deletePrefix(env.BUCKET, filePrefix(org, project, checksum));
  await debugFileObject(env, org, project, checksum).forget();
  await env.ASSEMBLE_STATUS.delete(assembleStatusKey(org, project, checksum));
  return removed;
}
