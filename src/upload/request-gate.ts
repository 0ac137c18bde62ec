import { bodyPieces } from "../common/bounded-body";
import { sleep } from "../common/concurrency";
import { CHUNK_SIZE } from "./limits";

/**
 * A memory budget for chunk-upload bodies, per isolate. A request is read as a stream and holds
 * two chunks (one arriving, one being stored: STREAMED_REQUEST_MEMORY), and sentry-cli
 * sends `concurrency` (8) requests at once: were they all routed to one isolate of 128 MB,
 * holding sixteen chunks together would not fit. So the requests being read may weigh at most
 * BODY_BUDGET bytes (each its Content-Length, which the route has already bounded, or two chunks
 * if less): four raw requests, more small ones. Requests beyond the budget wait here, in arrival
 * order, before their body is read, so the client's data waits in the network instead of in
 * memory. The wait is short, and it is bounded.
 */
export const BODY_BUDGET = 64 * 1024 * 1024;
/**
 * What one streamed chunk-upload request holds: the chunk arriving and the one being stored, each
 * as the pieces it arrived in (storage/chunk-store.ts streams them to R2 without a copy).
 */
export const STREAMED_REQUEST_MEMORY = 2 * CHUNK_SIZE;
/** A request that cannot start within this long is refused with 503 (sentry-cli retries 503). */
export const MAX_WAIT_MS = 60_000;

/** See trimWhenIdle. */
export const IDLE_TRIM_MS = 2_000;

let inUse = 0;
/** Requests admitted or finished so far: trimWhenIdle's sign of activity. */
let changes = 0;
const waiting: { bytes: number; wake: () => void }[] = [];

export class GateTimeout extends Error {}

/** Runs `task` once `bytes` fit into this isolate's budget (a lone request always fits). */
export async function withRequestBudget<T>(bytes: number, task: () => Promise<T>): Promise<T> {
  const weight = Math.min(Math.max(bytes, 1), BODY_BUDGET);
  if (waiting.length > 0 || inUse + weight > BODY_BUDGET) {
    await new Promise<void>((resolve, reject) => {
      const entry = {
        bytes: weight,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const i = waiting.indexOf(entry);
        if (i >= 0) waiting.splice(i, 1);
        reject(new GateTimeout("chunk upload waited too long for memory"));
        admit(); // the next in line may fit now
      }, MAX_WAIT_MS);
      waiting.push(entry);
    });
  } else {
    inUse += weight;
    changes++;
  }
  try {
    return await task();
  } finally {
    inUse -= weight;
    admit();
    changes++;
  }
}

/**
 * Gives the body pieces' free buffers back (common/piece-pool.ts keeps them for the next read)
 * once no chunk upload has started or ended for IDLE_TRIM_MS: while an upload's requests overlap
 * or follow each other closely, their buffers are reused; when it is over, an idle isolate keeps
 * only a few. The caller keeps the request alive for it (`waitUntil`).
 */
export async function trimWhenIdle(): Promise<void> {
  const seen = changes;
  await sleep(IDLE_TRIM_MS);
  if (changes === seen && inUse === 0) bodyPieces.trim();
}

/** Admits waiting requests in arrival order while they fit (their weight is reserved for them). */
function admit(): void {
  for (let next = waiting[0]; next && inUse + next.bytes <= BODY_BUDGET; next = waiting[0]) {
    waiting.shift();
    inUse += next.bytes;
    changes++;
    next.wake();
  }
}
