/**
 * The local queue keeps delivering after consumer calls longer than Node's 5 s keep-alive.
 *
 * miniflare's queue broker POSTs a log line to the Node loopback server after every batch and,
 * unpatched, stops for good when that POST fails on a keep-alive connection Node closed while the
 * consumer ran (scripts/patch-miniflare.mjs, docs/local-queue-stall.md). A symcache final merge of
 * a large file runs for 7-19 s, so this is what stopped big builds in `wrangler dev`. The worker
 * below holds the runtime's thread for 5.5 s per message, as the merge's WebAssembly does, and
 * records each message it consumed; unpatched, only the first two of three arrive.
 */
import { Miniflare } from "miniflare";
import { afterAll, expect, it } from "vitest";
import { patchMiniflare } from "../../scripts/patch-miniflare.mjs";

const CALL_MS = 5_500;
const MESSAGES = 3;

const WORKER = `
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/send") {
      await env.JOBS.send({ i: new URL(request.url).searchParams.get("i") });
      return new Response("sent");
    }
    const done = await env.DONE.list();
    return Response.json(done.keys.map((k) => k.name));
  },
  async queue(batch, env) {
    for (const message of batch.messages) {
      const until = Date.now() + ${CALL_MS};
      while (Date.now() < until); // synchronous work: the runtime's one thread is busy
      await env.DONE.put(String(message.body.i), "1");
      message.ack();
    }
  },
};`;

let mf: Miniflare | undefined;
afterAll(async () => {
  await mf?.dispose();
});

it(
  "delivers every message when each consumer call runs longer than 5 s",
  async () => {
    patchMiniflare(); // what `npm install` did already; a no-op then
    mf = new Miniflare({
      modules: true,
      script: WORKER,
      compatibilityDate: "2025-09-01",
      host: "127.0.0.1",
      kvNamespaces: ["DONE"],
      queueProducers: { JOBS: "jobs" },
      queueConsumers: { jobs: { maxBatchSize: 1, maxBatchTimeout: 1 } },
    });
    // One message at a time, as a build's tasks come, and no other request meanwhile: Node closes
    // the idle log connection while the runtime's thread is busy, and the broker's next log line
    // goes out on it.
    for (let i = 0; i < MESSAGES; i++) {
      await (await mf.dispatchFetch(`http://localhost/send?i=${i}`)).text();
      await new Promise((r) => setTimeout(r, CALL_MS + 3_000));
    }
    let consumed: string[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      consumed = (await (await mf.dispatchFetch("http://localhost/")).json()) as string[];
      if (consumed.length === MESSAGES) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(consumed.sort()).toEqual(["0", "1", "2"]);
  },
  MESSAGES * (CALL_MS + 3_000) + 45_000,
);
