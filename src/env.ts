/**
 * The Worker's bindings, as declared in wrangler.toml (docs/storage.md explains each one).
 * Written by hand rather than generated so that the Durable Object stubs are typed with their
 * classes and a reader sees every binding in one place.
 */
import type { DebugFileObject } from "./assembly/debug-file-object";
import type { AdminGuard } from "./auth/admin-guard";
import type { ChunkLedger } from "./storage/chunk-ledger";
import type { ProjectCatalog } from "./storage/project-catalog";
import type { SymcacheJob } from "./symcache/build-task";

export interface Env {
  BUCKET: R2Bucket;
  ASSEMBLE_STATUS: KVNamespace;
  TOKENS: KVNamespace;
  DEBUG_FILE: DurableObjectNamespace<DebugFileObject>;
  CHUNK_LEDGER: DurableObjectNamespace<ChunkLedger>;
  PROJECT_CATALOG: DurableObjectNamespace<ProjectCatalog>;
  ADMIN_GUARD: DurableObjectNamespace<AdminGuard>;
  SYMCACHE_JOBS: Queue<SymcacheJob>;
  /** Secret: authorizes the admin routes (mint tokens). */
  ADMIN_TOKEN?: string;
  /** Wrong admin secrets a client may try per minute (auth/admin-guard.ts); default 10. */
  ADMIN_FAILURES_PER_MINUTE?: string;
  /** Public root URL embedded in `sntrys_` tokens; empty means "the admin request's origin". */
  PUBLIC_URL?: string;
  /** "gzip" (default): sentry-cli compresses chunks; "none": it sends them raw (fast links). */
  UPLOAD_COMPRESSION?: string;
  /** Builder input (bytes) up to which a symcache is built in one invocation (symcache/limits.ts). */
  SYMCACHE_FAST_BYTES?: string;
  /** Bytes of `.debug_info` per unit of a build in parts. */
  SYMCACHE_UNIT_BYTES?: string;
}
