/**
 * A project's debug files (Sentry's Settings > Debug Files): search by name, debug id or code id,
 * a format filter, cursor pages, and above the list the uploads still in flight. The part below
 * the search form is the live region: live.js re-fetches it (FilesLiveRegion) and swaps it in.
 */
import { raw } from "hono/html";
import type { FileFormat } from "../../common/debug-file";
import { paths, type Viewer } from "../context";
import type { DebugFileRecord, ListedStatus, PageLinks } from "../data";
import { FORMAT_LABEL, KIND_LABEL, formatBytes, timeAgo, utcTime } from "../format";
import { Command, Empty, Features, Notice, Pager, SymcacheState, UploadState } from "./components";
import { Layout, ProjectTabs } from "./layout";

export interface FilesView {
  viewer: Viewer;
  project: string;
  search: string;
  format: FileFormat | null;
  files: DebugFileRecord[];
  links: PageLinks;
  uploads: ListedStatus[];
  /** No cursor: an empty first page without filters means the project has no files yet. */
  firstPage: boolean;
  now: number;
  origin: string;
}

export const FORMATS = Object.keys(FORMAT_LABEL) as FileFormat[];

/** The list's own URL with its filters and a cursor: the same cursors as the API's Link header. */
export function filesHref(org: string, project: string, search: string, format: string | null, cursor?: string) {
  const params = new URLSearchParams();
  if (search) params.set("query", search);
  if (format) params.set("format", format);
  if (cursor) params.set("cursor", cursor);
  const qs = params.toString();
  return `${paths.files(org, project)}${qs ? `?${qs}` : ""}`;
}

