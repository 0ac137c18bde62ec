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
import type { FileFormat } from "../identify/types";
import { getManifest, ManifestReader, streamFile, type FileManifest } from "../storage/file-store";
import { debugFileObjectName, orgCatalogName, projectCatalogName, symcacheKey } from "../storage/keys";
import type { SymcacheJob } from "./job";
import { fillSlimElf, planSlimElf } from "./slim-elf";
import { buildSymcacheFilled, type SymcacheInputKind } from "./wasm";
import symcacheModule from "./symcache.wasm";

export const DEAD_LETTER_QUEUE = "symcache-dead-letters";

/**
 * The builder holds its input in WebAssembly memory, beside its own working set (about as large
 * again), inside an isolate of 128 MB: inputs above this size get a clear error instead of an
 * out-of-memory kill. For ELF the input is only the debug sections and symbol tables.
 */
export const SYMCACHE_INPUT_LIMIT = 48 * 1024 * 1024;

/**
 * PDBs convert whole (the per-module build is the next step), and a PDB's working set is larger
 * than DWARF's relative to its size: a generated 5.7 MiB PDB of 6,000 functions dense with
 * inlining peaked at 17.9 MiB of WebAssembly memory (bench/pdb-build), about 3x. At 24 MiB the
 * builder stays near 75 MiB, with room in a 128 MB isolate.
 */
export const PDB_INPUT_LIMIT = 24 * 1024 * 1024;

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
      if ((await buildForJob(env, message.body, message.attempts)) === "wait-for-alt") {
        message.retry({ delaySeconds: ALT_WAIT_SECONDS });
      } else {
        message.ack();
      }
    } catch (err) {
      console.warn("symcache job failed, will retry", message.body, err);
      message.retry({ delaySeconds: Math.min(30, 2 ** message.attempts) });
    }
  }
}

function fileObject(env: Env, job: SymcacheJob) {
  return env.DEBUG_FILE.get(env.DEBUG_FILE.idFromName(debugFileObjectName(job.org, job.project, job.checksum)));
}

/**
 * sentry-cli uploads a dwz file and its alternate file in one run, and they finish assembling in
 * any order: a job whose alternate file is not there yet waits for it this long, this many times,
 * before it builds without it (the retries stay below the queue's max_retries).
 */
const ALT_WAIT_SECONDS = 5;
const ALT_WAIT_ATTEMPTS = 2;

export async function buildForJob(
  env: Env,
  job: SymcacheJob,
  attempt = ALT_WAIT_ATTEMPTS + 1,
): Promise<"done" | "wait-for-alt"> {
  const object = fileObject(env, job);
  const request = await object.symcacheRequest();
  if (!request.wanted || !request.format) return "done"; // done already: a redelivery

  const manifest = await getManifest(env.BUCKET, job.org, job.project, job.checksum);
  if (!manifest) throw new Error(`manifest of ${job.checksum} not found`);
  const input = await builderInput(env, job, manifest, request.format);
  if (input.altMissing && attempt <= ALT_WAIT_ATTEMPTS) return "wait-for-alt";
  if (input.kind === "pdb" && input.size > PDB_INPUT_LIMIT) {
    await object.symcacheFinished({
      status: "error",
      detail: `The PDB is ${mib(input.size)} MiB; symcaches are built from PDBs of up to ${mib(PDB_INPUT_LIMIT)} MiB for now. Upload a Breakpad file instead, or split the program into libraries (DLLs) with a PDB each.`,
    });
    return "done";
  }
  if (input.size > SYMCACHE_INPUT_LIMIT) {
    const what = input.slim ? "Its debug information and symbol tables take" : "The file is";
    await object.symcacheFinished({
      status: "error",
      detail: `${what} ${mib(input.size)} MiB; symcaches are built from up to ${mib(SYMCACHE_INPUT_LIMIT)} MiB of input for now. Upload a Breakpad file, or split the debug information (e.g. per library), instead.`,
    });
    return "done";
  }

  const built = await buildSymcacheFilled(symcacheModule, input.size, input.kind, input.fill);
  if (!built.ok) {
    await object.symcacheFinished({ status: "error", detail: `The symcache could not be built: ${built.error}` });
    return "done";
  }
  await env.BUCKET.put(symcacheKey(job.org, job.project, job.checksum), built.symcache);
  await object.symcacheFinished({
    status: "ok",
    size: built.symcache.byteLength,
    ...(input.note ? { detail: input.note } : {}),
  });
  return "done";
}

