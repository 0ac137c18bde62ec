/**
 * The web page, mounted at /ui by src/app.ts: sign-in, the viewer middleware, static assets,
 * errors as pages, and the page routes (handlers/). Everything here renders HTML; the API stays
 * JSON and Bearer-only.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ASSETS } from "./assets";
import { paths, type UiApp, type Viewer } from "./context";
import { hasAccess, tokenBySha256, verifyToken } from "./data";
import { fileRoutes } from "./handlers/files";
import { toolRoutes } from "./handlers/tools";
import { ErrorPage, notFoundPage } from "./pages/error";
import { LoginPage } from "./pages/login";
import { checkPost, securityHeaders } from "./security";
import { currentSession, endSession, startSession } from "./session";

export const uiRoutes = new Hono<UiApp>();

uiRoutes.use("*", securityHeaders);

/** Forms are small; the largest is a pasted Symbolicator request. Larger ones belong on the API. */
export const MAX_FORM_BYTES = 1024 * 1024;

uiRoutes.post(
  "*",
  bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) =>
      c.html(
        <ErrorPage
          status={413}
          title="Form too large"
          message="This form carried more than 1 MiB. Send large symbolication requests to the API instead."
        />,
        413,
      ),
  }),
);

for (const asset of ASSETS) {
  uiRoutes.get(asset.path.slice("/ui".length), (c) =>
    c.body(asset.body, 200, { "Content-Type": asset.type, "Cache-Control": "public, max-age=31536000, immutable" }),
  );
}

uiRoutes.get("/", async (c) => {
  const session = await currentSession(c, c.env.TOKENS);
  return c.redirect(session ? paths.projects(session.org) : paths.login(), 303);
});

uiRoutes.get("/login", (c) =>
  c.html(<LoginPage next={safeNext(c.req.query("next"))} signedOut={c.req.query("signed_out") === "1"} />),
);

uiRoutes.post("/login", async (c) => {
  const form = await c.req.parseBody();
  const next = safeNext(typeof form.next === "string" ? form.next : undefined);
  const refuse = (status: ContentfulStatusCode, error: string) =>
    c.html(<LoginPage next={next} error={error} />, status);
  // No session yet, so no CSRF token: the same-origin check keeps other sites from signing a
  // visitor into their own organization.
  if (!checkPost(c, null, undefined).ok) return refuse(403, "This form must be sent from this page.");
  const text = typeof form.token === "string" ? form.token.trim() : "";
  if (text === "") return refuse(400, "Paste a token to sign in.");
  const verified = await verifyToken(c.env, text);
  if (!verified) {
    return refuse(
      401,
      "The service does not know this token. Check that you pasted all of it (it starts with sntryu_ or sntrys_).",
    );
  }
  if (!hasAccess(verified.record, "read")) {
    return refuse(403, "This token has no project scope (project:read or more), so it cannot read debug files.");
  }
  await startSession(c, c.env.TOKENS, verified.record.org, verified.sha256);
  return c.redirect(next ?? paths.projects(verified.record.org), 303);
});

uiRoutes.post("/logout", async (c) => {
  const session = await currentSession(c, c.env.TOKENS);
  const form = await c.req.parseBody();
  if (session && !checkPost(c, session.csrf, form.csrf).ok) {
    return c.html(
      <ErrorPage
        status={403}
        title="Not signed out"
        message="The form was stale or came from another site. Reload the page and try again."
      />,
      403,
    );
  }
  await endSession(c, c.env.TOKENS);
  return c.redirect(`${paths.login()}?signed_out=1`, 303);
});

/**
 * Signed-in routes: the session must be alive, its token still known, and the URL's org the
 * token's (another org gets the page an unknown org gets, as on the API). Pages redirect to the
 * sign-in; the live region's fetches (X-Live) get a 401 it can show.
 */
const requireViewer: MiddlewareHandler<UiApp> = async (c, next) => {
  const session = await currentSession(c, c.env.TOKENS);
  const token = session ? await tokenBySha256(c.env, session.tokenSha256) : null;
  if (!session || !token || token.org !== session.org) {
    if (c.req.header("x-live") !== undefined) return c.text("Your session ended; sign in again.", 401);
    const url = new URL(c.req.url);
    return c.redirect(paths.login(c.req.method === "GET" ? url.pathname + url.search : undefined), 303);
  }
  const viewer: Viewer = { org: session.org, csrf: session.csrf, canDelete: hasAccess(token, "delete") };
  c.set("viewer", viewer);
  if (c.req.param("org") !== session.org) return notFoundPage(c, viewer);
  await next();
};

uiRoutes.use("/orgs/:org/*", requireViewer);
uiRoutes.route("/orgs/:org", toolRoutes);
uiRoutes.route("/orgs/:org/projects/:project", fileRoutes);

uiRoutes.all("*", (c) => {
  const viewer = c.get("viewer") as Viewer | undefined;
  return c.html(
    <ErrorPage
      {...(viewer ? { viewer } : {})}
      status={404}
      title="Page not found"
      message="There is no page at this address."
    />,
    404,
  );
});

uiRoutes.onError((err, c) => {
  const viewer = c.get("viewer") as Viewer | undefined;
  const v = viewer ? { viewer } : {};
  if (err instanceof HTTPException && err.status === 404) {
    return c.html(
      <ErrorPage {...v} status={404} title="Not found" message="This debug file or page does not exist (any more)." />,
      404,
    );
  }
  if (err instanceof HTTPException && err.status < 500) {
    return c.html(<ErrorPage {...v} status={err.status} title="Request refused" message={err.message} />, err.status);
  }
  console.error("web page error", err);
  return c.html(
    <ErrorPage
      {...v}
      status={500}
      title="Something went wrong"
      message="The service failed to answer this page. Try again in a moment; if it persists, the service's logs have the details."
    />,
    500,
  );
});

/** Only a path of this page may be the target after sign-in: never another site. */
function safeNext(next: string | undefined): string | undefined {
  if (!next || !next.startsWith("/ui/") || next.startsWith("//") || /[\\\s]/.test(next)) return undefined;
  return next;
}
