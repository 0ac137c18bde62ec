/**
 * Which module an address belongs to, Symbolicator's rules: modules sorted by image address; a
 * missing or zero size reaches to the next module (the last one to infinity); an address maps to
 * the module with the greatest start at or below it, rejected only if it lies past a known end
 * (the end itself is accepted).
 */
import type { RawModule } from "./request";

export interface ModuleRange {
  index: number;
  start: bigint;
  /** Inclusive end, or null for "unbounded". */
  end: bigint | null;
}

export function moduleRanges(modules: RawModule[]): ModuleRange[] {
  const sorted = modules
    .map((m, index) => ({ m, index }))
    .filter(({ m }) => m.imageAddr !== 0n)
    .sort((a, b) => (a.m.imageAddr < b.m.imageAddr ? -1 : a.m.imageAddr > b.m.imageAddr ? 1 : a.index - b.index));
  return sorted.map(({ m, index }, i) => {
    const next = sorted[i + 1];
    let size = m.imageSize ?? 0n;
    if (size === 0n && next) size = next.m.imageAddr - m.imageAddr;
    return { index, start: m.imageAddr, end: size === 0n ? null : m.imageAddr + size };
  });
}

export function findModule(ranges: ModuleRange[], address: bigint): number | null {
  let lo = 0;
  let hi = ranges.length - 1;
  let found: ModuleRange | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as ModuleRange;
    if (r.start <= address) {
      found = r;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (!found) return null;
  if (found.end !== null && address > found.end) return null;
  return found.index;
}
