import { afterEach, describe, expect, it, vi } from "vitest";
import { bodyPieces } from "../../../src/common/bounded-body";
import { BODY_BUDGET, IDLE_TRIM_MS, trimWhenIdle, withRequestBudget } from "../../../src/upload/request-gate";

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
    expect(run.peak).toBe(4);
    expect(run.peakBytes).toBeLessThanOrEqual(BODY_BUDGET);
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
