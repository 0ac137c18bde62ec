/**
 * The state of one debug file, kept by its Durable Object (the source of truth) and mirrored in
 * KV, as a union per phase: each phase carries exactly the fields that exist in it.
 *
 *   (none) ──assemble, chunks missing──> awaiting_chunks ──assemble, all owned──> created
 *   (none) ──assemble, all owned──> created ──alarm──> assembling
 *   assembling ──identified, symcache wanted──> building ──symcache built──> registering ──> ok
 *   assembling ──identified, no symcache possible──> registering ──> ok
 *   building ──still building after OK_AFTER_MS──> registering ──> ok (build continues) ──> ok
 *   assembling | building ──failure──> error (expires after ERROR_TTL_SECONDS, then forgotten)
 *
 * The timeline of every watchdog is in docs/assembly-timeline.md; the transitions are pure
 * functions in transitions.ts.
 */
import type { DebugFileRecord, NewDebugFileRecord, SymcacheOutcome } from "../common/debug-file";
import type { DebugFileIdentity } from "../identify/types";
import type { BuildStage } from "../symcache/build-task";

export interface AssembleJob {
  org: string;
  project: string;
  checksum: string;
  name: string;
  debugId?: string;
  chunks: string[];
}

/** One task of the current build stage, as far as the Durable Object knows. */
export interface TaskProgress {
  /** When its message was last sent. */
  sentAt: number;
  /** When a consumer last picked it up, or null. */
  startedAt: number | null;
  done: boolean;
}

/** A symcache build in progress. */
export interface BuildState {
  /** Changes whenever a build starts afresh; messages and R2 keys of other builds are ignored. */
  id: string;
  since: number;
  /** The build fails (or, once the file is ok, ends without a symcache) at this time. */
  deadline: number;
  stage: BuildStage;
  /** Merge stage: the level being merged (1 = the units' runs). */
  level: number;
  /** Runs produced by the previous stage (units, or the merges of the level below). */
  inputs: number;
  /** The final task writes the symcache (prepare before planning; the last merge level). */
  final: boolean;
  tasks: TaskProgress[];
  /**
   * When a task of this build last started or finished (absent in states saved before it
   * existed). While tasks keep moving, the ones not yet picked up are waiting their turn in the
   * queue, not lost, and are not sent again.
   */
  progressAt?: number;
  /** A caveat found while preparing (e.g. a dwz alternate file that was not uploaded). */
  note?: string;
}

export type FileState =
  /** Told the client which chunks to upload; remembered so the call after the upload answers `created`. */
  | { phase: "awaiting_chunks"; job: AssembleJob; since: number }
  | { phase: "created"; job: AssembleJob; createdAt: number }
  | { phase: "assembling"; job: AssembleJob; createdAt: number; attempts: number }
  | {
      phase: "building";
      job: AssembleJob;
      createdAt: number;
      attempts: number;
      identity: DebugFileIdentity;
      record: NewDebugFileRecord;
      build: BuildState;
    }
  | {
      phase: "registering";
      job: AssembleJob;
      createdAt: number;
      attempts: number;
      identity: DebugFileIdentity | null;
      record: NewDebugFileRecord;
      /** A build that goes on after the file is registered (it took longer than OK_AFTER_MS). */
      build: BuildState | null;
    }
  | {
      phase: "ok";
      record: DebugFileRecord;
      identity: DebugFileIdentity | null;
      build: BuildState | null;
      /** The finished build's outcome, until the catalogs have it. */
      unpublished: SymcacheOutcome | null;
    }
  | { phase: "error"; job: AssembleJob; detail: string; expiresAt: number };

export type Phase = FileState["phase"];

/** What the assemble route answers for one file (Sentry's ChunkFileState + payload). */
export type AssembleAnswer =
  | { state: "ok"; record: DebugFileRecord; detail: string | null }
  | { state: "error"; detail: string }
  | { state: "created" | "assembling" }
  | { state: "not_found"; missingChunks: string[] };

/** The timeline (docs/assembly-timeline.md has it as one table). */
export const TIMELINE = {
  /** Errors are remembered this long, as Sentry's status cache did (300 s at the 2018 seed commit). */
  errorTtlMs: 300_000,
  /** A running assembly re-arms its alarm this far ahead, so a crash is re-driven. */
  assemblyWatchdogMs: 5 * 60_000,
  /** Assembly attempts (alarm runs) before a file is declared failed. */
  maxAssemblyAttempts: 5,
  /** While a symcache builds, the alarm looks at its tasks this often. */
  buildAlarmMs: 60_000,
  /** A task nobody picked up is sent again after this long (at an alarm)... */
  resendMs: 60_000,
  /** ...or this long when someone polls for the file. */
  pollResendMs: 20_000,
  /**
   * A task picked up but silent this long is sent again (its consumer died and its message is
   * gone: local queues forget pending messages on restart). Tasks are bounded by their unit
   * (a 16 MiB unit takes seconds; the final merge of a 256 MiB file 4 s), so two minutes is
   * far beyond a live one; a resend of a live task only repeats work that writes the same keys.
   */
  taskTimeoutMs: 2 * 60_000,
  /** A build still running this long after the assembly is scheduled answers `ok` (sentry-cli waits 5 min). */
  okAfterMs: 4 * 60_000,
  /** Catalog registration is retried this often until it succeeds. */
  registerRetryMs: 30_000,
  /** A `not_found` answer is remembered this long (see `awaiting_chunks`). */
  awaitingChunksMs: 60 * 60_000,
} as const;

/** The build deadline: 15 minutes, plus one per 64 MiB of file (a 2 GiB file gets 47). */
export function buildDeadlineMs(fileSize: number): number {
  return 15 * 60_000 + Math.ceil(fileSize / (64 * 1024 * 1024)) * 60_000;
}
