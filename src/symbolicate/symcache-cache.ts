/**
 * Parsed symcaches kept in the isolate between requests, bounded by their total size: a hot
 * module is read from R2 once, and the isolate never holds more than CACHE_BYTES of them (the
 * whole isolate has 128 MB). Keyed by file checksum: a symcache never changes for a given file.
 */
export const CACHE_BYTES = 32 * 1024 * 1024;

interface Entry<T> {
  value: T;
  bytes: number;
}

export class SizeBoundedCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private total = 0;
  constructor(private readonly limit: number) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry); // most recently used last
    return entry.value;
  }

  set(key: string, value: T, bytes: number): void {
    if (bytes > this.limit) return; // too big to keep: served, not cached
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.limit) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  get size(): number {
    return this.total;
  }
}
