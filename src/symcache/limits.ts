/**
 * How builds are cut, tunable per deployment through variables (wrangler.toml `[vars]`).
 *
 * A file whose builder input (DWARF sections and symbol tables) is at most SYMCACHE_FAST_BYTES
 * is built in the invocation that plans it; larger files are cut into units of about
 * SYMCACHE_UNIT_BYTES of `.debug_info` and SYMCACHE_SYMBOLS_PER_UNIT symbols, each built by its
 * own queue message, and merged MERGE_FAN_IN runs at a time. The defaults keep every invocation
 * well inside an isolate's 128 MB (measured in bench/symcache-build).
 */
import type { Env } from "../env";

export interface BuildLimits {
  fastBytes: number;
  unitBytes: number;
  symbolsPerUnit: number;
  /** Read-ahead per run while merging: memory is fan-in x this, R2 reads are run bytes / this. */
  mergeBlockBytes: number;
}

export const DEFAULT_LIMITS: BuildLimits = {
  fastBytes: 24 * 1024 * 1024,
  unitBytes: 16 * 1024 * 1024,
  symbolsPerUnit: 400_000,
  mergeBlockBytes: 512 * 1024,
};

export function limitsFrom(env: Pick<Env, "SYMCACHE_FAST_BYTES" | "SYMCACHE_UNIT_BYTES">): BuildLimits {
  const number = (text: string | undefined, fallback: number) => {
    const n = Number(text);
    return text !== undefined && text !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    ...DEFAULT_LIMITS,
    fastBytes: number(env.SYMCACHE_FAST_BYTES, DEFAULT_LIMITS.fastBytes),
    unitBytes: Math.max(1, number(env.SYMCACHE_UNIT_BYTES, DEFAULT_LIMITS.unitBytes)),
  };
}
