/**
 * Breakpad symbol store (Tecken's and Socorro's layout, Symbolicator's `native` Breakpad path,
 * rust-minidump's `--symbols-url`):
 *
 *   GET|HEAD /breakpad/{org}/{project}/{debug file}/{DEBUG ID}/{debug file without extension}.sym
 *
 * The id is in Breakpad form (32 hex digits + age), any case. `libfoo.so.sym` is accepted too,
 * since that is what Symbolicator and Tecken ask for on Linux. The debug file must be the stored
 * file's object name or the name on its MODULE line (sentry-cli names the upload after the file
 * on disk, which need not be the module's name).
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { getManifest, ManifestReader } from "../storage/file-store";
import type { DebugFileRecord } from "../common/debug-file";
import { breakpadModuleName, parseBreakpadPath, sameFileName, withoutExtension } from "../symbol-server/ids";
import { serveStoredFile } from "./stored-file-response";
import { projectCatalog } from "../durable-objects";

type App = { Bindings: Env; Variables: AuthVariables };
export const breakpadStoreRoutes = new Hono<App>();

/** The MODULE line is within the first 320 bytes (identify/breakpad.ts). */
const HEAD_BYTES = 320;
/** Files per request whose MODULE line is read when the object name does not match. */
const MAX_MODULE_READS = 4;

breakpadStoreRoutes.get("/:debugFile/:id/:symName", requireAccess("read"), async (c) => {
  const lookup = parseBreakpadPath(c.req.param("debugFile"), c.req.param("id"), c.req.param("symName"));
  if (!lookup) throw ApiError.notFound();
  const catalog = projectCatalog(c.env, c.var.org, c.var.project);
  const records = (await catalog.byDebugId(lookup.debugId)).filter((r) => r.format === "breakpad");
  const record = await matchByName(c.env.BUCKET, records, lookup.debugFile);
  if (!record) throw ApiError.notFound();
  return serveStoredFile(c, c.env.BUCKET, { record, contentType: "text/plain; charset=utf-8" });
});

async function matchByName(
  bucket: R2Bucket,
  records: DebugFileRecord[],
  debugFile: string,
): Promise<DebugFileRecord | null> {
  const named = records.find(
    (r) => sameFileName(r.objectName, debugFile) || sameFileName(r.objectName, withoutExtension(debugFile)),
  );
  if (named) return named;
  for (const record of records.slice(0, MAX_MODULE_READS)) {
    const manifest = await getManifest(bucket, record.org, record.project, record.checksum);
    if (!manifest) continue;
    const head = await new ManifestReader(bucket, manifest).read(0, HEAD_BYTES);
    const module = breakpadModuleName(new TextDecoder().decode(head));
    if (module && sameFileName(module, debugFile)) return record;
  }
  return null;
}
