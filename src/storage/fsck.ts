/**
 * The storage consistency check (`npm run fsck`, `GET|POST /api/0/admin/fsck/`) and the chunk
 * sweep (the Cron Trigger). It walks R2 (`files/`, `chunks/`), the catalogs of every organization
 * it can find (those with files in R2 or with API tokens) and the per-file Durable Objects, and
 * reports, and with `repair` fixes:
 *
 *  - `manifest_without_record`: an assembled file that no catalog lists and whose object is not
 *    still processing it (a delete that died halfway): its objects are deleted, its object reset;
 *  - `record_without_manifest`: a catalog row whose file is gone: the rows are removed;
 *  - `file_leftovers`: a symcache, layout or build objects without a manifest: deleted;
 *  - `unreferenced_chunk`: a chunk no manifest names, written longer ago than the grace period
 *    (storage/retention.ts): deleted. Younger ones are counted, never touched: an assembly may
 *    be about to use them.
 *
 * Every repair is idempotent, and a repair racing an upload cannot lose it: files still being
 * processed are skipped, and no chunk an organization may still assemble from is old enough.
 */
import type { DebugFileRecord } from "../common/debug-file";
import { debugFileObject, orgCatalog, projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import { deletePrefix, type FileManifest } from "./file-store";
import { assembleStatusKey, filePrefix, parseChunkKey, parseFileKey, TOKEN_PREFIX } from "./keys";
import { CHUNK_GRACE_MS } from "./retention";
import type { TokenRecord } from "../auth/tokens";

export type ProblemKind =
  "manifest_without_record" | "record_without_manifest" | "file_leftovers" | "unreferenced_chunk";

export interface Problem {
  kind: ProblemKind;
  /** The R2 key or prefix concerned, or `org/project/checksum` for a catalog row. */
  where: string;
  bytes: number;
}

export interface FsckReport {
  checkedAt: string;
  repaired: boolean;
  files: number;
  records: number;
  chunks: { objects: number; bytes: number; referenced: number; inGrace: number; inGraceBytes: number };
  problems: Problem[];
}

interface FileObjects {
  org: string;
  project: string;
  checksum: string;
  keys: { key: string; size: number }[];
  hasManifest: boolean;
}

export interface FsckOptions {
  repair: boolean;
  /** Only the chunk sweep (the Cron Trigger). */
  chunksOnly?: boolean;
  /** The time the grace period is counted to (tests look a week ahead). */
  now?: number;
}

export async function checkStorage(env: Env, options: FsckOptions): Promise<FsckReport> {
  const now = options.now ?? Date.now();
  const problems: Problem[] = [];
  const files = await listFiles(env.BUCKET);
  const referenced = new Set<string>();
  let records = 0;

  for (const file of files.values()) {
    if (!file.hasManifest) continue;
    const manifest = await (await env.BUCKET.get(manifestKeyOf(file)))?.json<FileManifest>();
    for (const chunk of manifest?.chunks ?? []) referenced.add(chunk.sha1);
  }

  if (!options.chunksOnly) {
    for (const file of files.values()) {
      const prefix = filePrefix(file.org, file.project, file.checksum);
      const bytes = file.keys.reduce((sum, k) => sum + k.size, 0);
      if (!file.hasManifest) {
        if (await stillProcessing(env, file)) continue;
        problems.push({ kind: "file_leftovers", where: prefix, bytes });
        if (options.repair) await deletePrefix(env.BUCKET, prefix);
        continue;
      }
      if (await projectCatalog(env, file.org, file.project).byChecksum(file.project, file.checksum)) continue;
      if (await stillProcessing(env, file)) continue;
      problems.push({ kind: "manifest_without_record", where: prefix, bytes });
      if (options.repair) await forgetFile(env, file);
    }

    for (const org of await knownOrgs(env, files)) {
      for (const record of await catalogRecords(env, org, files)) {
        records++;
        const file = files.get(fileId(record.org, record.project, record.checksum));
        if (file?.hasManifest) continue;
        problems.push({
          kind: "record_without_manifest",
          where: `${record.org}/${record.project}/${record.checksum}`,
          bytes: 0,
        });
        if (options.repair) await forgetFile(env, record);
      }
    }
  }

  const chunks = { objects: 0, bytes: 0, referenced: 0, inGrace: 0, inGraceBytes: 0 };
  const sweep: string[] = [];
  for await (const object of listAll(env.BUCKET, "chunks/")) {
    const sha1 = parseChunkKey(object.key);
    chunks.objects++;
    chunks.bytes += object.size;
    if (sha1 && referenced.has(sha1)) {
      chunks.referenced++;
    } else if (now - object.uploaded.getTime() < CHUNK_GRACE_MS) {
      chunks.inGrace++;
      chunks.inGraceBytes += object.size;
    } else {
      problems.push({ kind: "unreferenced_chunk", where: object.key, bytes: object.size });
      sweep.push(object.key);
    }
  }
  if (options.repair) {
    for (let i = 0; i < sweep.length; i += 1000) await env.BUCKET.delete(sweep.slice(i, i + 1000));
  }

  return {
    checkedAt: new Date(now).toISOString(),
    repaired: options.repair,
    files: [...files.values()].filter((f) => f.hasManifest).length,
    records,
    chunks,
    problems,
  };
}

/** Created, assembling, building or registering: the file's object will write or clean up itself. */
async function stillProcessing(env: Env, file: { org: string; project: string; checksum: string }): Promise<boolean> {
  const answer = await debugFileObject(env, file.org, file.project, file.checksum).status();
  return answer?.state === "created" || answer?.state === "assembling";
}

/** What deleting the file does, for a file whose catalog rows or objects are already partly gone. */
async function forgetFile(env: Env, file: { org: string; project: string; checksum: string }): Promise<void> {
  const { org, project, checksum } = file;
  const row = await projectCatalog(env, org, project).byChecksum(project, checksum);
  if (row) await projectCatalog(env, org, project).remove(row.id);
  await orgCatalog(env, org).removeFile(project, checksum);
  await deletePrefix(env.BUCKET, filePrefix(org, project, checksum));
  await env.ASSEMBLE_STATUS.delete(assembleStatusKey(org, project, checksum));
  await debugFileObject(env, org, project, checksum).forget();
}

function fileId(org: string, project: string, checksum: string): string {
  return `${org}/${project}/${checksum}`;
}

function manifestKeyOf(file: FileObjects): string {
  return `${filePrefix(file.org, file.project, file.checksum)}manifest.json`;
}

async function listFiles(bucket: R2Bucket): Promise<Map<string, FileObjects>> {
  const files = new Map<string, FileObjects>();
  for await (const object of listAll(bucket, "files/")) {
    const parsed = parseFileKey(object.key);
    if (!parsed) continue;
    const id = fileId(parsed.org, parsed.project, parsed.checksum);
    let file = files.get(id);
    if (!file) {
      file = { org: parsed.org, project: parsed.project, checksum: parsed.checksum, keys: [], hasManifest: false };
      files.set(id, file);
    }
    file.keys.push({ key: object.key, size: object.size });
    if (parsed.rest === "manifest.json") file.hasManifest = true;
  }
  return files;
}

/** Organizations with files in R2 or with API tokens: the ones whose catalogs can hold rows. */
async function knownOrgs(env: Env, files: Map<string, FileObjects>): Promise<Set<string>> {
  const orgs = new Set([...files.values()].map((f) => f.org));
  let cursor: string | undefined;
  do {
    const page = await env.TOKENS.list({ prefix: TOKEN_PREFIX, ...(cursor ? { cursor } : {}) });
    for (const key of page.keys) {
      const record = await env.TOKENS.get<TokenRecord>(key.name, "json");
      if (record?.org) orgs.add(record.org);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return orgs;
}

/** Every row of every project catalog of `org` (projects from the org index and from R2). */
async function catalogRecords(env: Env, org: string, files: Map<string, FileObjects>): Promise<DebugFileRecord[]> {
  const projects = new Set((await orgCatalog(env, org).projects()).map((p) => p.project));
  for (const file of files.values()) if (file.org === org) projects.add(file.project);
  const out: DebugFileRecord[] = [];
  for (const project of projects) {
    const catalog = projectCatalog(env, org, project);
    let beforeId: number | undefined;
    for (;;) {
      const page = await catalog.list({ limit: 500, ...(beforeId !== undefined ? { beforeId } : {}) });
      out.push(...page);
      if (page.length < 500) break;
      beforeId = Number(page[page.length - 1]!.id);
    }
  }
  return out;
}

async function* listAll(bucket: R2Bucket, prefix: string): AsyncGenerator<R2Object> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    yield* page.objects;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
