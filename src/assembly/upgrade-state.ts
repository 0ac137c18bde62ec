/**
 * Reads a persisted FileState, including the single-record shape earlier versions of this
 * service wrote (`{job, phase, step, record, errorExpiresAt, ...}` with nullable fields), so an
 * upgrade in place loses no file: `ok` and `error` carry over, and anything in flight is
 * assembled again (assembly is idempotent).
 */
import type { DebugFileRecord } from "../common/debug-file";
import type { AssembleJob, FileState } from "./file-state";

interface LegacyState {
  job?: AssembleJob;
  phase?: string;
  step?: string | null;
  detail?: string | null;
  createdAt?: number;
  errorExpiresAt?: number | null;
  record?: DebugFileRecord | null;
}

const CURRENT_PHASES = new Set(["awaiting_chunks", "created", "assembling", "building", "registering", "ok", "error"]);

export function upgradeState(raw: unknown): FileState | null {
  if (typeof raw !== "object" || raw === null) return null;
  const legacy = raw as LegacyState;
  if (!("step" in legacy)) return CURRENT_PHASES.has(legacy.phase ?? "") ? (raw as FileState) : null;
  if (legacy.phase === "ok" && legacy.record) {
    return { phase: "ok", record: legacy.record, identity: null, build: null, unpublished: null };
  }
  if (!legacy.job) return null;
  if (legacy.phase === "error") {
    return {
      phase: "error",
      job: legacy.job,
      detail: legacy.detail ?? "An unknown error occurred",
      expiresAt: legacy.errorExpiresAt ?? 0,
    };
  }
  return { phase: "created", job: legacy.job, createdAt: legacy.createdAt ?? Date.now() };
}
