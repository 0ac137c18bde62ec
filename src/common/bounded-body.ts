/**
 * A request body read under bounds: at most `maxBytes`, no gap longer than `idleMs` between two
 * reads, and all of it within `deadlineMs`. A client that declares a small Content-Length and
 * sends more, or none and sends forever, or trickles a byte a minute, gets a clear error instead
 * of holding the request open.
 *
 * A bulk body (`largePieces`: chunk uploads) is read, where the runtime allows it (workerd's
 * byte streams and their `readAtLeast`), in whole pieces of PIECE_BYTES (the last one shorter)
 * instead of the 4 KiB the runtime hands out by default: a 32 MiB chunk upload is then 32 reads
 * instead of 8,192, and per read this module and its consumer pay a timer, a promise race, a
 * stream hop and the boundary search. That cut sentry-cli's upload phase of a 256 MiB file by a
 * third (docs/upload-throughput.md). Whole pieces also keep a body's memory close to its bytes:
 * a piece filled only in part would hold its whole buffer for fewer bytes. The pieces' buffers
 * are reused (`bodyPieces`). The idle bound then reads "no PIECE_BYTES (or the end) within
 * `idleMs`": 34 KiB/s, below the 110 KiB/s the chunk-upload deadline already demands.
 */
import { PiecePool } from "./piece-pool";

export type BodyRejection = "too_large" | "too_slow";

export class BodyLimitError extends Error {
  constructor(readonly reason: BodyRejection) {
    super(reason === "too_large" ? "request body too large" : "request body arrived too slowly");
  }
}

/** A large-piece read returns this much, or the rest of the body. */
export const PIECE_BYTES = 1024 * 1024;

/**
 * The buffers large pieces are read into, shared by the isolate's requests. A consumer of a
 * `largePieces` body releases each piece here once done with it (and holds it, first, if it
 * keeps it past its next read); one that does not merely leaves the buffer to the collector.
 * At most 76 are kept free (the body budget of upload/request-gate.ts, in pieces: a test holds the
 * two equal), and a few once the isolate's chunk uploads have stopped (trimWhenIdle there).
 */
export const bodyPieces = new PiecePool(PIECE_BYTES, 76);

export interface BodyBounds {
  maxBytes: number;
  idleMs: number;
  deadlineMs: number;
  /** Read in large pieces (see above); small JSON bodies keep the default reads. */
  largePieces?: boolean;
}

/**
 * The body as a stream that errors as soon as a bound is passed; `passed` then names the bound
 * (the runtime's body parsers may rethrow a stream's error as their own, so it is kept here).
 */
export function boundedBody(
  body: ReadableStream<Uint8Array> | null,
  bounds: BodyBounds,
): { stream: ReadableStream<Uint8Array>; passed: () => BodyRejection | null } {
  let passed: BodyRejection | null = null;
  if (!body) return { stream: new ReadableStream({ start: (controller) => controller.close() }), passed: () => null };
  const read = pieceReader(body, bounds.largePieces === true);
  const started = Date.now();
  let seen = 0;
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, reason: BodyRejection): void => {
    passed = reason;
    read.cancel(reason).catch(() => undefined);
    controller.error(new BodyLimitError(reason));
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const left = bounds.deadlineMs - (Date.now() - started);
      if (left <= 0) return fail(controller, "too_slow");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.min(bounds.idleMs, left));
      });
      try {
        const next = await Promise.race([read.next(), timeout]);
        if (next === "timeout") return fail(controller, "too_slow");
        if (next.done) return controller.close();
        seen += next.value.byteLength;
        if (seen > bounds.maxBytes) return fail(controller, "too_large");
        controller.enqueue(next.value);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return read.cancel(reason);
    },
  });
  return { stream, passed: () => passed };
}

interface PieceReader {
  next(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason: unknown): Promise<void>;
}

/** Large pieces through a BYOB reader's `readAtLeast` where wanted and possible, else the default reads. */
function pieceReader(body: ReadableStream<Uint8Array>, large: boolean): PieceReader {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    if (large) byob = body.getReader({ mode: "byob" });
  } catch {
    // not a byte stream (a body built from a JavaScript stream): default reads below
  }
  // `readAtLeast` is workerd's (Node's BYOB readers, in the unit tests, lack it).
  if (byob && typeof byob.readAtLeast === "function") {
    const reader = byob;
    return {
      async next() {
        const { done, value } = await reader.readAtLeast(PIECE_BYTES, bodyPieces.take());
        if (value && value.byteLength * 2 >= PIECE_BYTES) {
          bodyPieces.adopt(value); // its consumer releases it (see common/piece-pool.ts)
          return { done: false, value };
        }
        // A short piece (the end of the body) is copied out, so that it does not hold a whole
        // PIECE_BYTES buffer, and its buffer goes back for the next read.
        const piece = value && value.byteLength > 0 ? value.slice() : null;
        if (value) bodyPieces.giveBack(value);
        if (piece) return { done: false, value: piece };
        return done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(0) };
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  byob?.releaseLock();
  const reader = body.getReader();
  return { next: () => reader.read(), cancel: (reason) => reader.cancel(reason) };
}

/** The whole body as text, read under `bounds`; throws BodyLimitError. */
export async function readBoundedText(request: Request, bounds: BodyBounds): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > bounds.maxBytes) throw new BodyLimitError("too_large");
  const guard = boundedBody(request.body, bounds);
  try {
    return await new Response(guard.stream).text();
  } catch (err) {
    const passed = guard.passed();
    throw passed ? new BodyLimitError(passed) : err;
  }
}
