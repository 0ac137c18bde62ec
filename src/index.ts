/**
 * The Worker: HTTP (the hono app), the queue consumers, and the Durable Object classes.
 * Nothing else lives here.
 */
import { app } from "./app";
import type { Env } from "./env";
import type { SymcacheJob } from "./symcache/build-task";
import { handleSymcacheBatch } from "./symcache/consumer";
import { checkStorage } from "./storage/fsck";

export { DebugFileObject } from "./assembly/debug-file-object";
export { ChunkLedger } from "./storage/chunk-ledger";
export { ProjectCatalog } from "./storage/project-catalog";
export { AdminGuard } from "./auth/admin-guard";

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleSymcacheBatch(batch, env),
  // The Cron Trigger (wrangler.toml): sweeps chunks no manifest names, past their grace period.
  scheduled: async (_controller, env) => {
    const report = await checkStorage(env, { repair: true, chunksOnly: true });
    console.log(`chunk sweep: ${report.problems.length} chunks deleted, ${report.chunks.inGrace} in grace`);
  },
} satisfies ExportedHandler<Env, SymcacheJob>;
