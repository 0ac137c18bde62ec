/**
 * The KV mirror of assemble states. KV is eventually consistent (a write can take a minute to
 * reach other locations) and has no compare-and-set, so it is never the source of truth: the
 * assemble route asks the file's Durable Object. The mirror serves when that object cannot
 * answer (overloaded, being reset): the route then answers from the mirror rather than fail
 * the whole upload. Entries live 300 s, like the error they may carry, and `ok` deletes them.
 * Writes are best effort: KV allows one write per second per key, and a lost mirror write
 * costs nothing but the fallback.
 */
import { assembleStatusKey } from "../storage/keys";
import { TIMELINE } from "./file-state";

export interface MirroredStatus {
  state: "created" | "assembling" | "error";
  detail: string | null;
}

export async function mirrorStatus(
  kv: KVNamespace,
  org: string,
  project: string,
  checksum: string,
  status: MirroredStatus | null,
): Promise<void> {
  const key = assembleStatusKey(org, project, checksum);
  try {
    if (status === null) await kv.delete(key);
    else await kv.put(key, JSON.stringify(status), { expirationTtl: TIMELINE.errorTtlMs / 1000 });
  } catch (err) {
    console.warn("assemble status mirror write failed", key, err);
  }
}

export async function readMirroredStatus(
  kv: KVNamespace,
  org: string,
  project: string,
  checksum: string,
): Promise<MirroredStatus | null> {
  return (await kv.get<MirroredStatus>(assembleStatusKey(org, project, checksum), "json")) ?? null;
}
