/**
 * At most a few chunk-upload bodies in memory per isolate. A request is parsed whole (its parts
 * must all verify before any is stored), and sentry-cli sends `concurrency` (8) requests of up to
 * 32 MiB at once: were they all routed to one isolate of 128 MB, buffering them together would
 * not fit. Requests beyond the limit wait here, before their body is read, so the client's data
 * waits in the network instead of in memory. Verification takes about a quarter of a second per
 * 32 MiB request, so the wait is short, and bounded.
 */
export const MAX_BUFFERED_REQUESTS = 2;
/** A request that cannot start within this long is refused with 503 (sentry-cli retries 503). */
export const MAX_WAIT_MS = 60_000;

let active = 0;
const waiting: (() => void)[] = [];

export class GateTimeout extends Error {}

/** Runs `task` once fewer than MAX_BUFFERED_REQUESTS are running in this isolate. */
export async function withRequestSlot<T>(task: () => Promise<T>): Promise<T> {
  if (active >= MAX_BUFFERED_REQUESTS) {
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = waiting.indexOf(wake);
        if (i >= 0) waiting.splice(i, 1);
        reject(new GateTimeout("chunk upload waited too long for memory"));
      }, MAX_WAIT_MS);
      waiting.push(wake);
    });
  } else {
    active++;
  }
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next)
      next(); // hand the slot over: `active` stays the same
    else active--;
  }
}
