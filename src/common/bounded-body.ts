/**
 * A request body read under bounds: at most `maxBytes`, no gap longer than `idleMs` between two
 * reads, and all of it within `deadlineMs`. A client that declares a small Content-Length and
 * sends more, or none and sends forever, or trickles a byte a minute, gets a clear error instead
 * of holding the request open.
 */
export type BodyRejection = "too_large" | "too_slow";

export class BodyLimitError extends Error {
  constructor(readonly reason: BodyRejection) {
    super(reason === "too_large" ? "request body too large" : "request body arrived too slowly");
  }
}

export interface BodyBounds {
  maxBytes: number;
  idleMs: number;
  deadlineMs: number;
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
  const reader = body.getReader();
  const started = Date.now();
  let seen = 0;
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, reason: BodyRejection): void => {
    passed = reason;
    reader.cancel(reason).catch(() => undefined);
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
        const next = await Promise.race([reader.read(), timeout]);
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
      return reader.cancel(reason);
    },
  });
  return { stream, passed: () => passed };
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
