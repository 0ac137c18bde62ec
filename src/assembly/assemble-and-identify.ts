/**
 * The assembly step a file's Durable Object runs in its alarm: concatenate the chunks (verifying
 * the whole-file SHA-1), store the manifest and the file's layout, identify the file the way
 * sentry-cli does, and say whether it gets a symcache. Returns an outcome; throws only on
 * storage failures, which the object retries.
 */
import { FORMAT_CONTENT_TYPE, type NewDebugFileRecord } from "../common/debug-file";
import type { Env } from "../env";
import { identify } from "../identify/index";
import type { DebugFileIdentity } from "../identify/types";
import { ownedChunkSizes } from "../storage/chunk-ownership";
import { ManifestReader, putLayout, putManifest } from "../storage/file-store";
import { symcacheSupport } from "../symcache/support";
import { assembleFile } from "./assemble-file";
import type { AssembleJob } from "./file-state";
import type { AssemblyOutcome } from "./transitions";

export async function assembleAndIdentify(env: Env, job: AssembleJob, now: () => number): Promise<AssemblyOutcome> {
  const owned = await ownedChunkSizes(env, job.org, job.chunks);
  const started = now();
  const assembled = await assembleFile(
    env.BUCKET,
    job.checksum,
    job.chunks.map((sha1) => ({ sha1, size: owned.get(sha1) ?? 0 })),
  );
  if (!assembled.ok) return { ok: false, detail: assembled.detail };
  const { manifest } = assembled;
  const verified = now();
  await putManifest(env.BUCKET, job.org, job.project, manifest);

  const identified = await identify(
    new ManifestReader(env.BUCKET, manifest),
    { breakpadRecords: assembled.breakpadRecords },
    { name: job.name, ...(job.debugId !== undefined ? { debugId: job.debugId } : {}) },
  );
  // Where an assembly's time goes (the upload bench reads this line from the service's log).
  console.log(
    `[debug-file] read ${job.name}: ${manifest.size} bytes in ${manifest.chunks.length} chunks, whole-file SHA-1 verified in ${verified - started} ms, stored and identified in ${now() - verified} ms`,
  );
  if (!identified.ok) return { ok: false, detail: identified.failure.detail };
  const identity = identified.identity;
  // The section table and load address, for the symbol-server routes and the symcache planner.
  await putLayout(env.BUCKET, job.org, job.project, job.checksum, identity);

  const record: NewDebugFileRecord = {
    org: job.org,
    project: job.project,
    checksum: job.checksum,
    objectName: objectName(job.name, identity),
    debugId: chooseDebugId(identity.debugId, job.debugId),
    codeId: identity.codeId,
    arch: identity.arch,
    kind: identity.kind,
    format: identity.format,
    features: identity.features,
    size: manifest.size,
    contentType: FORMAT_CONTENT_TYPE[identity.format],
    createdAt: new Date(now()).toISOString(),
    symcache: { status: "building" },
  };
  const support = symcacheSupport(identity);
  return {
    ok: true,
    identity,
    record,
    symcache: support.supported ? { wanted: true } : { wanted: false, detail: support.detail },
  };
}

/** Sentry's object_name: the basename of the uploaded name; Breakpad files lose `.sym`. */
function objectName(name: string, identity: DebugFileIdentity): string {
  const base = name.split(/[\\/]/).pop() || name;
  return identity.format === "breakpad" ? base.replace(/\.sym$/i, "") : base;
}

/**
 * A client-supplied debug id replaces the file's own only when the UUID parts agree: sentry-cli
 * patches a PDB's age from its PE, and nothing else may be overridden.
 */
function chooseDebugId(own: string, claimed: string | undefined): string {
  if (!claimed) return own;
  const normalized = claimed.toLowerCase();
  return normalized.slice(0, 36) === own.slice(0, 36) && /^[0-9a-f-]+$/.test(normalized) ? normalized : own;
}
