/**
 * The Worker: HTTP (the hono app), the queue consumers, and the Durable Object classes.
 * Nothing else lives here.
 */
import { app } from "./app";
import type { Env } from "./env";
import type { SymcacheJob } from "./symcache/build-task";
import { handleSymcacheBatch } from "./symcache/consumer";

export { DebugFileObject } from "./assembly/debug-file-object";
export { ChunkLedger } from "./storage/chunk-ledger";
export { ProjectCatalog } from "./storage/project-catalog";

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleSymcacheBatch(batch, env),
} satisfies ExportedHandler<Env, SymcacheJob>;
