/**
 * The prepare task of a symcache build: asks the builder for a plan and, when the file's builder
 * input fits one invocation, builds it right here (the fast path: one message). Otherwise it
 * inflates what must be inflated (compressed sections too large for one unit), stores the plan
 * in R2 and reports how many units the file's Durable Object should send.
 *
 * A dwz file's alternate file (`.gnu_debugaltlink`) is found among the project's uploads, then
 * the organization's, by its build id; sentry-cli uploads both in one run and they finish in any
 * order, so a prepare task whose alternate file is not there yet waits for it briefly. A dSYM of
 * an App Store bitcode build waits the same way for the BCSymbolMap that names its hidden symbols
 * (symbol-map.ts).
 */
import { orgCatalog, projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import type { DebugFileIdentity, ElfSection } from "../identify/types";
import { getManifest, streamFile, type FileManifest } from "../storage/file-store";
import { buildKey, symcacheKey } from "../storage/keys";
import { R2ObjectWriter } from "../storage/object-writer";
import { runBuilder } from "./builder";
import {
  fileSource,
  NO_SOURCE,
  objectSource,
  planParams,
  SECTION_NAMES,
  TaskHost,
  wholeParams,
  type BuilderPlan,
  type ByteSource,
  type InputKind,
  type InputParams,
  withSymbolMap,
} from "./build-host";
import type { SymcacheJob, TaskOutcome } from "./build-task";
import { putPlan, type StoredPlan } from "./build-plan";
import type { BuildReport } from "./build-file";
import { SymcacheWriter } from "./container";
import { dwarfReadNote } from "./dwarf-read-note";
import { limitsFrom, type BuildLimits } from "./limits";
import { findSymbolMap } from "./symbol-map";
import symcacheModule from "./symcache.wasm";

/**
 * `wait-for-alt`: the file names a dwz alternate file, or hides its names behind a BCSymbolMap,
 * that is not uploaded (yet); try again soon.
 */
export async function prepare(
  env: Env,
  job: SymcacheJob,
  identity: DebugFileIdentity,
  stopWaiting: boolean,
  limits: BuildLimits = limitsFrom(env),
  module: WebAssembly.Module = symcacheModule,
): Promise<TaskOutcome | "wait-for-alt"> {
  const manifest = await getManifest(env.BUCKET, job.org, job.project, job.checksum);
  if (!manifest) throw new Error(`manifest of ${job.checksum} not found`);
  const altLink = identity.format === "elf" && hasDwarf(identity.details.sections) ? identity.details.altLink : null;
  const alt = altLink ? await findAltFile(env, job, altLink.buildId) : null;
  if (altLink && !alt && !stopWaiting) return "wait-for-alt";
  const hidesNames = identity.format === "macho" && identity.details.hiddenNames === true;
  const symbolMap = hidesNames ? await findSymbolMap(env, job, identity.debugId) : null;
  if (hidesNames && !symbolMap && !stopWaiting) return "wait-for-alt";
  const missing = [
    altLink && !alt
      ? `Built without the dwz alternate file ${altLink.file} (build id ${altLink.buildId}), which was not uploaded to this project: function names defined only there are missing. Upload it and then this file again.`
      : undefined,
    hidesNames && !symbolMap
      ? `Built without a BCSymbolMap: this dSYM of an App Store bitcode build names its symbols, functions and files __hidden#N_, and neither a BCSymbolMap for its UUID nor a UUID map (Contents/Resources/${identity.debugId.toUpperCase()}.plist) naming one was uploaded to this project. Upload the dSYM folder and the .bcsymbolmap files with sentry-cli, then this dSYM again.`
      : undefined,
  ].filter((n) => n !== undefined);
  const note = missing.length > 0 ? missing.join(" ") : undefined;

  const kind = builderInputKind(identity);
  const sources: ByteSource[] = [
    fileSource(env.BUCKET, manifest),
    alt ? fileSource(env.BUCKET, alt.manifest) : NO_SOURCE,
  ];
  const input: InputParams = {
    kind,
    mainSize: manifest.size,
    altSize: alt ? alt.manifest.size : null,
    materialized: [],
  };

  let plan = await planBuild(module, sources, input, limits);
  if ("failed" in plan) return { status: "failed", detail: plan.failed };
  if (plan.fast) {
    const out = new R2ObjectWriter(env.BUCKET, symcacheKey(job.org, job.project, job.checksum));
    const writer = new SymcacheWriter(out, identity);
    const wholeSources = [...sources];
    const wholeInput = { ...input };
    withSymbolMap(wholeSources, wholeInput, symbolMap ? fileSource(env.BUCKET, symbolMap.manifest) : null);
    const host = new TaskHost(wholeSources, { page: (raw, first) => writer.addPage(raw, first) });
    const built = await runBuilder(module, "build_whole", wholeParams(wholeInput), host);
    if (!built.ok) {
      await out.abort();
      return { status: "failed", detail: `The symcache could not be built: ${built.error}` };
    }
    await writer.finish((JSON.parse(built.output) as BuildReport).ilOffsetBits);
    const size = await out.close();
    const notes = [note, dwarfReadNote(JSON.parse(built.output) as BuildReport)].filter((n) => n !== undefined);
    return { status: "built", size, ...(notes.length > 0 ? { note: notes.join(" ") } : {}) };
  }

  // Sections too large to inflate in a unit's memory are inflated once, into their own objects.
  const materialized: StoredPlan["materialized"] = [];
  for (const m of plan.materialize) {
    if (m.compression === "zstd") {
      return {
        status: "failed",
        detail: `The debug section ${SECTION_NAMES[m.section] ?? "?"} is zstd-compressed and inflates to ${m.dataSize} bytes; sections that large are read only uncompressed or zlib-compressed for now. Upload the file with uncompressed (or zlib) debug sections.`,
      };
    }
    const key = buildKey(job.org, job.project, job.checksum, job.build, `section-${m.section}`);
    const size = await inflateSection(env.BUCKET, manifest, m, key);
    if (size !== m.dataSize) {
      return {
        status: "failed",
        detail: `The compressed debug section ${SECTION_NAMES[m.section] ?? "?"} inflates to ${size} bytes, not the ${m.dataSize} its header declares`,
      };
    }
    materialized.push({ section: m.section, key, size });
  }
  if (materialized.length > 0) {
    for (const m of materialized) sources.push(objectSource(env.BUCKET, m.key, m.size));
    input.materialized = materialized.map((m, i) => ({ section: m.section, source: 2 + i }));
    plan = await planBuild(module, sources, input, limits);
    if ("failed" in plan) return { status: "failed", detail: plan.failed };
  }
  if (plan.units.length === 0) {
    return { status: "failed", detail: "The file has neither debug information nor symbols to build a symcache from" };
  }
  const stored: StoredPlan = {
    version: 1,
    kind,
    inputBytes: plan.inputBytes,
    alt: alt ? { org: alt.org, project: alt.project, checksum: alt.checksum } : null,
    materialized,
    symbolMap: symbolMap ? { org: symbolMap.org, project: symbolMap.project, checksum: symbolMap.checksum } : null,
    units: plan.units,
    unitOffsets: plan.unitOffsets,
    supUnitOffsets: plan.supUnitOffsets,
  };
  await putPlan(env.BUCKET, job, stored);
  return { status: "planned", units: plan.units.length, ...(note ? { note } : {}) };
}

/** Which reader of the builder a file goes to (crates/symcache/src/ffi.rs). */
function builderInputKind(identity: DebugFileIdentity): InputKind {
  switch (identity.format) {
    case "breakpad":
    case "pdb":
    case "portablepdb":
      return identity.format;
    case "pe":
      return identity.details.embeddedPortablePdb ? "portablepdb" : "object";
    default:
      return "object";
  }
}

async function planBuild(
  module: WebAssembly.Module,
  sources: ByteSource[],
  input: InputParams,
  limits: BuildLimits,
): Promise<BuilderPlan | { failed: string }> {
  const result = await runBuilder(module, "plan", planParams(input, limits), new TaskHost(sources));
  if (!result.ok) return { failed: `The symcache could not be built: ${result.error}` };
  return JSON.parse(result.output) as BuilderPlan;
}

/**
 * Inflates one zlib-compressed section (an ELF compression header or `.zdebug` stream) into its
 * own R2 object, streaming: R2 -> DecompressionStream -> multipart upload.
 */
async function inflateSection(
  bucket: R2Bucket,
  manifest: FileManifest,
  section: { offset: number; size: number },
  key: string,
): Promise<number> {
  const inflated = streamFile(bucket, manifest, section.offset, section.offset + section.size).pipeThrough(
    new DecompressionStream("deflate"),
  );
  const out = new R2ObjectWriter(bucket, key);
  const reader = inflated.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await out.write(value);
    }
  } catch (err) {
    await out.abort();
    throw err;
  }
  return out.close();
}

/**
 * Whether the file has DWARF, the only thing that can refer to a dwz alternate file. A stripped
 * binary keeps its `.gnu_debugaltlink` (Debian's do) but has nothing that needs the alternate
 * file: it is built from its symbol table at once, without waiting for or mentioning that file.
 */
function hasDwarf(sections: readonly ElfSection[]): boolean {
  const NOBITS = 8;
  return sections.some(
    (s) => (s.name === ".debug_info" || s.name === ".zdebug_info") && s.type !== NOBITS && s.size > 0,
  );
}

/** The alternate file of a dwz'd file: uploaded to the same project (or, failing that, the org). */
async function findAltFile(
  env: Env,
  job: SymcacheJob,
  buildId: string,
): Promise<{ org: string; project: string; checksum: string; manifest: FileManifest } | null> {
  for (const catalog of [projectCatalog(env, job.org, job.project), orgCatalog(env, job.org)]) {
    const record = (await catalog.byCodeId(buildId)).find((r) => r.format === "elf");
    if (!record) continue;
    const manifest = await getManifest(env.BUCKET, record.org, record.project, record.checksum);
    if (manifest) return { org: record.org, project: record.project, checksum: record.checksum, manifest };
  }
  return null;
}
