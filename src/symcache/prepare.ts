/**
 * The prepare task of a symcache build: decides how the file is built and, for files whose
 * builder input fits one invocation, builds it right here (the fast path: one message).
 *
 * The builder's input is, for ELF, a slim copy holding only DWARF, symbol tables and the build id
 * (slim-elf.ts), framed with the slim copy of its dwz alternate file when the file names one and
 * it was uploaded too; for every other format, the file. The bytes stream from R2 straight into
 * the builder's memory.
 */
import { orgCatalog, projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import type { DebugFileIdentity } from "../identify/types";
import { getManifest, ManifestReader, streamFile, type FileManifest } from "../storage/file-store";
import { symcacheKey } from "../storage/keys";
import type { SymcacheJob, TaskOutcome } from "./build-task";
import { fillSlimElf, planSlimElf } from "./slim-elf";
import symcacheModule from "./symcache.wasm";
import { buildSymcacheFilled, type SymcacheInputKind } from "./wasm";

/**
 * The builder holds its input in WebAssembly memory, beside its own working set (about as large
 * again), inside an isolate of 128 MB: inputs above this size get a clear error instead of an
 * out-of-memory kill. For ELF the input is only the debug sections and symbol tables.
 */
export const SYMCACHE_INPUT_LIMIT = 48 * 1024 * 1024;

/** `wait-for-alt`: the file names a dwz alternate file that is not uploaded (yet); try again soon. */
export async function prepare(
  env: Env,
  job: SymcacheJob,
  identity: DebugFileIdentity,
  stopWaiting: boolean,
): Promise<TaskOutcome | "wait-for-alt"> {
  const manifest = await getManifest(env.BUCKET, job.org, job.project, job.checksum);
  if (!manifest) throw new Error(`manifest of ${job.checksum} not found`);
  const input = await builderInput(env, job, manifest, identity);
  if (input.altMissing && !stopWaiting) return "wait-for-alt";
  if (input.size > SYMCACHE_INPUT_LIMIT) {
    const what = input.slim ? "Its debug information and symbol tables take" : "The file is";
    return {
      status: "failed",
      detail: `${what} ${mib(input.size)} MiB; symcaches are built from up to ${mib(SYMCACHE_INPUT_LIMIT)} MiB of input for now. Upload a Breakpad file, or split the debug information (e.g. per library), instead.`,
    };
  }
  const built = await buildSymcacheFilled(symcacheModule, input.size, input.kind, input.fill);
  if (!built.ok) return { status: "failed", detail: `The symcache could not be built: ${built.error}` };
  await env.BUCKET.put(symcacheKey(job.org, job.project, job.checksum), built.symcache);
  return { status: "built", size: built.symcache.byteLength, ...(input.note ? { note: input.note } : {}) };
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

async function builderInput(
  env: Env,
  job: SymcacheJob,
  manifest: FileManifest,
  identity: DebugFileIdentity,
): Promise<BuilderInput> {
  const bucket = env.BUCKET;
  const copier = (m: FileManifest) => (offset: number, length: number, into: Uint8Array) =>
    copyRange(bucket, m, offset, length, into);
  const whole = (kind: SymcacheInputKind): BuilderInput => ({
    size: manifest.size,
    kind,
    slim: false,
    fill: (t) => copier(manifest)(0, manifest.size, t),
  });
  if (identity.format === "breakpad") return whole("breakpad");
  if (identity.format !== "elf") return whole("object");

  const plan = await planSlimElf(new ManifestReader(bucket, manifest));
  if (!plan.ok) return whole("object");
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
  for (const catalog of [projectCatalog(env, job.org, job.project), orgCatalog(env, job.org)]) {
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
