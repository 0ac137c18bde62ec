/**
 * Sentry's list cursors, `<value>:<offset>:<is_prev>` (sentry/utils/cursors.py), over the
 * catalog's row ids: `<id>:0:0` is the page of files older than row `id` (next), `<id>:0:1` the
 * page of files newer than it (previous). The offset is always 0 here: ids are unique, so a page
 * never needs to skip rows of an equal value. The API's Link header and the web page's buttons
 * use the same cursors.
 */

export type Cursor = { direction: "next" | "previous"; id: number };

export function parseCursor(text: string | undefined): Cursor | null {
  const m = /^(\d{1,15}):0:([01])$/.exec(text ?? "");
  if (!m) return null;
  return { direction: m[2] === "1" ? "previous" : "next", id: Number(m[1]) };
}

export function formatCursor(cursor: Cursor): string {
  return `${cursor.id}:0:${cursor.direction === "previous" ? 1 : 0}`;
}

/** The catalog window a cursor asks for. */
export function cursorWindow(cursor: Cursor | null): { beforeId?: number; afterId?: number } {
  if (!cursor) return {};
  return cursor.direction === "next" ? { beforeId: cursor.id } : { afterId: cursor.id };
}

export interface PageLinks {
  previous: { cursor: string; results: boolean };
  next: { cursor: string; results: boolean };
}

/**
 * Cursors around a page of rows (ids newest first) fetched with one extra row beyond the page in
 * the cursor's direction (`moreInDirection`). A page reached going forward has newer rows before
 * it; one reached going back has older rows after it. An empty page links nowhere: the page
 * offers the first page instead.
 */
export function pageLinks(ids: readonly number[], cursor: Cursor | null, moreInDirection: boolean): PageLinks {
  const first = ids[0];
  const last = ids[ids.length - 1];
  const back = cursor?.direction === "previous";
  const forward = cursor?.direction === "next";
  return {
    previous: {
      cursor: formatCursor({ direction: "previous", id: first ?? 0 }),
      results: first !== undefined && (forward || (back && moreInDirection)),
    },
    next: {
      cursor: formatCursor({ direction: "next", id: last ?? 0 }),
      results: last !== undefined && (back || (!back && moreInDirection)),
    },
  };
}
