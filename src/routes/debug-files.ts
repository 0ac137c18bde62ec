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
import { filePrefix } from "../storage/keys";
import type { DebugFileRecord } from "../common/debug-file";
import { toSentryDif } from "./dif";
import { serveStoredFile } from "./stored-file-response";
import { parseDebugId } from "../identify/debug-id-parse";
import { debugFileObject, orgCatalog, projectCatalog } from "../durable-objects";

type App = { Bindings: Env; Variables: AuthVariables };
export const debugFileRoutes = new Hono<App>();

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

function catalog(c: Context<App>) {
  return projectCatalog(c.env, c.var.org, c.var.project);
}

debugFileRoutes.get("/", requireAccess("read"), async (c) => {
  const id = c.req.query("id");
  if (id !== undefined) return download(c, id);

  const perPage = Math.min(
    Math.max(Number(c.req.query("per_page") ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE, 1),
    MAX_PER_PAGE,
  );
  const cursor = /^(\d+):0:0$/.exec(c.req.query("cursor") ?? "");
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
    ...(cursor ? { beforeId: Number(cursor[1]) } : {}),
    limit: perPage + 1,
  });
  const page = rows.slice(0, perPage);
  c.header("Link", linkHeader(c.req.url, page, rows.length > perPage, cursor?.[0] ?? null));
  return c.json(page.map(toSentryDif));
});

debugFileRoutes.delete("/", requireAccess("delete"), async (c) => {
  const id = c.req.query("id");
  if (!id) throw ApiError.notFound();
  const removed = await catalog(c).remove(id);
  if (!removed) throw ApiError.notFound();
  const { org, project, checksum } = removed;
  await orgCatalog(c.env, org).removeFile(project, checksum);
  const objects = await c.env.BUCKET.list({ prefix: filePrefix(org, project, checksum) });
  if (objects.objects.length > 0) await c.env.BUCKET.delete(objects.objects.map((o) => o.key));
  await debugFileObject(c.env, org, project, checksum).forget();
  return c.body(null, 204);
});

async function download(c: Context<App>, id: string): Promise<Response> {
  const record = await catalog(c).get(id);
  if (!record) throw ApiError.notFound();
  return serveStoredFile(c, c.env.BUCKET, {
    record,
    headers: { "Content-Disposition": `attachment; filename="${downloadName(record)}"` },
  });
}

/** Sentry names downloads after the debug id plus an extension for the format. */
function downloadName(record: DebugFileRecord): string {
  const ext: Record<string, string> = {
    breakpad: ".sym",
    macho: record.kind === "exe" ? "" : ".dSYM",
    elf: record.kind === "exe" ? "" : ".debug",
    pe: record.kind === "lib" ? ".dll" : ".exe",
    pdb: ".pdb",
    portablepdb: ".pdb",
    sourcebundle: ".src.zip",
    wasm: ".wasm",
  };
  return `${record.debugId}${ext[record.format] ?? ""}`;
}

/** Sentry's cursor Link header: `<url>; rel="previous|next"; results="true|false"; cursor="..."`. */
function linkHeader(url: string, page: DebugFileRecord[], more: boolean, current: string | null): string {
  const base = new URL(url);
  const link = (rel: string, cursor: string, results: boolean) => {
    base.searchParams.set("cursor", cursor);
    return `<${base.toString()}>; rel="${rel}"; results="${results}"; cursor="${cursor}"`;
  };
  const last = page[page.length - 1];
  const next = last ? `${last.id}:0:0` : "0:0:0";
  return [link("previous", current ?? "0:0:1", false), link("next", next, more)].join(", ");
}