export function FilesPage(props: { view: FilesView; region: string; etag: string; deleted: string | null }) {
  const { view } = props;
  const { viewer, project, search, format } = view;
  const params = new URLSearchParams();
  if (search) params.set("query", search);
  if (format) params.set("format", format);
  const liveUrl = `${paths.live(viewer.org, project)}${params.size > 0 ? `?${params.toString()}` : ""}`;
  return (
    <Layout
      title={`${project} · Debug files`}
      viewer={viewer}
      crumbs={[{ label: "Projects", href: paths.projects(viewer.org) }, { label: project }]}
    >
      <h1>{project}</h1>
      <ProjectTabs org={viewer.org} project={project} current="files" />
      {props.deleted && <Notice kind="ok">Deleted the debug file {props.deleted}.</Notice>}
      <form method="get" action={paths.files(viewer.org, project)} class="toolbar" role="search">
        <div class="grow">
          <label for="query">Search</label>
          <input id="query" type="search" name="query" value={search} placeholder="Name, debug id or code id" />
        </div>
        <div>
          <label for="format">Format</label>
          <select id="format" name="format">
            <option value="">All formats</option>
            {FORMATS.map((f) => (
              <option value={f} selected={f === format}>
                {FORMAT_LABEL[f]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
        {(search || format) && (
          <a class="button secondary" href={paths.files(viewer.org, project)}>
            Clear
          </a>
        )}
      </form>
      <p id="live-status" class="live-status" role="status" aria-live="polite"></p>
      <div id="live" data-live-url={liveUrl} data-etag={props.etag}>
        {raw(props.region)}
      </div>
    </Layout>
  );
}

/** The live region's content; also the body of the live route, wrapped in one element. */
export function FilesLiveRegion(props: { view: FilesView }) {
  const { view } = props;
  const filtered = view.search !== "" || view.format !== null;
  return (
    <div>
      <UploadsInFlight view={view} />
      {view.files.length === 0 ? (
        filtered || !view.firstPage ? (
          <Empty title="No matching debug files">
            <p>
              Nothing in {view.project} matches
              {view.search ? ` “${view.search}”` : ""}
              {view.format ? ` in ${FORMAT_LABEL[view.format]} format` : ""}. Search takes part of a name, a debug id
              (any spelling) or a code id.
            </p>
            <p>
              <a href={paths.files(view.viewer.org, view.project)}>Show all debug files</a>
            </p>
          </Empty>
        ) : (
          <NoFilesYet view={view} />
        )
      ) : (
        <FileTable view={view} />
      )}
      <Pager
        links={view.links}
        label="Pages of debug files"
        href={(cursor) => filesHref(view.viewer.org, view.project, view.search, view.format, cursor)}
      />
    </div>
  );
}

function NoFilesYet(props: { view: FilesView }) {
  const { view } = props;
  return (
    <Empty title="No debug files yet">
      <p>Upload the debug files of a build with sentry-cli; they appear here as they are processed.</p>
      <Command
        label="From the build's output folder"
        text={`sentry-cli --url ${view.origin} --auth-token "$TOKEN" debug-files upload --org ${view.viewer.org} --project ${view.project} --wait build/`}
      />
      <p>
        <a href={paths.setup(view.viewer.org, view.project)}>All setup commands</a> (tokens, gdb, Visual Studio).
      </p>
    </Empty>
  );
}

function UploadsInFlight(props: { view: FilesView }) {
  const uploads = [...props.view.uploads].sort(
    (a, b) => Number(a.status.state === "error") - Number(b.status.state === "error"),
  );
  if (uploads.length === 0) return null;
  const pending = uploads.some((u) => u.status.state !== "error");
  return (
    <section aria-labelledby="uploads-heading" {...(pending ? { "data-pending": "" } : {})}>
      <h2 id="uploads-heading">Uploads in progress</h2>
      <table class="cards">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">State</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {uploads.map((u) => (
            <tr>
              <td>
                <span class="name">{u.status.name ?? "(name not known)"}</span>
                <span class="second mono" title="SHA-1 of the file">
                  {u.checksum}
                </span>
              </td>
              <td data-label="State">
                <UploadState upload={u} />
              </td>
              <td data-label="Details">
                {u.status.state === "error" ? (
                  <>
                    <span class="reason">{u.status.detail ?? "The upload failed"}</span>
                    <span class="second">Shown for 5 minutes; rerun the upload to try again.</span>
                  </>
                ) : (
                  <span class="hint">
                    {u.status.state === "created"
                      ? "All chunks received; waiting to be put together"
                      : u.status.step === "symcache"
                        ? "Identified; the symcache is being built"
                        : "Putting the file together and identifying it"}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function FileTable(props: { view: FilesView }) {
  const { view } = props;
  return (
    <table class="cards">
      <caption class="visually-hidden">Debug files of {view.project}, newest first</caption>
      <thead>
        <tr>
          <th scope="col">File</th>
          <th scope="col">Debug ID / code ID</th>
          <th scope="col">Format</th>
          <th scope="col">Features</th>
          <th scope="col" class="num">
            Size
          </th>
          <th scope="col">Uploaded</th>
          <th scope="col">Symcache</th>
        </tr>
      </thead>
      <tbody>
        {view.files.map((f) => (
          <tr>
            <td>
              <a class="name" href={paths.file(view.viewer.org, view.project, f.id)}>
                {f.objectName}
              </a>
              <span class="second">
                {KIND_LABEL[f.kind]} · {f.arch}
              </span>
            </td>
            <td data-label="Debug ID">
              <span class="mono">{f.debugId}</span>
              {f.codeId && <span class="second mono">{f.codeId}</span>}
            </td>
            <td data-label="Format">{FORMAT_LABEL[f.format]}</td>
            <td data-label="Features">
              <Features features={f.features} />
            </td>
            <td class="num" data-label="Size">
              {formatBytes(f.size)}
            </td>
            <td data-label="Uploaded">
              <time datetime={f.createdAt} title={utcTime(f.createdAt)}>
                {timeAgo(f.createdAt, view.now)}
              </time>
            </td>
            <td data-label="Symcache">
              <SymcacheState record={f} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
