/**
 * The tasks of a build in parts: a unit builds one sorted run from its part of the file; a merge
 * reads up to MERGE_FAN_IN runs of the level below and writes one run, or, at the last level, the
 * symcache. Every task writes to a key derived from (file, build, level, index) only, so a
 * redelivered or re-sent message rewrites the same object with the same bytes.
 */
import type { Env } from "../env";
import type { DebugFileIdentity } from "../identify/types";
import { getManifest } from "../storage/file-store";
import { symcacheKey } from "../storage/keys";
import { R2ObjectWriter } from "../storage/object-writer";
import { runBuilder } from "./builder";
import {
  fileSource,
  mergeParams,
  NO_SOURCE,
  objectSource,
  TaskHost,
  unitParams,
  withSymbolMap,
  type ByteSource,
  type InputParams,
  unitKind,
} from "./build-host";
import { dwarfCountsKey, dwarfCountsPrefix, getPlan, parseDwarfCountsKey, runKey, type StoredPlan } from "./build-plan";
import { mergeInputs, MERGE_FAN_IN, type SymcacheJob, type TaskOutcome } from "./build-task";
import type { BuildReport } from "./build-file";
import { SymcacheWriter } from "./container";
import { dwarfReadNote } from "./dwarf-read-note";
import { limitsFrom } from "./limits";
import symcacheModule from "./symcache.wasm";

export async function buildUnit(
  env: Env,
  job: SymcacheJob,
  module: WebAssembly.Module = symcacheModule,
): Promise<TaskOutcome> {
  const plan = await getPlan(env.BUCKET, job);
  if (!plan) throw new Error(`plan of build ${job.build} not found`);
  const unit = plan.units[job.task.index];
  if (!unit)
    return { status: "failed", detail: `The symcache build asked for unit ${job.task.index} of ${plan.units.length}` };
  const { sources, input } = await planSources(env, job, plan);
  const out = new R2ObjectWriter(env.BUCKET, runKey(job, 0, job.task.index));
  const host = new TaskHost(sources, { run: (bytes) => out.write(bytes) });
  const params = unitParams(input, {
    index: job.task.index,
    kind: unitKind(unit[0]),
    from: unit[1],
    to: unit[2],
    unitOffsets: plan.unitOffsets,
    supUnitOffsets: plan.supUnitOffsets,
  });
  const built = await runBuilder(module, "build_unit", params, host);
  if (!built.ok) {
    await out.abort();
    return { status: "failed", detail: `The symcache could not be built: ${built.error}` };
  }
  await out.close();
  if (unit[0] === 1) {
    // What this DWARF span read and skipped, summed by the final merge into the file's note.
    const report = JSON.parse(built.output) as BuildReport;
    await env.BUCKET.put(dwarfCountsKey(job, job.task.index, report), "");
  }
  return { status: "done" };
}

