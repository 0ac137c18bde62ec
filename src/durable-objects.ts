/**
 * One helper per Durable Object class: the name it is addressed by (storage/keys.ts) and its stub,
 * in one place, so a reader can follow every call across the boundary from here.
 */
import type { Env } from "./env";
import {
  adminGuardName,
  chunkLedgerName,
  debugFileObjectName,
  orgCatalogName,
  projectCatalogName,
} from "./storage/keys";

/** The single writer of one debug file (assembly/debug-file-object.ts). */
export function debugFileObject(env: Pick<Env, "DEBUG_FILE">, org: string, project: string, checksum: string) {
  return env.DEBUG_FILE.get(env.DEBUG_FILE.idFromName(debugFileObjectName(org, project, checksum)));
}

/** A project's catalog of processed debug files (storage/project-catalog.ts). */
export function projectCatalog(env: Pick<Env, "PROJECT_CATALOG">, org: string, project: string) {
  return env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(projectCatalogName(org, project)));
}

/** The org-wide index of every project's debug files (a ProjectCatalog named after the org). */
export function orgCatalog(env: Pick<Env, "PROJECT_CATALOG">, org: string) {
  return env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(orgCatalogName(org)));
}

/** One shard of an organization's chunk ownership ledger (storage/chunk-ledger.ts). */
export function chunkLedger(env: Pick<Env, "CHUNK_LEDGER">, org: string, shard: number) {
  return env.CHUNK_LEDGER.get(env.CHUNK_LEDGER.idFromName(chunkLedgerName(org, shard)));
}

/** The admin-secret guess limiter of one client address (auth/admin-guard.ts). */
export function adminGuard(env: Pick<Env, "ADMIN_GUARD">, client: string) {
  return env.ADMIN_GUARD.get(env.ADMIN_GUARD.idFromName(adminGuardName(client)));
}
