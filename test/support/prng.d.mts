/** Types for prng.mjs. */
export function fnv1a32(text: string): number;
export function mulberry32(seed: number): () => number;
export interface Stream {
  next: () => number;
  /** An integer in [lo, hi], both ends included. */
  int: (lo: number, hi: number) => number;
  pick: <T>(items: readonly T[]) => T;
  chance: (p: number) => boolean;
  sample: <T>(items: readonly T[], count: number) => T[];
}
export function rng(seed: number | string, label?: string): Stream;
