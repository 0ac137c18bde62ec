/**
 * debuginfod (elfutils' protocol, served for gdb, debuginfod-find, llvm-symbolizer, perf, ...):
 *
 *   GET|HEAD /debuginfod/{org}/{project}/buildid/{build id}/debuginfo
 *   GET|HEAD /debuginfod/{org}/{project}/buildid/{build id}/executable
 *   GET|HEAD /debuginfod/{org}/{project}/buildid/{build id}/section/{name}
 *   GET|HEAD /debuginfod/{org}/{project}/buildid/{build id}/source/{absolute path}
 *   and the same under /debuginfod/{org}/buildid/... over every project of the organization.
 *
 * The build id is the GNU build id in hex (a stored ELF file's code id) or a Mach-O UUID in the
 * same form. Answers carry elfutils' headers: X-DEBUGINFOD-SIZE (bytes of the whole answer),
 * X-DEBUGINFOD-FILE (the stored object name, percent-encoded where it is not printable ASCII),
 * Last-Modified, Content-Length.
 *
 * Sections are served raw, compressed ones included (what debuginfod 0.188 does), read from the
 * stored file through its section table: the header tables are read with ranged reads, then only
 * the section's bytes are streamed. Sources come from source bundles uploaded for the same build
 * id (`sentry-cli debug-files upload --include-sources`); without one, `source` is 404 and clients
 * fall back to their local paths.
 */
import { Hono, type Context } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import type { DebugFileIdentity, ElfDetails } from "../identify/types";
import { identifyElf } from "../identify/elf";
import { getLayout, getManifest, ManifestReader } from "../storage/file-store";
import { findBundledSource, streamBundledSource } from "../symbol-server/source-bundle-files";
import type { DebugFileRecord } from "../common/debug-file";
import { asciiHeaderValue } from "../common/header-value";
import { parseBuildId } from "../symbol-server/ids";
import { chooseSection, sectionCandidates, selectDebuginfo, selectExecutable } from "../symbol-server/select";
import { serveStoredFile } from "./stored-file-response";
import { orgCatalog, projectCatalog } from "../durable-objects";

type App = { Bindings: Env; Variables: AuthVariables };
export const debuginfodRoutes = new Hono<App>();

/** Both forms: with a project, and org-wide. Org-wide routes come first: a project named `buildid` cannot shadow them. */
for (const prefix of ["/buildid", "/:project/buildid"]) {
  debuginfodRoutes.get(`${prefix}/:buildId/debuginfo`, requireAccess("read"), (c) => artifact(c, "debuginfo"));
  debuginfodRoutes.get(`${prefix}/:buildId/executable`, requireAccess("read"), (c) => artifact(c, "executable"));
  debuginfodRoutes.get(`${prefix}/:buildId/section/:section`, requireAccess("read"), section);
  debuginfodRoutes.get(`${prefix}/:buildId/source/*`, requireAccess("read"), source);
}

/** Newest first: the project's catalog, or the org-wide index when no project is named. */
async function candidates(c: Context<App>): Promise<DebugFileRecord[]> {
  const buildId = parseBuildId(c.req.param("buildId") ?? "");
  if (!buildId) throw ApiError.notFound();
  const { org, project } = c.var;
  const catalog = project === "" ? orgCatalog(c.env, org) : projectCatalog(c.env, org, project);
  return catalog.byCodeId(buildId);
}

function debuginfodHeaders(record: DebugFileRecord, size: number): Record<string, string> {
  return { "X-DEBUGINFOD-SIZE": String(size), "X-DEBUGINFOD-FILE": asciiHeaderValue(record.objectName) };
}

async function artifact(c: Context<App>, which: "debuginfo" | "executable"): Promise<Response> {
  const records = await candidates(c);
  const record = which === "debuginfo" ? selectDebuginfo(records) : selectExecutable(records);
  if (!record) throw ApiError.notFound();
  return serveStoredFile(c, c.env.BUCKET, { record, headers: debuginfodHeaders(record, record.size) });
}

async function source(c: Context<App>): Promise<Response> {
  // The path after `/source`, as the client percent-encoded it: `/build/src/main.c`.
  const marker = "/source/";
  const raw = new URL(c.req.url).pathname;
  const path = decodeURIComponent(raw.slice(raw.indexOf(marker) + marker.length - 1));
  for (const record of (await candidates(c)).filter((r) => r.format === "sourcebundle")) {
    const manifest = await getManifest(c.env.BUCKET, record.org, record.project, record.checksum);
    if (!manifest) continue;
    const found = await findBundledSource(new ManifestReader(c.env.BUCKET, manifest), path);
    if (!found) continue;
    const headers = {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": String(found.entry.size),
      "X-DEBUGINFOD-SIZE": String(found.entry.size),
      "X-DEBUGINFOD-FILE": asciiHeaderValue(path),
      "Last-Modified": new Date(record.createdAt).toUTCString(),
      "Cache-Control": "private, max-age=3600",
    };
    if (c.req.method === "HEAD") return new Response(null, { headers });
    return new Response(streamBundledSource(c.env.BUCKET, manifest, found), { headers });
  }
  throw ApiError.notFound();
}

async function section(c: Context<App>): Promise<Response> {
  const name = c.req.param("section") as string;
  for (const record of sectionCandidates(await candidates(c))) {
    const sections = await elfSections(c.env.BUCKET, record);
    if (!sections) continue;
    const choice = chooseSection(sections, name, record.size);
    if (!choice.ok) continue;
    return serveStoredFile(c, c.env.BUCKET, {
      record,
      window: { offset: choice.offset, size: choice.size },
      headers: debuginfodHeaders(record, choice.size),
    });
  }
  throw ApiError.notFound();
}

/**
 * The section table identification kept with the file; files assembled before it was kept are
 * identified again (a few ranged reads).
 */
async function elfSections(bucket: R2Bucket, record: DebugFileRecord): Promise<ElfDetails["sections"] | null> {
  const layout = await getLayout<DebugFileIdentity>(bucket, record.org, record.project, record.checksum);
  if (layout?.format === "elf") return layout.details.sections;
  const manifest = await getManifest(bucket, record.org, record.project, record.checksum);
  if (!manifest) return null;
  const identified = await identifyElf(new ManifestReader(bucket, manifest));
  return identified.ok && identified.identity.format === "elf" ? identified.identity.details.sections : null;
}
