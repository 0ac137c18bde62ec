/**
 * A bounded wait for outcomes: looks at each pending item again and again (short pauses first,
 * since most finish fast) until all have one or the time is up, whichever comes first. A look
 * that does not answer in time counts as "not yet"; the wait never runs past its budget.
 *
 * The assemble route uses it so that the call after an upload can answer a file's outcome
 * instead of `created` (src/routes/assemble.ts).
 */
import { sleep } from "./concurrency";

export interface SettleBounds {
  /** The whole wait, looks included. */
  budgetMs: number;
  /** The pause before each look; the last repeats. */
  pausesMs: readonly number[];
}

/** The outcomes that came within the budget, by id; `look` answers null for "not yet". */
export async function settleWithin<T>(
  ids: readonly string[],
  look: (id: string) => Promise<T | null>,
  bounds: SettleBounds,
): Promise<Map<string, T>> {
  const settled = new Map<string, T>();
  const deadline = Date.now() + bounds.budgetMs;
  let pending = [...ids];
  for (let round = 0; pending.length > 0; round++) {
    const pause = bounds.pausesMs[Math.min(round, bounds.pausesMs.length - 1)] ?? 0;
    if (Date.now() + pause >= deadline) break;
    await sleep(pause);
    const left = deadline - Date.now();
    const looked = await Promise.all(
      pending.map((id) =>
        within(
          left,
          look(id).catch(() => null),
        ),
      ),
    );
    looked.forEach((outcome, i) => {
      if (outcome !== null) settled.set(pending[i]!, outcome);
    });
    pending = pending.filter((_, i) => looked[i] === null);
  }
  return settled;
}

/** `promise`'s value, or null if it takes longer than `ms`. */
async function within<T>(ms: number, promise: Promise<T | null>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
