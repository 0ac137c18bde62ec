/** The organization's pages (projects, setup) and a project's symbolicate tool. */
import { Hono, type Context } from "hono";
import type { UiApp } from "../context";
import { paths } from "../context";
import { isSlug, projectsOf, symbolicate, uploadsInFlight } from "../data";
import { ErrorPage, notFoundPage } from "../pages/error";
import { ProjectsPage } from "../pages/projects";
import { projectRows } from "../project-rows";
import { SetupPage } from "../pages/setup";
import { SymbolicatePage, type SymbolicateView } from "../pages/symbolicate";
import { publicOrigin } from "../render";
import { checkPost } from "../security";
import { shownStacktraces, toolRequest, type ToolInput } from "../symbolicate-form";

export const toolRoutes = new Hono<UiApp>();

toolRoutes.get("/", async (c) => {
  const viewer = c.get("viewer");
  const [projects, uploads] = await Promise.all([projectsOf(c.env, viewer.org), uploadsInFlight(c.env, viewer.org)]);
  return c.html(<ProjectsPage viewer={viewer} rows={projectRows(projects, uploads)} now={Date.now()} />);
});

/** The "open a project" form: a slug typed by hand. */
toolRoutes.get("/projects", (c) => {
  const viewer = c.get("viewer");
  const project = (c.req.query("project") ?? "").trim();
  if (!isSlug(project)) {
    return c.html(
      <ErrorPage
        viewer={viewer}
        status={400}
        title="Not a project slug"
        message="Project slugs are letters, digits, '-', '_' and '.', starting with a letter or digit."
      />,
      400,
    );
  }
  return c.redirect(paths.files(viewer.org, project), 303);
});

toolRoutes.get("/setup", async (c) => {
  const viewer = c.get("viewer");
  const asked = c.req.query("project") ?? "";
  const project = isSlug(asked) ? asked : null;
  const projects = project ? [] : (await projectsOf(c.env, viewer.org)).map((p) => p.project);
  return c.html(
    <SetupPage viewer={viewer} project={project} origin={publicOrigin(c.env, c.req.url)} projects={projects} />,
  );
});

function emptyTool(c: Context<UiApp>, project: string): SymbolicateView {
  return {
    viewer: c.get("viewer"),
    project,
    mode: "addresses",
    module: (c.req.query("module") ?? "").slice(0, 200),
    imageAddr: "0x0",
    addresses: "",
    json: "",
    error: null,
    results: null,
    modules: [],
  };
}

toolRoutes.get("/projects/:project/symbolicate", (c) => {
  const project = c.req.param("project");
  if (!isSlug(project)) return notFoundPage(c, c.get("viewer"));
  return c.html(<SymbolicatePage view={emptyTool(c, project)} />);
});

toolRoutes.post("/projects/:project/symbolicate", async (c) => {
  const viewer = c.get("viewer");
  const project = c.req.param("project");
  if (!isSlug(project)) return notFoundPage(c, viewer);
  const view = emptyTool(c, project);
  const form = await c.req.parseBody();
  if (!checkPost(c, viewer.csrf, form.csrf).ok) {
    return c.html(
      <SymbolicatePage view={{ ...view, error: "The form was stale or came from another site: send it again." }} />,
      403,
    );
  }
  const field = (name: string) => (typeof form[name] === "string" ? form[name] : "");
  const input: ToolInput =
    field("mode") === "json"
      ? { mode: "json", json: field("json") }
      : { mode: "addresses", module: field("module"), imageAddr: field("image_addr"), addresses: field("addresses") };
  const filled: SymbolicateView =
    input.mode === "json"
      ? { ...view, mode: "json", json: input.json }
      : { ...view, module: input.module, imageAddr: input.imageAddr, addresses: input.addresses };
  const request = toolRequest(input);
  if (!request.ok) return c.html(<SymbolicatePage view={{ ...filled, error: request.error }} />, 400);
  const outcome = await symbolicate(c.env, viewer.org, project, request.body);
  if (!outcome.ok) return c.html(<SymbolicatePage view={{ ...filled, error: outcome.error }} />, 400);
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  const modules = outcome.response.modules.map((m) => ({
    id: text(m.debug_id) ?? text(m.code_id) ?? "?",
    status: text(m.debug_status) ?? "unknown",
  }));
  return c.html(
    <SymbolicatePage view={{ ...filled, results: shownStacktraces(request.body, outcome.response), modules }} />,
  );
});
