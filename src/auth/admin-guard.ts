/**
 * AdminGuard: slows down guessing of the admin secret, one Durable Object per client address.
 *
 * A token bucket: each admin request takes one token before the secret is compared, and a
 * request that proves the secret gives it back, so only wrong guesses cost. The bucket holds
 * ADMIN_BURST tokens and refills at `perMinute` a minute (ADMIN_FAILURES_PER_MINUTE, default
 * 10). An empty bucket answers 429 with Retry-After without comparing anything, so a guesser
 * gets at most `perMinute` comparisons a minute per address.
 *
 * The bucket lives in the object's memory, not its storage: the runtime evicts an object only
 * after it has been idle for a while, and an idle bucket refills (to full in one minute) anyway,
 * so persisting it would buy little, and every guess would cost a storage write. A process
 * restart forgets buckets; a restart is not something a client can cause at will.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export const ADMIN_BURST = 10;
export const DEFAULT_ADMIN_FAILURES_PER_MINUTE = 10;

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class AdminGuard extends DurableObject<Env> {
  private tokens = ADMIN_BURST;
  private at = Date.now();

  take(perMinute: number): Admission {
    this.refill(perMinute);
    if (this.tokens < 1) return { ok: false, retryAfterSeconds: Math.ceil(((1 - this.tokens) * 60) / perMinute) };
    this.tokens -= 1;
    return { ok: true };
  }

  /** The caller proved the secret: its request does not count. */
  giveBack(perMinute: number): void {
    this.refill(perMinute);
    this.tokens = Math.min(ADMIN_BURST, this.tokens + 1);
  }

  private refill(perMinute: number): void {
    const now = Date.now();
    this.tokens = Math.min(ADMIN_BURST, this.tokens + ((now - this.at) * perMinute) / 60_000);
    this.at = now;
  }
}
