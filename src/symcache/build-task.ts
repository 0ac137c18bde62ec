/**
 * The contract between a file's Durable Object (which orchestrates a symcache build) and the
 * queue consumer (which does the work): what a message asks for and what the consumer reports.
 *
 * A build runs in stages:
 *   prepare   one task: reads the file's layout; a small file is built right there (the fast
 *             path: one message, one invocation), a large one is cut into units (a plan in R2);
 *   units     one task per unit: each builds a sorted run from its part of the file;
 *   merge     levels of k-way merges of at most MERGE_FAN_IN runs each, the last one writing
 *             the final, paged symcache.
 * A message names its build (an id that changes whenever a build starts afresh) and its task, so
 * a redelivered or re-sent message finds its work done (or its build gone) and does nothing.
 */

/** Runs one merge task reads at once: its memory is one page per input. */
export const MERGE_FAN_IN = 32;

export type BuildStage = "prepare" | "units" | "merge";

export interface BuildTask {
  stage: BuildStage;
  /** Index of the task within its stage (merge: within its level). */
  index: number;
  /** Merge only: the level (1 = merging the units' runs) and whether it writes the symcache. */
  level?: number;
  final?: boolean;
}

/** A queue message. Every field is needed to find the work; the rest lives in the Durable Object and R2. */
export interface SymcacheJob {
  org: string;
  project: string;
  checksum: string;
  build: string;
  task: BuildTask;
}

/** What a finished task reports to the file's Durable Object. */
export type TaskOutcome =
  /** The symcache is written (the prepare task's fast path, or the final merge). */
  | { status: "built"; size: number; note?: string }
  /** The prepare task cut the file into `units` units (plan written to R2). */
  | { status: "planned"; units: number; note?: string }
  /** A unit's run or an intermediate merge's run is written. */
  | { status: "done" }
  /** The file cannot be converted: `detail` says why. Not retried. */
  | { status: "failed"; detail: string };

/** The merge tasks of one level over `inputs` runs of the level below. */
export function mergeLevel(inputs: number): { tasks: number; final: boolean } {
  const tasks = Math.max(1, Math.ceil(inputs / MERGE_FAN_IN));
  return { tasks, final: tasks === 1 };
}

/** The inputs [from, to) of merge task `index` over `inputs` runs. */
export function mergeInputs(index: number, inputs: number): { from: number; to: number } {
  const from = index * MERGE_FAN_IN;
  return { from, to: Math.min(inputs, from + MERGE_FAN_IN) };
}
