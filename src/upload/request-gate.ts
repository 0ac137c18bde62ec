import { bodyPieces, PIECE_BYTES } from "../common/bounded-body";
import { sleep } from "../common/concurrency";
import { CHUNK_SIZE } from "./limits";

/**
 * What one streamed chunk-upload request holds at most: the chunk arriving and the one being
 * stored, each as the body pieces it arrived in (storage/chunk-store.ts streams them to R2 without
 * a copy), and a piece more for each, since a chunk rarely starts at a piece's start (8 MiB spans
 * up to 9 pieces of 1 MiB), plus the piece being read. 19 MiB; at 256 MiB the pool lent at most 72
 * pieces to four requests at once (docs/upload-throughput.md).
 */
export const STREAMED_REQUEST_MEMORY = 2 * CHUNK_SIZE + 3 * PIECE_BYTES;
/**
 * The weight a chunk-upload request of `contentLength` bytes takes from the budget: the most it
 * holds at once. Its body is read into whole pieces (the last one copied out when short), with a
 * piece lent to the read in flight, however few bytes arrive: a body of a kilobyte trickled slowly
 * holds a 1 MiB buffer as long as it lasts. Weighing it by its length instead let a thousand such
 * requests through a budget meant for four.
 */
export function requestWeight(contentLength: number): number {
  const pieces = Math.max(1, Math.ceil(contentLength / PIECE_BYTES));
  return Math.min((pieces + 1) * PIECE_BYTES, STREAMED_REQUEST_MEMORY);
}

/**
 * A memory budget for chunk-upload bodies, per isolate. A request is read as a stream and holds
 * two chunks and a few pieces (STREAMED_REQUEST_MEMORY), and sentry-cli sends `concurrency` (8)
 * requests at once: were they all routed to one isolate of 128 MB, holding sixteen chunks together
 * would not fit. So the requests being read may weigh at most BODY_BUDGET bytes (requestWeight):
 * four raw requests (76 MiB), more small ones, at most 38 tiny ones. Requests beyond the budget
 * wait here, in arrival order, before their body is read, so the client's data waits in the
 * network instead of in memory. The wait is short, and it is bounded.
 */
export const BODY_BUDGET = 4 * STREAMED_REQUEST_MEMORY;
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
