/**
 * GET    /api/0/projects/{org}/{project}/files/dsyms/            list (Sentry's filters, cursors)
 * GET    /api/0/projects/{org}/{project}/files/dsyms/?id=<id>    download the file
 * DELETE /api/0/projects/{org}/{project}/files/dsyms/?id=<id>    remove it
 *
 * The list is what Symbolicator's `sentry` source reads: `debug_id`/`code_id` lookups, then a
 * download by `id`. Downloads stream from the chunk objects and never hold the file (with Range,
 * ETag and HEAD, as on the symbol-server routes).
 */
import { Hono, type Context } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { deleteDebugFile } from "../assembly/delete-debug-file";
import { cursorWindow, pageLinks, parseCursor, type PageLinks } from "./cursor";
import { downloadDebugFile } from "./debug-file-download";
import { toSentryDif } from "./dif";
import { parseDebugId } from "../identify/debug-id-parse";
import { projectCatalog } from "../durable-objects";

type App = { Bindings: Env; Variables: AuthVariables };
export const debugFileRoutes = new Hono<App>();

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

function catalog(c: Context<App>) {
  return projectCatalog(c.env, c.var.org, c.var.project);
}

debugFileRoutes.get("/", requireAccess("read"), async (c) => {
  const id = c.req.query("id");
  if (id !== undefined) {
    const record = await catalog(c).get(id);
    if (!record) throw ApiError.notFound();
    return downloadDebugFile(c, c.env.BUCKET, record);
  }

  const perPage = Math.min(
    Math.max(Number(c.req.query("per_page") ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE, 1),
    MAX_PER_PAGE,
  );
  const cursor = parseCursor(c.req.query("cursor"));
  let debugId = c.req.query("debug_id") ? (parseDebugId(c.req.query("debug_id") as string) ?? "invalid") : undefined;
  let query = c.req.query("query")?.trim() || undefined;
  // A short query that reads as a debug id is a debug-id lookup, as in Sentry.
  if (query && !debugId && query.length <= 45 && parseDebugId(query)) {
    debugId = parseDebugId(query);
    query = undefined;
  }
  const codeId = c.req.query("code_id")?.toLowerCase() || undefined;
  const formats = c.req.queries("file_formats") ?? [];
  const rows = await catalog(c).list({
    ...(debugId ? { debugId } : {}),
    ...(codeId ? { codeId } : {}),
    ...(query ? { query } : {}),
    formats,
    ...cursorWindow(cursor),
    limit: perPage + 1,
  });
  // One row beyond the page, on the side the cursor moves to, tells whether there is more.
  const more = rows.length > perPage;
  const page =
    cursor?.direction === "previous"
      ? rows.slice(rows.length - Math.min(rows.length, perPage))
      : rows.slice(0, perPage);
  c.header(
    "Link",
    linkHeader(
      c.req.url,
      pageLinks(
        page.map((r) => Number(r.id)),
        cursor,
        more,
      ),
    ),
  );
  return c.json(page.map(toSentryDif));
});

debugFileRoutes.delete("/", requireAccess("delete"), async (c) => {
  const id = c.req.query("id");
  if (!id) throw ApiError.notFound();
  const removed = await deleteDebugFile(c.env, c.var.org, c.var.project, id);
  if (!removed) throw ApiError.notFound();
  return c.body(null, 204);
});

/** Sentry's cursor Link header: `<url>; rel="previous|next"; results="true|false"; cursor="..."`. */
function linkHeader(url: string, links: PageLinks): string {
  const base = new URL(url);
  const link = (rel: string, { cursor, results }: { cursor: string; results: boolean }) => {
    base.searchParams.set("cursor", cursor);
    return `<${base.toString()}>; rel="${rel}"; results="${results}"; cursor="${cursor}"`;
  };
  return [link("previous", links.previous), link("next", links.next)].join(", ");
}
