/**
 * ChunkLedger: which chunks an organization has proven it holds, one Durable Object per
 * (org, first hex digit of the SHA-1). An entry is written only after the server hashed the
 * uploaded bytes itself, so `missingChunks` can be answered from it without ever revealing
 * another organization's data. Sharding keeps an org's CI fleet from funnelling every upload
 * through one object.
 *
 * Ownership lasts OWNERSHIP_MS from the latest grant (storage/retention.ts): after that the
 * organization uploads the chunk again, which keeps unreferenced chunks sweepable. An alarm
 * deletes expired rows once a day, so the ledger does not grow forever.
 *
 * Storage (SQLite): owned_chunks(sha1 TEXT PRIMARY KEY, size INTEGER, granted_at INTEGER).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { OWNERSHIP_MS } from "./retention";

const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

export interface OwnedChunk {
  sha1: string;
  size: number;
}

/** SQLite in Durable Objects binds at most 100 parameters per statement. */
const IN_BATCH = 90;

export class ChunkLedger extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS owned_chunks (sha1 TEXT PRIMARY KEY, size INTEGER NOT NULL, granted_at INTEGER NOT NULL)",
    );
  }

  async grant(chunks: OwnedChunk[]): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const c of chunks) {
        this.ctx.storage.sql.exec(
          "INSERT INTO owned_chunks (sha1, size, granted_at) VALUES (?, ?, ?) ON CONFLICT(sha1) DO UPDATE SET granted_at = excluded.granted_at",
          c.sha1,
          c.size,
          now,
        );
      }
    });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
  }

  /** Deletes expired ownership; re-arms while rows remain. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM owned_chunks WHERE granted_at <= ?", now - OWNERSHIP_MS);
    const left = this.ctx.storage.sql.exec("SELECT 1 FROM owned_chunks LIMIT 1").toArray().length;
    if (left > 0) await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
  }

  /** Sizes of the given chunks this organization owns; absent ones are not in the result. */
  owned(sha1s: string[]): OwnedChunk[] {
    const out: OwnedChunk[] = [];
    for (let i = 0; i < sha1s.length; i += IN_BATCH) {
      const batch = sha1s.slice(i, i + IN_BATCH);
      const marks = batch.map(() => "?").join(",");
      out.push(
        ...this.ctx.storage.sql
          .exec<{ sha1: string; size: number }>(
            `SELECT sha1, size FROM owned_chunks WHERE sha1 IN (${marks}) AND granted_at > ?`,
            ...batch,
            Date.now() - OWNERSHIP_MS,
          )
          .toArray(),
      );
    }
    return out;
  }
}
