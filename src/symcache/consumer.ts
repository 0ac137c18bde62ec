/**
 * The queue consumer that turns stored debug files into symcaches.
 *
 * A message names a file, a build and a task of it (build-task.ts); the file's Durable Object
 * says whether the task is still wanted, so a redelivered message, or one re-sent by the object's
 * watchdog after the first went missing, finds nothing to do. Deterministic failures (the builder
 * rejects the file) are reported to the object at once; transient ones (storage, a busy object)
 * are retried by the queue, and a message that keeps failing reaches the dead-letter queue, whose
 * consumer reports the failure so no poller waits for it.
 */
import { debugFileObject } from "../durable-objects";
import type { Env } from "../env";
import type { SymcacheJob, TaskOutcome } from "./build-task";
import { buildUnit, mergeRuns } from "./parts";
import { prepare } from "./prepare";

export const DEAD_LETTER_QUEUE = "symcache-dead-letters";
/** Deliveries before a message is dead-lettered: `max_retries` (3, wrangler.toml) + 1. */
export const MAX_DELIVERIES = 4;

/**
 * sentry-cli uploads a dwz file and its alternate file in one run, and they finish assembling in
 * any order: a prepare task whose alternate file is not there yet waits for it this long, this
 * many times, before it builds without it (the retries stay below the queue's max_retries).
 */
const ALT_WAIT_SECONDS = 5;
export const ALT_WAIT_ATTEMPTS = 2;

export async function handleSymcacheBatch(batch: MessageBatch<SymcacheJob>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const job = message.body;
    if (!isJob(job)) {
      message.ack(); // a message of an earlier version of the service: its file re-sends its work
      continue;
    }
    if (batch.queue === DEAD_LETTER_QUEUE) {
      await debugFileObject(env, job.org, job.project, job.checksum).taskFinished(job.build, job.task, {
        status: "failed",
        detail: `The symcache build failed ${MAX_DELIVERIES} times in a row; rerun the upload to try again`,
      });
      message.ack();
      continue;
    }
    try {
      if ((await runTask(env, job, message.attempts)) === "wait-for-alt") {
        message.retry({ delaySeconds: ALT_WAIT_SECONDS });
      } else {
        message.ack();
      }
    } catch (err) {
      console.warn("symcache task failed, will retry", job, err);
      message.retry({ delaySeconds: Math.min(30, 2 ** message.attempts) });
    }
  }
}

/** Runs one task if its file still wants it, and reports the outcome. */
export async function runTask(
  env: Env,
  job: SymcacheJob,
  attempt = ALT_WAIT_ATTEMPTS + 1,
): Promise<"done" | "wait-for-alt"> {
  const object = debugFileObject(env, job.org, job.project, job.checksum);
  const { wanted, identity } = await object.taskStarted(job.build, job.task);
  if (!wanted || !identity) return "done"; // done already, or the build is gone: a redelivery
  const started = Date.now();
  let outcome: TaskOutcome;
  switch (job.task.stage) {
    case "prepare": {
      const prepared = await prepare(env, job, identity, attempt > ALT_WAIT_ATTEMPTS);
      if (prepared === "wait-for-alt") return "wait-for-alt";
      outcome = prepared;
      break;
    }
    case "units":
      outcome = await buildUnit(env, job);
      break;
    case "merge":
      outcome = await mergeRuns(env, job, identity);
      break;
  }
  console.log(
    `[symcache] ${job.checksum.slice(0, 12)} ${taskName(job)}: ${outcomeText(outcome)} in ${Date.now() - started} ms`,
  );
  await object.taskFinished(job.build, job.task, outcome);
  return "done";
}

/** "prepare", "unit 3", "merge 1.0", "final merge": what an operator reading `wrangler tail` needs. */
function taskName({ task }: SymcacheJob): string {
  if (task.stage === "prepare") return "prepare";
  if (task.stage === "units") return `unit ${task.index}`;
  return task.final ? "final merge" : `merge ${task.level ?? 0}.${task.index}`;
}

function outcomeText(outcome: TaskOutcome): string {
  switch (outcome.status) {
    case "built":
      return `symcache written (${outcome.size} bytes)`;
    case "planned":
      return `cut into ${outcome.units} units`;
    case "done":
      return "run written";
    case "failed":
      return `failed: ${outcome.detail}`;
  }
}

function isJob(body: unknown): body is SymcacheJob {
  const job = body as Partial<SymcacheJob> | null;
  return typeof job?.build === "string" && typeof job.task?.stage === "string";
}
