/**
 * The KV mirror of assemble states. KV is eventually consistent (a write can take a minute to
 * reach other locations) and has no compare-and-set, so it is never the source of truth: the
 * assemble route asks the file's Durable Object. The mirror serves when that object cannot
 * answer (overloaded, being reset): the route then answers from the mirror rather than fail
 * the whole upload. Entries live 300 s, like the error they may carry, and `ok` deletes them.
 * Writes are best effort: KV allows one write per second per key, and a lost mirror write
 * costs nothing but the fallback.
 *
 * The status is also the key's KV metadata (names and details shortened to fit KV's 1024 bytes),
 * so that one `list` call shows every upload in flight of a project (the web page) without a read
 * per key.
 */
import { assembleStatusKey, assembleStatusPrefix, parseAssembleStatusKey } from "../storage/keys";
import { TIMELINE } from "./file-state";

export interface MirroredStatus {
  state: "created" | "assembling" | "error";
  detail: string | null;
  /** The file name sentry-cli sent. */
  name?: string;
  /** While assembling: putting the file together and identifying it, or building its symcache. */
  step?: "assemble" | "symcache" | null;
}

/** A mirrored status found by listing, with where it belongs and when KV forgets it. */
export interface ListedStatus {
  project: string;
  checksum: string;
  status: MirroredStatus;
  /** Seconds since the epoch. */
  expiresAt: number | null;
}

const METADATA_NAME_CHARS = 200;
const METADATA_DETAIL_CHARS = 500;
const METADATA_BYTES = 1024;
/** One KV list call; more in-flight files than this in one project are not shown. */
const LIST_LIMIT = 1000;

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
    else
      await kv.put(key, JSON.stringify(status), {
        expirationTtl: TIMELINE.errorTtlMs / 1000,
        metadata: shortened(status),
      });
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

/** Every mirrored status of an org (or one project of it), from one KV list call. */
export async function listMirroredStatuses(kv: KVNamespace, org: string, project?: string): Promise<ListedStatus[]> {
  const listed = await kv.list<MirroredStatus>({ prefix: assembleStatusPrefix(org, project), limit: LIST_LIMIT });
  const out: ListedStatus[] = [];
  for (const key of listed.keys) {
    const where = parseAssembleStatusKey(org, key.name);
    // A key written before statuses carried metadata has none: it still counts, with its state unknown.
    if (!where) continue;
    const status = key.metadata ?? { state: "assembling", detail: null };
    out.push({ ...where, status, expiresAt: key.expiration ?? null });
  }
  return out;
}

/** KV refuses metadata above 1024 bytes of JSON; names and reasons are cut (ASCII "...") to fit. */
function shortened(status: MirroredStatus): MirroredStatus {
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, Math.max(0, max - 3))}...` : text);
  let nameChars = METADATA_NAME_CHARS;
  let detailChars = METADATA_DETAIL_CHARS;
  for (;;) {
    const fitted: MirroredStatus = {
      ...status,
      detail: status.detail === null ? null : cut(status.detail, detailChars),
      ...(status.name !== undefined ? { name: cut(status.name, nameChars) } : {}),
    };
    if (new TextEncoder().encode(JSON.stringify(fitted)).byteLength <= METADATA_BYTES) return fitted;
    // Multi-byte or escaped characters: halve whichever is longer and measure again.
    if (detailChars >= nameChars) detailChars = Math.floor(detailChars / 2);
    else nameChars = Math.floor(nameChars / 2);
  }
}
