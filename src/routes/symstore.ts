/**
 * Microsoft symbol server / SSQP (WinDbg, Visual Studio, dotnet-symbol, Symbolicator's `symstore`
 * and `ssqp` layouts):
 *
 *   GET|HEAD /symstore/{org}/{project}/{file}/{key}/{file}
 *
 * Keys follow the SSQP conventions (symbol-server/ids.ts): PDB GUID+age, PE timestamp+size,
 * `elf-buildid[-sym]-<hex>`, `mach-uuid[-sym]-<hex>`. File names and keys compare
 * case-insensitively. Compressed twins (`foo.pd_`) and `file.ptr` pointers are never stored, so
 * they are 404 and clients go on to the plain name.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { parseSymstorePath } from "../symbol-server/ids";
import { selectForLookup } from "../symbol-server/select";
import { serveStoredFile } from "./stored-file-response";
import { projectCatalog } from "../durable-objects";

type App = { Bindings: Env; Variables: AuthVariables };
export const symstoreRoutes = new Hono<App>();

symstoreRoutes.get("/:file/:key/:fileAgain", requireAccess("read"), async (c) => {
  const lookup = parseSymstorePath(c.req.param("file"), c.req.param("key"), c.req.param("fileAgain"));
  if (!lookup) throw ApiError.notFound();
  const catalog = projectCatalog(c.env, c.var.org, c.var.project);
  const records = lookup.by === "debugId" ? await catalog.byDebugId(lookup.id) : await catalog.byCodeId(lookup.id);
  const record = selectForLookup(records, lookup);
  if (!record) throw ApiError.notFound();
  return serveStoredFile(c, c.env.BUCKET, { record });
});
