/** Errors as pages: what went wrong, and where to go from here. */
import type { Context } from "hono";
import { paths, type UiApp, type Viewer } from "../context";
import { Layout } from "./layout";

export function ErrorPage(props: { viewer?: Viewer; status: number; title: string; message: string }) {
  return (
    <Layout title={props.title} {...(props.viewer ? { viewer: props.viewer } : {})}>
      <section class="panel empty">
        <p class="hint">Error {props.status}</p>
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href={props.viewer ? paths.projects(props.viewer.org) : paths.home()}>Back to the projects</a>
        </p>
      </section>
    </Layout>
  );
}

/** The answer for an org, project or file the viewer cannot see: the same whether it exists elsewhere or not. */
export function notFoundPage(c: Context<UiApp>, viewer: Viewer) {
  return c.html(
    <ErrorPage viewer={viewer} status={404} title="Not found" message="There is no such page in your organization." />,
    404,
  );
}
