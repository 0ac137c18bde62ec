/**
 * The plan of a build in parts, stored in R2 by the prepare task and read by every unit and
 * merge task of the build: what the units are, which inflated sections and which dwz alternate
 * file they read, and the unit starts the builder needs for references across units.
 */
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
  /** [kind (1: .debug_info span, 2: symbol-table range, 3: Breakpad span), from, to], in build order. */
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
