/**
 * AdminGuard: slows down guessing of the admin secret, one Durable Object per client address.
 *
 * A token bucket: each admin request takes one token before the secret is compared, and a
 * request that proves the secret gives it back, so only wrong guesses cost. The bucket holds
 * ADMIN_BURST tokens and refills at `perMinute` a minute (ADMIN_FAILURES_PER_MINUTE, default
 * 10). An empty bucket answers 429 with Retry-After without comparing anything, so a guesser
 * gets at most `perMinute` comparisons a minute per address. The bucket is persisted (a restart
 * does not refill it) and deleted by an alarm once it would be full again, so idle clients
 * leave nothing stored.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export const ADMIN_BURST = 10;
export const DEFAULT_ADMIN_FAILURES_PER_MINUTE = 10;

interface Bucket {
  tokens: number;
  at: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class AdminGuard extends DurableObject<Env> {
  private bucket: Bucket | null = null;

  async take(perMinute: number): Promise<Admission> {
    const now = Date.now();
    const bucket = this.refilled(await this.load(), perMinute, now);
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.ceil(((1 - bucket.tokens) * 60) / perMinute);
      await this.save(bucket, perMinute);
      return { ok: false, retryAfterSeconds };
    }
    await this.save({ tokens: bucket.tokens - 1, at: now }, perMinute);
    return { ok: true };
  }

  /** The caller proved the secret: its request does not count. */
  async giveBack(perMinute: number): Promise<void> {
    const bucket = this.refilled(await this.load(), perMinute, Date.now());
    await this.save({ tokens: Math.min(ADMIN_BURST, bucket.tokens + 1), at: bucket.at }, perMinute);
  }

  override async alarm(): Promise<void> {
    this.bucket = null;
    await this.ctx.storage.deleteAll();
  }

  private refilled(bucket: Bucket | null, perMinute: number, now: number): Bucket {
    if (!bucket) return { tokens: ADMIN_BURST, at: now };
    const tokens = Math.min(ADMIN_BURST, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
    return { tokens, at: now };
  }

  private async load(): Promise<Bucket | null> {
    this.bucket ??= (await this.ctx.storage.get<Bucket>("bucket")) ?? null;
    return this.bucket;
  }

  private async save(bucket: Bucket, perMinute: number): Promise<void> {
    this.bucket = bucket;
    await this.ctx.storage.put("bucket", bucket);
    const fullIn = ((ADMIN_BURST - bucket.tokens) * 60_000) / perMinute;
    await this.ctx.storage.setAlarm(bucket.at + Math.ceil(fullIn) + 1000);
  }
}
