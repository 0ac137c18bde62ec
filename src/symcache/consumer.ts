/**
 * The queue consumer that turns stored debug files into symcaches.
 *
 * A message only names a file; the file's Durable Object says whether a symcache is still wanted,
 * so a redelivered message, or one re-sent by the object's watchdog after the first went
 * missing, finds nothing to do. Deterministic failures (the builder rejects the file) are
 * reported to the object at once; transient ones (storage, a busy object) are retried by the
 * queue, and a message that keeps failing reaches the dead-letter queue, whose consumer
 * reports the failure so no poller waits for it.
 */
import type { Env } from "../env";
import { getManifest, streamFile } from "../storage/file-store";
import { debugFileObjectName, symcacheKey } from "../storage/keys";
import type { SymcacheJob } from "./job";
import { buildSymcache } from "./wasm";
import symcacheModule from "./symcache.wasm";

export const DEAD_LETTER_QUEUE = "symcache-dead-letters";

/**
 * The builder holds the whole file in WebAssembly memory, beside its own working set, inside an
 * isolate of 128 MB: files above this size get a clear error instead of an out-of-memory kill.
 */
export const SYMCACHE_INPUT_LIMIT = 48 * 1024 * 1024;

export async function handleSymcacheBatch(batch: MessageBatch<SymcacheJob>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    if (batch.queue === DEAD_LETTER_QUEUE) {
      await fileObject(env, message.body).symcacheFinished({
        status: "error",
        detail: `The symcache build failed ${message.attempts} times in a row; rerun the upload to try again`,
      });
      message.ack();
      continue;
    }
    try {
      await buildForJob(env, message.body);
      message.ack();
    } catch (err) {
      console.warn("symcache job failed, will retry", message.body, err);
      message.retry({ delaySeconds: Math.min(30, 2 ** message.attempts) });
    }
  }
}

function fileObject(env: Env, job: SymcacheJob) {
  return env.DEBUG_FILE.get(env.DEBUG_FILE.idFromName(debugFileObjectName(job.org, job.project, job.checksum)));
}

export async function buildForJob(env: Env, job: SymcacheJob): Promise<void> {
  const object = fileObject(env, job);
  const request = await object.symcacheRequest();
  if (!request.wanted || !request.format) return; // done already: a redelivery

  const manifest = await getManifest(env.BUCKET, job.org, job.project, job.checksum);
  if (!manifest) throw new Error(`manifest of ${job.checksum} not found`);
  if (manifest.size > SYMCACHE_INPUT_LIMIT) {
    await object.symcacheFinished({
      status: "error",
      detail: `The file is ${mib(manifest.size)} MiB; symcaches are built from files up to ${mib(SYMCACHE_INPUT_LIMIT)} MiB for now. Upload a split debug file (objcopy --only-keep-debug) or a Breakpad file instead.`,
    });
    return;
  }

  const input = await readAll(streamFile(env.BUCKET, manifest), manifest.size);
  const kind = request.format === "breakpad" ? "breakpad" : "object";
  const built = buildSymcache(symcacheModule, input, kind);
  if (!built.ok) {
    await object.symcacheFinished({ status: "error", detail: `The symcache could not be built: ${built.error}` });
    return;
  }
  await env.BUCKET.put(symcacheKey(job.org, job.project, job.checksum), built.symcache);
  await object.symcacheFinished({ status: "ok", size: built.symcache.byteLength });
}

async function readAll(stream: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const part of stream) {
    out.set(part.subarray(0, size - at), at);
    at += part.byteLength;
  }
  if (at !== size) throw new Error(`read ${at} of ${size} bytes`);
  return out;
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0);
}
