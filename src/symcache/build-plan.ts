/**
 * The plan of a build in parts, stored in R2 by the prepare task and read by every unit and
 * merge task of the build: what the units are, which inflated sections and which dwz alternate
 * file they read, and the unit starts the builder needs for references across units.
 */
import type { BuildReport } from "./build-file";
import { buildKey } from "../storage/keys";
import type { InputKind } from "./build-host";
import type { SymcacheJob } from "./build-task";

export interface StoredPlan {
  version: 1;
  kind: InputKind;
  inputBytes: number;
  /** The dwz alternate file the build reads as source 1. */
  alt: { org: string; project: string; checksum: string } | null;
  /** Inflated sections, read as sources 2, 3, ... in this order. */
  materialized: { section: number; key: string; size: number }[];
  /** The BCSymbolMap of a bitcode dSYM, read after them (absent in plans from before). */
  symbolMap?: { org: string; project: string; checksum: string } | null;
  /**
   * [kind (1: .debug_info span, 2: symbol-table range, 3: Breakpad span, 4: run of PDB modules,
   * 5: PDB publics), from, to], in build order.
   */
  units: [number, number, number][];
  unitOffsets: number[];
  supUnitOffsets: number[];
}

const NAME = "plan.json";

export async function putPlan(bucket: R2Bucket, job: SymcacheJob, plan: StoredPlan): Promise<void> {
  await bucket.put(buildKey(job.org, job.project, job.checksum, job.build, NAME), JSON.stringify(plan), {
    httpMetadata: { contentType: "application/json" },
  });
}

export async function getPlan(bucket: R2Bucket, job: SymcacheJob): Promise<StoredPlan | null> {
  const object = await bucket.get(buildKey(job.org, job.project, job.checksum, job.build, NAME));
  if (!object) return null;
  const plan = await object.json<StoredPlan>();
  return plan.version === 1 ? plan : null;
}

/** R2 key of run `index` of merge level `level` (level 0: the units' runs). */
export function runKey(job: SymcacheJob, level: number, index: number): string {
  return buildKey(job.org, job.project, job.checksum, job.build, `run-${level}-${index}`);
}

type DwarfCounts = Pick<BuildReport, "dwarfUnitsRead" | "dwarfUnitsSkipped" | "dwarfUnreadableFrom">;

/**
 * R2: an empty object whose name holds the DWARF units unit task `index` read and skipped
 * (`dwarf-{index}-{read}-{skipped}-{malformed from, or x}`): one list gives the final merge them all.
 */
export function dwarfCountsKey(job: SymcacheJob, index: number, counts: DwarfCounts): string {
  const from = counts.dwarfUnreadableFrom ?? "x";
  return `${dwarfCountsPrefix(job)}${index}-${counts.dwarfUnitsRead}-${counts.dwarfUnitsSkipped}-${from}`;
}

export function dwarfCountsPrefix(job: SymcacheJob): string {
  return buildKey(job.org, job.project, job.checksum, job.build, "dwarf-");
}

export function parseDwarfCountsKey(job: SymcacheJob, key: string): DwarfCounts | null {
  const m = /^\d+-(\d+)-(\d+)-(\d+|x)$/.exec(key.slice(dwarfCountsPrefix(job).length));
  if (!m) return null;
  return {
    dwarfUnitsRead: Number(m[1]),
    dwarfUnitsSkipped: Number(m[2]),
    dwarfUnreadableFrom: m[3] === "x" ? null : Number(m[3]),
  };
}
