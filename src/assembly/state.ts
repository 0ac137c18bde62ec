/**
 * The state of one debug file, kept by its Durable Object (the source of truth) and mirrored in KV.
 *
 *   (none) --assemble call, all chunks owned--> created --alarm--> assembling
 *   assembling(step: assemble) --identified, symcache wanted--> assembling(step: symcache)
 *   assembling --done--> ok            assembling --failure--> error (expires after 300 s)
 *
 * `created` and `assembling` are both "pending" to sentry-cli. An `error` is shown for 300 s and
 * then forgotten, so a later rerun of the upload tries again. `ok` is permanent until deleted.
 */
import type { DebugFileIdentity } from "../identify/types";
import type { DebugFileRecord, NewDebugFileRecord } from "../storage/project-catalog";

export type Phase = "created" | "assembling" | "ok" | "error";

export interface AssembleJob {
  org: string;
  project: string;
  checksum: string;
  name: string;
  debugId?: string;
  chunks: string[];
}

export interface FileState {
  job: AssembleJob;
  phase: Phase;
  step: "assemble" | "symcache" | null;
  detail: string | null;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  /** When the symcache job was first enqueued, and last (re-)sent. */
  symcacheSince: number | null;
  symcacheSentAt: number | null;
  /** When a consumer last picked the job up (it asks `symcacheRequest` first). */
  symcacheStartedAt: number | null;
  errorExpiresAt: number | null;
  identity: DebugFileIdentity | null;
  /** Set while waiting for the symcache: the record that will be registered. */
  pending: NewDebugFileRecord | null;
  record: DebugFileRecord | null;
}

/** What the assemble route answers for one file (Sentry's ChunkFileState + payload). */
export type AssembleAnswer =
  | { state: "ok"; record: DebugFileRecord; detail: string | null }
  | { state: "error"; detail: string }
  | { state: "created" | "assembling" }
  | { state: "not_found"; missingChunks: string[] };

/** Errors are remembered this long, as Sentry's status cache did (300 s at the seed commit). */
export const ERROR_TTL_SECONDS = 300;
/** Assembly attempts (alarm runs) before a file is declared failed. */
export const MAX_ASSEMBLY_ATTEMPTS = 5;
/** Without word from the consumer, the symcache job is re-sent this often... */
export const SYMCACHE_REDRIVE_MS = 60_000;
/** ...until this deadline, after which the file fails with a clear error. */
export const SYMCACHE_DEADLINE_MS = 15 * 60_000;
/** A poll finding the symcache job unanswered this long re-sends it (the message may be lost). */
export const SYMCACHE_RESEND_MS = 20_000;
/** ...unless a consumer picked it up less than this long ago (a build takes seconds). */
export const SYMCACHE_BUILD_TIMEOUT_MS = 5 * 60_000;
/** A running assembly re-arms a watchdog alarm this far ahead, so a crash is re-driven. */
export const ASSEMBLY_WATCHDOG_MS = 5 * 60_000;
