/**
 * Conditional and partial requests for stored debug files (RFC 9110 §13-14), reduced to what
 * symbol clients send: one `bytes=` range, `If-None-Match`, and `If-Range` with our strong ETag.
 *
 * A header we do not understand (another unit, several ranges, garbage) is ignored and the whole
 * file is served, as the RFC allows; only a well-formed single range that misses the file is 416.
 */

export type RangeDecision =
  /** Serve the whole representation (200). */
  | { kind: "full" }
  /** Serve bytes [start, end) (206). `end` is exclusive. */
  | { kind: "partial"; start: number; end: number }
  /** 416 with `Content-Range: bytes * /size`. */
  | { kind: "unsatisfiable" };

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function decideRange(header: string | null | undefined, size: number): RangeDecision {
  if (!header) return { kind: "full" };
  const m = SINGLE_RANGE.exec(header.trim());
  if (!m) return { kind: "full" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (!Number.isSafeInteger(n) || n === 0) return { kind: "unsatisfiable" };
    if (size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return { kind: "unsatisfiable" };
  if (start >= size) return { kind: "unsatisfiable" };
  if (last === "") return { kind: "partial", start, end: size };
  const lastByte = Number(last);
  if (!Number.isSafeInteger(lastByte) || lastByte < start) return { kind: "full" };
  return { kind: "partial", start, end: Math.min(lastByte + 1, size) };
}

/** `Content-Range` of a 206 answer. */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end - 1}/${size}`;
}

/** `Content-Range` of a 416 answer. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

/**
 * `If-None-Match` against our strong ETag: `*` or any listed tag (weak comparison, as the RFC
 * prescribes for this header, so `W/"x"` matches `"x"`).
 */
export function noneMatch(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = stripWeak(etag);
  return header.split(",").some((tag) => stripWeak(tag.trim()) === bare);
}

/**
 * `If-Range`: a range applies only while the representation is the one the client holds. Only a
 * strong, equal ETag keeps the range; dates are not trusted (a second-granularity date cannot
 * prove two uploads apart), so a date drops the range and the whole file is served.
 */
export function rangeStillValid(ifRange: string | null | undefined, etag: string): boolean {
  if (!ifRange) return true;
  const value = ifRange.trim();
  return !value.startsWith("W/") && value === etag;
}

function stripWeak(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
