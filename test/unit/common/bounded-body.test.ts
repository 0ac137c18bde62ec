import { describe, expect, it } from "vitest";
import { BodyLimitError, readBoundedText } from "../../../src/common/bounded-body";

/** A body that sends one byte every `everyMs`, `count` times (or forever). */
function trickle(everyMs: number, count = Infinity): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent >= count) return controller.close();
      await new Promise((r) => setTimeout(r, everyMs));
      sent++;
      controller.enqueue(new Uint8Array([0x61]));
    },
  });
}

function post(body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}): Request {
  return new Request("http://127.0.0.1/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "read";
  } catch (err) {
    return err instanceof BodyLimitError ? err.reason : String(err);
  }
}

describe("bounded request bodies", () => {
  it("reads a body within its bounds", async () => {
    expect(await readBoundedText(post(trickle(1, 5)), { maxBytes: 10, idleMs: 1000, deadlineMs: 5000 })).toBe("aaaaa");
  });

  it("cuts off a body trickled past the deadline, however steady", async () => {
    const started = Date.now();
    expect(await reason(readBoundedText(post(trickle(20)), { maxBytes: 1e9, idleMs: 1000, deadlineMs: 300 }))).toBe(
      "too_slow",
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("cuts off a body that stops arriving", async () => {
    const stalled = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) });
    const started = Date.now();
    expect(await reason(readBoundedText(post(stalled), { maxBytes: 1e9, idleMs: 200, deadlineMs: 60_000 }))).toBe(
      "too_slow",
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("stops reading at the size bound, and refuses a larger declared length unread", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    expect(await reason(readBoundedText(post(endless), { maxBytes: 10_000, idleMs: 1000, deadlineMs: 5000 }))).toBe(
      "too_large",
    );
    expect(pulled).toBeLessThan(20_000);
    const declared = post("{}", { "content-length": "999999999" });
    expect(await reason(readBoundedText(declared, { maxBytes: 10, idleMs: 1000, deadlineMs: 5000 }))).toBe("too_large");
  });
});