/** The DWARF unit tasks' counts, summed: the final merge's note (dwarf-read-note.ts). */
async function unreadNote(env: Env, job: SymcacheJob): Promise<string | undefined> {
  const sum = { dwarfUnitsRead: 0, dwarfUnitsSkipped: 0, dwarfUnreadableFrom: null as number | null };
  let cursor: string | undefined;
  do {
    const listed = await env.BUCKET.list({ prefix: dwarfCountsPrefix(job), cursor });
    for (const { key } of listed.objects) {
      const counts = parseDwarfCountsKey(job, key);
      if (!counts) continue;
      sum.dwarfUnitsRead += counts.dwarfUnitsRead;
      sum.dwarfUnitsSkipped += counts.dwarfUnitsSkipped;
      if (counts.dwarfUnreadableFrom !== null) {
        sum.dwarfUnreadableFrom = Math.min(sum.dwarfUnreadableFrom ?? Infinity, counts.dwarfUnreadableFrom);
      }
    }
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return dwarfReadNote(sum);
}

export async function mergeRuns(
  env: Env,
  job: SymcacheJob,
  identity: DebugFileIdentity,
  module: WebAssembly.Module = symcacheModule,
): Promise<TaskOutcome> {
  const plan = await getPlan(env.BUCKET, job);
  if (!plan) throw new Error(`plan of build ${job.build} not found`);
  const level = job.task.level ?? 1;
  // The runs of the level below: the units' at level 1, then ceil(n / MERGE_FAN_IN) per level.
  let inputs = plan.units.length;
  for (let l = 1; l < level; l++) inputs = Math.ceil(inputs / MERGE_FAN_IN);
  const { from, to } = mergeInputs(job.task.index, inputs);
  const keys = Array.from({ length: to - from }, (_, i) => runKey(job, level - 1, from + i));
  const heads = await Promise.all(keys.map((k) => env.BUCKET.head(k)));
  const sources: ByteSource[] = heads.map((h, i) => {
    if (!h) throw new Error(`run ${keys[i] ?? "?"} of build ${job.build} is missing`);
    return objectSource(env.BUCKET, h.key, h.size);
  });
  const params = mergeParams(
    job.task.final === true,
    limitsFrom(env).mergeBlockBytes,
    sources.map((s, i) => ({ source: i, size: s.size })),
  );
  if (job.task.final) {
    const out = new R2ObjectWriter(env.BUCKET, symcacheKey(job.org, job.project, job.checksum));
    const writer = new SymcacheWriter(out, identity);
    const merged = await runBuilder(
      module,
      "merge_runs",
      params,
      new TaskHost(sources, { page: (raw, first) => writer.addPage(raw, first) }),
    );
    if (!merged.ok) {
      await out.abort();
      return { status: "failed", detail: `The symcache could not be built: ${merged.error}` };
    }
    await writer.finish();
    const note = await unreadNote(env, job);
    return { status: "built", size: await out.close(), ...(note ? { note } : {}) };
  }
  const out = new R2ObjectWriter(env.BUCKET, runKey(job, level, job.task.index));
  const merged = await runBuilder(
    module,
    "merge_runs",
    params,
    new TaskHost(sources, { run: (bytes) => out.write(bytes) }),
  );
  if (!merged.ok) {
    await out.abort();
    return { status: "failed", detail: `The symcache could not be built: ${merged.error}` };
  }
  await out.close();
  return { status: "done" };
}

/** The sources a unit reads: the file, its alternate file, the inflated sections, a BCSymbolMap. */
async function planSources(
  env: Env,
  job: SymcacheJob,
  plan: StoredPlan,
): Promise<{ sources: ByteSource[]; input: InputParams }> {
  const manifest = await getManifest(env.BUCKET, job.org, job.project, job.checksum);
  if (!manifest) throw new Error(`manifest of ${job.checksum} not found`);
  const alt = plan.alt ? await getManifest(env.BUCKET, plan.alt.org, plan.alt.project, plan.alt.checksum) : null;
  if (plan.alt && !alt) throw new Error(`the dwz alternate file ${plan.alt.checksum} is gone`);
  const sources: ByteSource[] = [fileSource(env.BUCKET, manifest), alt ? fileSource(env.BUCKET, alt) : NO_SOURCE];
  for (const m of plan.materialized) sources.push(objectSource(env.BUCKET, m.key, m.size));
  const input: InputParams = {
    kind: plan.kind,
    mainSize: manifest.size,
    altSize: alt ? alt.size : null,
    materialized: plan.materialized.map((m, i) => ({ section: m.section, source: 2 + i })),
  };
  if (plan.symbolMap) {
    const map = await getManifest(env.BUCKET, plan.symbolMap.org, plan.symbolMap.project, plan.symbolMap.checksum);
    if (!map) throw new Error(`the BCSymbolMap ${plan.symbolMap.checksum} is gone`);
    withSymbolMap(sources, input, fileSource(env.BUCKET, map));
  }
  return { sources, input };
}
