/**
 * Every R2 key, KV key and Durable Object name the service uses, and nothing else builds them.
 * The table in docs/storage.md describes the same layout; change both together.
 */

/** R2: the bytes of one chunk, content-addressed by the SHA-1 of its (uncompressed) bytes. */
export function chunkKey(sha1: string): string {
  return `chunks/${sha1}`;
}

/**
 * R2: an assembled debug file, stored as its manifest (the ordered chunk list). The bytes stay in
 * the chunk objects; readers map offsets to chunks (storage/file-store.ts).
 */
export function fileManifestKey(org: string, project: string, checksum: string): string {
  return `files/${enc(org)}/${enc(project)}/${checksum}/manifest.json`;
}

/**
 * R2: what identification found about a file (its identity with the section table and load
 * address), so that later readers (debuginfod sections, the symcache planner) need not parse it.
 */
export function fileLayoutKey(org: string, project: string, checksum: string): string {
  return `files/${enc(org)}/${enc(project)}/${checksum}/layout.json`;
}

/** R2: the symcache built from one debug file. */
export function symcacheKey(org: string, project: string, checksum: string): string {
  return `files/${enc(org)}/${enc(project)}/${checksum}/symcache`;
}

/** R2 prefix holding everything of one debug file (manifest, symcache). */
export function filePrefix(org: string, project: string, checksum: string): string {
  return `files/${enc(org)}/${enc(project)}/${checksum}/`;
}

/** R2 prefix of everything a symcache build writes while it runs (its plan and sorted runs). */
export function buildPrefix(org: string, project: string, checksum: string): string {
  return `files/${enc(org)}/${enc(project)}/${checksum}/build/`;
}

/** R2: the plan of one build (`plan`) or one of its sorted runs (`run-{level}-{index}`). */
export function buildKey(org: string, project: string, checksum: string, build: string, name: string): string {
  return `${buildPrefix(org, project, checksum)}${enc(build)}/${name}`;
}

/** KV (ASSEMBLE_STATUS): the mirrored assemble status of one file, 300 s TTL. */
export function assembleStatusKey(org: string, project: string, checksum: string): string {
  return `assemble-status/${enc(org)}/${enc(project)}/${checksum}`;
}

/**
 * KV (ASSEMBLE_STATUS): the prefix of every mirrored status of an org, or of one project of it
 * (the web page lists uploads in flight with it). Ends in `/`, so `app` does not match `app2`.
 */
export function assembleStatusPrefix(org: string, project?: string): string {
  return project === undefined ? `assemble-status/${enc(org)}/` : `assemble-status/${enc(org)}/${enc(project)}/`;
}

/** The (project, checksum) a key under assembleStatusPrefix(org) names, or null for a foreign key. */
export function parseAssembleStatusKey(org: string, key: string): { project: string; checksum: string } | null {
  const prefix = assembleStatusPrefix(org);
  if (!key.startsWith(prefix)) return null;
  const m = /^([^/]+)\/([0-9a-f]{40})$/.exec(key.slice(prefix.length));
  return m ? { project: decodeURIComponent(m[1] as string), checksum: m[2] as string } : null;
}

/** KV (TOKENS): an API token's record, keyed by the hex SHA-256 of the token. */
export function tokenKey(tokenSha256: string): string {
  return `token/${tokenSha256}`;
}

/**
 * KV (TOKENS): one token in its organization's list, named by the token's id (the first 16 hex
 * digits of its SHA-256); the value is the full SHA-256, the metadata what the list shows.
 */
export function orgTokenKey(org: string, id: string): string {
  return `${orgTokenPrefix(org)}${id}`;
}

/** KV (TOKENS): the prefix of every listed token of an org. Ends in `/`, so `acme` does not match `acme2`. */
export function orgTokenPrefix(org: string): string {
  return `org-token/${enc(org)}/`;
}

/**
 * KV (TOKENS): a web-page session, keyed by the hex SHA-256 of the opaque id in the cookie (as
 * tokens are: a reader of KV cannot take over a session). Expires with the session.
 */
export function sessionKey(sessionSha256: string): string {
  return `session/${sessionSha256}`;
}

/** Durable Object name of the single writer of one debug file. */
export function debugFileObjectName(org: string, project: string, checksum: string): string {
  return `${enc(org)}/${enc(project)}/${checksum}`;
}

/** Chunk ownership is sharded by the first hex digit of the chunk SHA-1: 16 ledgers per org. */
export const LEDGER_SHARDS = 16;

export function ledgerShard(sha1: string): number {
  return parseInt(sha1[0] ?? "0", 16);
}

/** Durable Object name of one shard of an organization's chunk ledger. */
export function chunkLedgerName(org: string, shard: number): string {
  return `${enc(org)}/${shard.toString(16)}`;
}

/** Durable Object name of the org-wide index of debug files (a ProjectCatalog over all projects). */
export function orgCatalogName(org: string): string {
  return enc(org);
}

/** Durable Object name of a project's debug-file catalog. */
export function projectCatalogName(org: string, project: string): string {
  return `${enc(org)}/${enc(project)}`;
}

/** Slugs are validated at the edge (routes), but keys never trust that: `/` cannot leak through. */
function enc(slug: string): string {
  return encodeURIComponent(slug);
}

/** AdminGuard: one per client address (as the edge reports it). */
export function adminGuardName(client: string): string {
  return `admin-guard/${client}`;
}

/** The file a key under `files/` belongs to, and the rest of the key (`manifest.json`, `build/…`). */
export function parseFileKey(key: string): { org: string; project: string; checksum: string; rest: string } | null {
  const m = /^files\/([^/]+)\/([^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(key);
  if (!m) return null;
  try {
    return { org: decodeURIComponent(m[1]!), project: decodeURIComponent(m[2]!), checksum: m[3]!, rest: m[4]! };
  } catch {
    return null;
  }
}

/** The SHA-1 a key under `chunks/` names, or null. */
export function parseChunkKey(key: string): string | null {
  return /^chunks\/([0-9a-f]{40})$/.exec(key)?.[1] ?? null;
}

/** KV (TOKENS): the prefix of every token entry. */
export const TOKEN_PREFIX = "token/";
