import { afterEach, describe, expect, it, vi } from "vitest";
import { settleWithin } from "../../../src/common/settle";

const bounds = { budgetMs: 2000, pausesMs: [25, 50, 100, 200, 250] };

/** Runs `settleWithin` under fake timers to its end; how long it took, in fake time. */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let ended = NaN;
  const promise = run().then((value) => {
    ended = Date.now();
    return value;
  });
  await vi.advanceTimersByTimeAsync(10_000);
  return { value: await promise, ms: ended - started };
}

describe("settleWithin", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("collects each outcome when it comes, and stops once all came", async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const readyAt: Record<string, number> = { a: 0, b: 300, c: 900 };
    const looks: string[] = [];
    const { value, ms } = await timed(() =>
      settleWithin(
        Object.keys(readyAt),
        (id) => {
          looks.push(id);
          return Promise.resolve(Date.now() - start >= readyAt[id]! ? `${id} done` : null);
        },
        bounds,
      ),
    );
    expect([...value]).toEqual([
      ["a", "a done"],
      ["b", "b done"],
      ["c", "c done"],
    ]);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(900 + 250 + 1);
    expect(looks.filter((id) => id === "a")).toHaveLength(1); // not looked at again once settled
  });

  it("gives up at the budget, with a bounded number of looks", async () => {
    vi.useFakeTimers();
    let looks = 0;
    const { value, ms } = await timed(() =>
      settleWithin(
        ["x"],
        () => {
          looks++;
          return Promise.resolve(null);
        },
        bounds,
      ),
    );
    expect(value.size).toBe(0);
    expect(ms).toBeLessThanOrEqual(bounds.budgetMs);
    expect(looks).toBeLessThanOrEqual(12);
  });

  it("does not wait past its budget for a look that hangs, or count a failed look", async () => {
    vi.useFakeTimers();
    const { value, ms } = await timed(() =>
      settleWithin(
        ["hangs", "fails"],
        (id) => (id === "hangs" ? new Promise<string | null>(() => undefined) : Promise.reject(new Error("down"))),
        bounds,
      ),
    );
    expect(value.size).toBe(0);
    expect(ms).toBeLessThanOrEqual(bounds.budgetMs);
  });

  it("does not wait at all with nothing pending", async () => {
    vi.useFakeTimers();
    const { value, ms } = await timed(() => settleWithin([], () => Promise.resolve("never"), bounds));
    expect(value.size).toBe(0);
    expect(ms).toBe(0);
  });
});
