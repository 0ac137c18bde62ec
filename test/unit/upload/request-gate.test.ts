import { describe, expect, it } from "vitest";
import { MAX_BUFFERED_REQUESTS, withRequestSlot } from "../../../src/upload/request-gate";

describe("request gate", () => {
  it("runs at most MAX_BUFFERED_REQUESTS tasks at once, in arrival order, and finishes them all", async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 9 }, (_, i) =>
      withRequestSlot(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return i;
      }),
    );
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(peak).toBe(MAX_BUFFERED_REQUESTS);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("releases its slot when a task fails", async () => {
    const failures = Array.from({ length: 4 }, () => withRequestSlot(() => Promise.reject(new Error("bad chunk"))));
    for (const f of failures) await expect(f).rejects.toThrow("bad chunk");
    expect(await withRequestSlot(() => Promise.resolve("free"))).toBe("free");
  });
});
