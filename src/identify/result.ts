/**
 * Small constructors for identification results, so every parser spells a failure the same way.
 */
import type { DebugFileIdentity, IdentifyFailure, IdentifyResult } from "./types";

export function identified(identity: DebugFileIdentity): IdentifyResult {
  return { ok: true, identity };
}

export function failed(reason: IdentifyFailure["reason"], detail: string): IdentifyResult {
  return { ok: false, failure: { reason, detail } };
}

/** The failure for a structurally broken file: `detail` says which part is broken. */
export function malformed(detail: string): IdentifyResult {
  return failed("malformed", detail);
}