interface BuilderInput {
  size: number;
  kind: SymcacheInputKind;
  /** True when only the sections the builder reads are passed (ELF). */
  slim: boolean;
  fill: (target: Uint8Array) => Promise<void>;
  /** Shown with the `ok`: what the symcache lacks and why. */
  note?: string;
  /** The file names a dwz alternate file that is not (yet) uploaded. */
  altMissing?: boolean;
}

/**
 * What the builder gets: for ELF, a slim copy holding only DWARF, symbol tables and the build
 * id (slim-elf.ts), framed with the slim copy of its dwz alternate file when the file names one
 * and it was uploaded too; for every other format (Breakpad and PDB with their own input
 * kinds), the file. The bytes stream from R2 straight
 * into the builder's memory.
 */
async function builderInput(
  env: Env,
  job: SymcacheJob,
  manifest: FileManifest,
  format: FileFormat,
): Promise<BuilderInput> {
  const bucket = env.BUCKET;
  const copier = (m: FileManifest) => (offset: number, length: number, into: Uint8Array) =>
    copyRange(bucket, m, offset, length, into);
  if (format === "breakpad" || format === "pdb")
    return { size: manifest.size, kind: format, slim: false, fill: (t) => copier(manifest)(0, manifest.size, t) };
  if (format !== "elf")
    return { size: manifest.size, kind: "object", slim: false, fill: (t) => copier(manifest)(0, manifest.size, t) };

  const plan = await planSlimElf(new ManifestReader(bucket, manifest));
  if (!plan.ok)
    return { size: manifest.size, kind: "object", slim: false, fill: (t) => copier(manifest)(0, manifest.size, t) };
  const main = plan.slim;
  const fillMain = (t: Uint8Array) => fillSlimElf(main, t, copier(manifest));
  if (!main.altLink) return { size: main.size, kind: "object", slim: true, fill: fillMain };

  const alt = await findAltFile(env, job, main.altLink.buildId);
  const altPlan = alt ? await planSlimElf(new ManifestReader(bucket, alt)) : null;
  if (!alt || !altPlan?.ok) {
    return {
      size: main.size,
      kind: "object",
      slim: true,
      fill: fillMain,
      altMissing: true,
      note: `Built without the dwz alternate file ${main.altLink.file} (build id ${main.altLink.buildId}), which was not uploaded to this project: function names defined only there are missing. Upload it and then this file again.`,
    };
  }
  // "DWZ\0" | u32 LE main length | main | zero padding to 8 | alternate
  const altAt = Math.ceil((8 + main.size) / 8) * 8;
  return {
    size: altAt + altPlan.slim.size,
    kind: "object-with-alt",
    slim: true,
    fill: async (target) => {
      target.set([0x44, 0x57, 0x5a, 0]);
      new DataView(target.buffer, target.byteOffset, 8).setUint32(4, main.size, true);
      await fillMain(target.subarray(8, 8 + main.size));
      target.fill(0, 8 + main.size, altAt);
      await fillSlimElf(altPlan.slim, target.subarray(altAt), copier(alt));
    },
  };
}

/** The alternate file of a dwz'd file: uploaded to the same project (or, failing that, the org). */
async function findAltFile(env: Env, job: SymcacheJob, buildId: string): Promise<FileManifest | null> {
  for (const name of [projectCatalogName(job.org, job.project), orgCatalogName(job.org)]) {
    const catalog = env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(name));
    const record = (await catalog.byCodeId(buildId)).find((r) => r.format === "elf");
    if (record) return getManifest(env.BUCKET, record.org, record.project, record.checksum);
  }
  return null;
}

async function copyRange(
  bucket: R2Bucket,
  manifest: FileManifest,
  offset: number,
  length: number,
  into: Uint8Array,
): Promise<void> {
  let at = 0;
  for await (const part of streamFile(bucket, manifest, offset, offset + length)) {
    into.set(part.subarray(0, length - at), at);
    at += part.byteLength;
  }
  if (at !== length) throw new Error(`read ${at} of ${length} bytes`);
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0);
}
