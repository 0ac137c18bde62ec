import { afterEach, describe, expect, it, vi } from "vitest";
import { bodyPieces } from "../../../src/common/bounded-body";
import {
  BODY_BUDGET,
  IDLE_TRIM_MS,
  STREAMED_REQUEST_MEMORY,
  requestWeight,
  trimWhenIdle,
  withRequestBudget,
} from "../../../src/upload/request-gate";

const MiB = 1024 * 1024;

async function runAll(sizes: number[]) {
  let inFlight = 0;
  let peak = 0;
  let peakBytes = 0;
  let bytes = 0;
  const started: number[] = [];
  const results = await Promise.all(
    sizes.map((size, i) =>
      withRequestBudget(size, async () => {
        started.push(i);
        inFlight++;
        bytes += size;
        peak = Math.max(peak, inFlight);
        peakBytes = Math.max(peakBytes, bytes);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        bytes -= size;
        return i;
      }),
    ),
  );
  return { results, peak, peakBytes, started };
}

describe("request body budget", () => {
  it("holds two raw 32 MiB bodies at once, in arrival order, and finishes them all", async () => {
    const run = await runAll(Array.from({ length: 8 }, () => 32 * MiB));
    expect(run.results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(run.peak).toBe(2);
    expect(run.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("admits more compressed (smaller) bodies together, never past the budget", async () => {
    const run = await runAll(Array.from({ length: 8 }, () => 13 * MiB));
    expect(run.peak).toBe(Math.floor(BODY_BUDGET / (13 * MiB)));
    expect(run.peak).toBeGreaterThan(2);
    expect(run.peakBytes).toBeLessThanOrEqual(BODY_BUDGET);
  });

  it("admits four raw chunk-upload requests, each weighed as the most it holds", () => {
    // 2 chunks of 8 MiB, each spanning up to 9 pieces of 1 MiB, and the piece being read.
    expect(STREAMED_REQUEST_MEMORY).toBe(19 * MiB);
    expect(Math.floor(BODY_BUDGET / STREAMED_REQUEST_MEMORY)).toBe(4);
    // The pool keeps at most the budget's worth of free pieces.
    expect(bodyPieces.maxFree * bodyPieces.pieceBytes).toBe(BODY_BUDGET);
    expect(requestWeight(32 * MiB)).toBe(STREAMED_REQUEST_MEMORY);
  });

  it("weighs a tiny body as the piece its read holds, so slow tiny requests cannot crowd in", async () => {
    // A kilobyte trickled slowly holds a 1 MiB buffer while it is read, and the copy of its bytes.
    expect(requestWeight(0)).toBe(2 * MiB);
    expect(requestWeight(1024)).toBe(2 * MiB);
    expect(requestWeight(3 * MiB + 1)).toBe(5 * MiB);
    const run = await runAll(Array.from({ length: 100 }, () => requestWeight(1024)));
    expect(run.peak).toBe(Math.floor(BODY_BUDGET / (2 * MiB)));
    expect(run.peak).toBe(38);
    expect(run.results).toHaveLength(100);
  });

  it("releases the budget when a task fails", async () => {
    const failures = Array.from({ length: 4 }, () =>
      withRequestBudget(40 * MiB, () => Promise.reject(new Error("bad chunk"))),
    );
    for (const f of failures) await expect(f).rejects.toThrow("bad chunk");
    expect(await withRequestBudget(BODY_BUDGET, () => Promise.resolve("free"))).toBe("free");
  });
});

describe("the body pieces' free buffers after uploads", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Ten buffers read into and released, as ten pieces of a finished upload would be. */
  function freeTen(): void {
    const pieces = Array.from({ length: 10 }, () => bodyPieces.take());
    for (const piece of pieces) bodyPieces.adopt(piece);
    for (const piece of pieces) bodyPieces.release(piece);
  }

  it("are given back once no upload started or ended for a while", async () => {
    vi.useFakeTimers();
    freeTen();
    expect(bodyPieces.stats().free).toBeGreaterThanOrEqual(10);
    const trimmed = trimWhenIdle();
    await vi.advanceTimersByTimeAsync(IDLE_TRIM_MS);
    await trimmed;
    expect(bodyPieces.stats().free).toBe(4);
  });

  it("are kept while uploads follow each other", async () => {
    vi.useFakeTimers();
    freeTen();
    const trimmed = trimWhenIdle();
    await vi.advanceTimersByTimeAsync(IDLE_TRIM_MS / 2);
    await withRequestBudget(MiB, () => Promise.resolve()); // the next request of the upload
    await vi.advanceTimersByTimeAsync(IDLE_TRIM_MS / 2);
    await trimmed;
    expect(bodyPieces.stats().free).toBeGreaterThanOrEqual(10);
  });
});
