/**
 * The routes sentry-cli uses to check a setup (`sentry-cli info`, `organizations list`,
 * `projects list`), answered in the shapes sentry-cli 3.8 parses (its `AuthInfo`,
 * `Organization` and `Project` types in src/api/mod.rs):
 *
 *   GET /api/0/                                 {"version": "0", "auth": {"scopes": [...]} | null, "user": null}
 *   GET /api/0/organizations/                   [the token's organization]
 *   GET /api/0/organizations/{org}/projects/    [the projects that hold debug files or uploads in flight]
 *
 * This service has no users and no organization records: a token belongs to one organization,
 * and that organization exists for it. Projects exist once something was uploaded into them
 * (an upload names its project; nothing creates one beforehand). Ids are the slugs.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { authenticate, requireAccess, type AuthVariables } from "../auth/middleware";
import { listTokens } from "../auth/tokens";
import { listMirroredStatuses } from "../assembly/status-mirror";
import { orgCatalog } from "../durable-objects";

type App = { Bindings: Env; Variables: AuthVariables };

/** `GET /api/0/`: Sentry's API index. Without a token it answers with nulls (as Sentry does); a bad token is a 401. */
export const apiIndexRoutes = new Hono<App>();

apiIndexRoutes.get("/", async (c) => {
  if (c.req.header("authorization") === undefined) return c.json({ version: "0", auth: null, user: null });
  const token = await authenticate(c.env, c.req.header("authorization"));
  return c.json({ version: "0", auth: { scopes: token.scopes }, user: null });
});

export const organizationRoutes = new Hono<App>();

organizationRoutes.get("/", async (c) => {
  const token = await authenticate(c.env, c.req.header("authorization"));
  // The organization came to be with its first token.
  const created = (await listTokens(c.env.TOKENS, token.org)).reduce(
    (oldest, t) => (t.createdAt < oldest ? t.createdAt : oldest),
    token.createdAt,
  );
  return c.json([
    {
      id: token.org,
      slug: token.org,
      name: token.org,
      dateCreated: created,
      status: { id: "active", name: "active" },
      isEarlyAdopter: false,
      require2FA: false,
      requireEmailVerification: false,
      features: [],
    },
  ]);
});

organizationRoutes.get("/:org/projects", requireAccess("read"), async (c) => {
  const [withFiles, inFlight] = await Promise.all([
    orgCatalog(c.env, c.var.org).projects(),
    listMirroredStatuses(c.env.ASSEMBLE_STATUS, c.var.org),
  ]);
  const slugs = [...new Set([...withFiles.map((p) => p.project), ...inFlight.map((u) => u.project)])];
  return c.json(slugs.map((slug) => ({ id: slug, slug, name: slug, team: null, teams: [] })));
});
