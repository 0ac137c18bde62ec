/**
 * A project's pages: the debug-file list and its live region, a file's page, its download, and
 * its deletion (confirmation page, then a POST with the CSRF token; refused without a delete scope).
 */
import { Hono, type Context } from "hono";
import { parseDebugId } from "../../identify/debug-id-parse";
import type { FileFormat } from "../../common/debug-file";
import { contentTag } from "../assets";
import { paths, type UiApp } from "../context";
import {
  deleteFile,
  downloadFile,
  filesSharingIds,
  getFile,
  isSlug,
  listFiles,
  uploadsInFlight,
  type DebugFileRecord,
} from "../data";
import { parseCursor } from "../../routes/cursor";
import { ErrorPage, notFoundPage } from "../pages/error";
import { DeletePage, FilePage } from "../pages/file";
import { FORMATS, FilesLiveRegion, FilesPage, type FilesView } from "../pages/files";
import { publicOrigin, renderToString } from "../render";
import { checkPost } from "../security";
import { symbolServerUrls } from "../symbol-urls";

export const fileRoutes = new Hono<UiApp>();

/** Rows per page: 25 keeps a page of long names well under 100 KB of HTML. */
export const PER_PAGE = 25;

fileRoutes.use("*", async (c: Context<UiApp>, next) => {
  if (!isSlug(c.req.param("project") ?? "")) return notFoundPage(c, c.get("viewer"));
  await next();
});

const project = (c: Context<UiApp>) => c.req.param("project") as string;

async function filesView(c: Context<UiApp>): Promise<FilesView> {
  const viewer = c.get("viewer");
  const search = (c.req.query("query") ?? "").slice(0, 200);
  const formatParam = c.req.query("format") ?? "";
  const format = (FORMATS as string[]).includes(formatParam) ? (formatParam as FileFormat) : null;
  const cursor = parseCursor(c.req.query("cursor"));
  const [page, uploads] = await Promise.all([
    listFiles(c.env, viewer.org, project(c), { search, format, cursor, perPage: PER_PAGE }),
    uploadsInFlight(c.env, viewer.org, project(c)),
  ]);
  return {
    viewer,
    project: project(c),
    search,
    format,
    files: page.files,
    links: page.links,
    uploads,
    firstPage: cursor === null,
    now: Date.now(),
    origin: publicOrigin(c.env, c.req.url),
  };
}

async function region(view: FilesView): Promise<{ html: string; etag: string }> {
  const html = await renderToString(<FilesLiveRegion view={view} />);
  return { html, etag: `"${contentTag(html)}"` };
}

fileRoutes.get("/", async (c) => {
  const view = await filesView(c);
  const { html, etag } = await region(view);
  const deleted = parseDebugId(c.req.query("deleted") ?? "") ?? null;
  // The region's markup without its wrapper: the page puts it into its own live element.
  const inner = html.replace(/^<div>/, "").replace(/<\/div>$/, "");
  return c.html(<FilesPage view={view} region={inner} etag={etag} deleted={deleted} />);
});

fileRoutes.get("/live", async (c) => {
  const { html, etag } = await region(await filesView(c));
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, { ETag: etag });
  return c.html(html, 200, { ETag: etag });
});

async function fileOr404(c: Context<UiApp>): Promise<DebugFileRecord | null> {
  const id = c.req.param("id") ?? "";
  return /^\d{1,15}$/.test(id) ? getFile(c.env, c.get("viewer").org, project(c), id) : null;
}

fileRoutes.get("/files/:id", async (c) => {
  const record = await fileOr404(c);
  if (!record) return notFoundPage(c, c.get("viewer"));
  const shared = await filesSharingIds(c.env, record);
  const urls = symbolServerUrls({ record, ...shared, origin: publicOrigin(c.env, c.req.url) });
  const siblings = [...shared.byDebugId, ...shared.byCodeId].filter(
    (r, i, all) => all.findIndex((o) => o.id === r.id) === i,
  );
  return c.html(<FilePage viewer={c.get("viewer")} record={record} urls={urls} siblings={siblings} />);
});

fileRoutes.get("/files/:id/download", async (c) => {
  const record = await fileOr404(c);
  if (!record) return notFoundPage(c, c.get("viewer"));
  return downloadFile(c, c.env, record);
});

const cannotDelete = (c: Context<UiApp>) =>
  c.html(
    <ErrorPage
      viewer={c.get("viewer")}
      status={403}
      title="Your token cannot delete files"
      message="Deleting needs a token with project:write, project:admin or project:releases. Sign in with such a token to delete."
    />,
    403,
  );

fileRoutes.get("/files/:id/delete", async (c) => {
  if (!c.get("viewer").canDelete) return cannotDelete(c);
  const record = await fileOr404(c);
  if (!record) return notFoundPage(c, c.get("viewer"));
  return c.html(<DeletePage viewer={c.get("viewer")} record={record} />);
});

fileRoutes.post("/files/:id/delete", async (c) => {
  const viewer = c.get("viewer");
  const form = await c.req.parseBody();
  if (!checkPost(c, viewer.csrf, form.csrf).ok) {
    return c.html(
      <ErrorPage
        viewer={viewer}
        status={403}
        title="Not deleted"
        message="The form was stale or came from another site. Open the file's page again and delete from there."
      />,
      403,
    );
  }
  if (!viewer.canDelete) return cannotDelete(c);
  const id = c.req.param("id");
  const removed = /^\d{1,15}$/.test(id) ? await deleteFile(c.env, viewer.org, project(c), id) : null;
  if (!removed) return notFoundPage(c, viewer);
  return c.redirect(`${paths.files(viewer.org, project(c))}?deleted=${encodeURIComponent(removed.debugId)}`, 303);
});
