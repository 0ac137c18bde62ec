/**
 * POST /api/0/projects/{org}/{project}/symbolicate/
 *
 * Symbolicator's native request and response (getsentry/symbolicator, `POST /symbolicate`); the work is
 * symbolicateInProject (./symbolicate-project.ts), shared with the web page's tool.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { requireAccess, type AuthVariables } from "../auth/middleware";
import { parseSymbolicateRequest } from "../symbolicate/request";
import { parseDebugId } from "../identify/debug-id-parse";
import { symbolicateInProject } from "./symbolicate-project";

type App = { Bindings: Env; Variables: AuthVariables };
export const symbolicateRoutes = new Hono<App>();

symbolicateRoutes.post("/", requireAccess("read"), async (c) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw ApiError.badRequest("Invalid json body");
  }
  const parsed = parseSymbolicateRequest(body, (text) => parseDebugId(text) ?? null);
  if (!parsed.ok) throw ApiError.badRequest(parsed.error);
  return c.json(await symbolicateInProject(c.env, c.var.org, c.var.project, parsed.request));
});
