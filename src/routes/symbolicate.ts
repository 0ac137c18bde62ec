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
import { LIMITS, parseSymbolicateRequest } from "../symbolicate/request";
import { readRequestJson } from "./bounded-request";
import { ASSEMBLE_BODY_DEADLINE_MS, BODY_IDLE_MS } from "../upload/limits";
import { parseDebugId } from "../identify/debug-id-parse";
import { symbolicateInProject } from "./symbolicate-project";

type App = { Bindings: Env; Variables: AuthVariables };
export const symbolicateRoutes = new Hono<App>();

symbolicateRoutes.post("/", requireAccess("read"), async (c) => {
  const body = await readRequestJson(c.req.raw, {
    maxBytes: LIMITS.bodyBytes,
    idleMs: BODY_IDLE_MS,
    deadlineMs: ASSEMBLE_BODY_DEADLINE_MS,
  });
  const parsed = parseSymbolicateRequest(body, (text) => parseDebugId(text) ?? null);
  if (!parsed.ok) throw ApiError.badRequest(parsed.error);
  return c.json(await symbolicateInProject(c.env, c.var.org, c.var.project, parsed.request));
});
