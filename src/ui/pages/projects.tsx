/** The organization's projects: files, newest upload, uploads in flight; or how to start. */
import { paths, type Viewer } from "../context";
import type { ProjectRow } from "../project-rows";
import { timeAgo, utcTime } from "../format";
import { Empty } from "./components";
import { Layout } from "./layout";

export function ProjectsPage(props: { viewer: Viewer; rows: ProjectRow[]; now: number }) {
  const { viewer, rows, now } = props;
  return (
    <Layout title="Projects" viewer={viewer} crumbs={[{ label: viewer.org }]}>
      <h1>Projects</h1>
      <p class="sub">Debug files of the organization {viewer.org}, by project.</p>
      <form method="get" action={paths.projects(viewer.org) + "projects/"} class="toolbar" role="search">
        <div class="grow">
          <label for="open-project">Open a project by its slug</label>
          <input
            id="open-project"
            name="project"
            required
            pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
            placeholder="app"
          />
        </div>
        <button type="submit">Open</button>
      </form>
      {rows.length === 0 ? (
        <Empty title="No debug files yet">
          <p>
            Projects appear here with their first upload. Upload debug files from CI with <code>sentry-cli</code>: the{" "}
            <a href={paths.setup(viewer.org)}>setup page</a> has the exact commands for this service.
          </p>
        </Empty>
      ) : (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col" class="num">
                Debug files
              </th>
              <th scope="col">Last upload</th>
              <th scope="col">In flight</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <td>
                  <a class="name" href={paths.files(viewer.org, row.project)}>
                    {row.project}
                  </a>
                </td>
                <td class="num" data-label="Debug files">
                  {(row.summary?.files ?? 0).toLocaleString("en-US")}
                </td>
                <td data-label="Last upload">
                  {row.summary?.lastUpload ? (
                    <time datetime={row.summary.lastUpload} title={utcTime(row.summary.lastUpload)}>
                      {timeAgo(row.summary.lastUpload, now)}
                    </time>
                  ) : (
                    <span class="hint">none yet</span>
                  )}
                </td>
                <td data-label="In flight">
                  {row.pending > 0 && <span class="badge busy">{row.pending} uploading</span>}{" "}
                  {row.failed > 0 && <span class="badge error">{row.failed} failed</span>}
                  {row.pending === 0 && row.failed === 0 && <span class="hint">none</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
