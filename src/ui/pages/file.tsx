/** One debug file: identity, download, the symbol-server URLs that serve it, symcache, delete. */
import { paths, type Viewer } from "../context";
import type { DebugFileRecord } from "../data";
import { FORMAT_LABEL, KIND_LABEL, formatBytes, utcTime } from "../format";
import type { SymbolServerUrl } from "../symbol-urls";
import { Features, SymcacheState } from "./components";
import { Layout, ProjectTabs } from "./layout";

const PROTOCOL_LABEL = { debuginfod: "debuginfod", symstore: "Symbol server (SSQP)", breakpad: "Breakpad" } as const;

export function FilePage(props: {
  viewer: Viewer;
  record: DebugFileRecord;
  urls: SymbolServerUrl[];
  siblings: DebugFileRecord[];
}) {
  const { viewer, record: f, urls } = props;
  const others = props.siblings.filter((s) => s.id !== f.id);
  return (
    <Layout
      title={`${f.objectName} · ${f.project}`}
      viewer={viewer}
      crumbs={[
        { label: "Projects", href: paths.projects(viewer.org) },
        { label: f.project, href: paths.files(viewer.org, f.project) },
        { label: f.objectName },
      ]}
    >
      <h1>{f.objectName}</h1>
      <p class="sub">
        {FORMAT_LABEL[f.format]} {KIND_LABEL[f.kind]} · {f.arch} · uploaded {utcTime(f.createdAt)}
      </p>
      <ProjectTabs org={viewer.org} project={f.project} current="files" />
      <div class="actions">
        <a class="button" href={paths.download(viewer.org, f.project, f.id)}>
          Download ({formatBytes(f.size)})
        </a>
        {f.symcache.status === "ok" && (
          <a
            class="button secondary"
            href={`${paths.symbolicate(viewer.org, f.project)}?module=${encodeURIComponent(f.debugId)}`}
          >
            Symbolicate addresses
          </a>
        )}
        {viewer.canDelete && (
          <a class="button danger" href={paths.deleteFile(viewer.org, f.project, f.id)}>
            Delete…
          </a>
        )}
      </div>

      <section aria-labelledby="identity">
        <h2 id="identity">Identity</h2>
        <dl class="facts panel">
          <dt>Debug ID</dt>
          <dd class="mono">{f.debugId}</dd>
          <dt>Code ID</dt>
          <dd class="mono">{f.codeId ?? "none"}</dd>
          <dt>Format</dt>
          <dd>{FORMAT_LABEL[f.format]}</dd>
          <dt>Kind</dt>
          <dd>{KIND_LABEL[f.kind]}</dd>
          <dt>Architecture</dt>
          <dd>{f.arch}</dd>
          <dt>Features</dt>
          <dd>
            <Features features={f.features} />
          </dd>
          <dt>Size</dt>
          <dd>
            {formatBytes(f.size)} ({f.size.toLocaleString("en-US")} bytes)
          </dd>
          <dt>SHA-1</dt>
          <dd class="mono">{f.checksum}</dd>
          <dt>Uploaded</dt>
          <dd>
            <time datetime={f.createdAt}>{utcTime(f.createdAt)}</time>
          </dd>
        </dl>
      </section>

      <section aria-labelledby="symcache">
        <h2 id="symcache">Symcache</h2>
        <div class="panel">
          <SymcacheState record={f} />
          <p class="hint">
            {f.symcache.status === "ok"
              ? "Symbolication requests for this debug id are answered from this symcache."
              : (f.symcache.detail ?? "No symcache was built for this file.")}
          </p>
        </div>
      </section>

      <section aria-labelledby="servers">
        <h2 id="servers">Symbol servers</h2>
        {urls.length === 0 ? (
          <p class="hint">
            No symbol-server layout serves {FORMAT_LABEL[f.format]} files of this kind; download it, or let Symbolicator
            read it through the project's debug-file list.
          </p>
        ) : (
          <table class="cards">
            <thead>
              <tr>
                <th scope="col">Protocol</th>
                <th scope="col">Asks for</th>
                <th scope="col">URL</th>
              </tr>
            </thead>
            <tbody>
              {urls.map((u) => (
                <tr>
                  <td>{PROTOCOL_LABEL[u.protocol]}</td>
                  <td data-label="Asks for">{u.what}</td>
                  <td data-label="URL">
                    <code>{u.url}</code>
                    {u.servedBy.id !== f.id && (
                      <span class="second">
                        answered by{" "}
                        <a href={paths.file(viewer.org, f.project, u.servedBy.id)}>{u.servedBy.objectName}</a>, another
                        file of this id
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint">
          Every URL needs <code>Authorization: Bearer &lt;token&gt;</code>.{" "}
          <a href={paths.setup(viewer.org, f.project)}>Setup</a> shows how gdb, WinDbg and Symbolicator send it.
        </p>
      </section>

      {others.length > 0 && (
        <section aria-labelledby="others">
          <h2 id="others">Other files with these ids</h2>
          <ul>
            {others.map((s) => (
              <li>
                <a href={paths.file(viewer.org, f.project, s.id)}>{s.objectName}</a>{" "}
                <span class="hint">
                  {FORMAT_LABEL[s.format]} {KIND_LABEL[s.kind]}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Layout>
  );
}

export function DeletePage(props: { viewer: Viewer; record: DebugFileRecord }) {
  const { viewer, record: f } = props;
  return (
    <Layout
      title={`Delete ${f.objectName}`}
      viewer={viewer}
      crumbs={[
        { label: "Projects", href: paths.projects(viewer.org) },
        { label: f.project, href: paths.files(viewer.org, f.project) },
        { label: f.objectName, href: paths.file(viewer.org, f.project, f.id) },
        { label: "Delete" },
      ]}
    >
      <section class="panel stack login">
        <h1>Delete {f.objectName}?</h1>
        <p>
          The file <span class="mono">{f.debugId}</span> and its symcache are removed from {f.project}. Symbolication,
          debuggers and symbol servers stop finding it; uploading it again later starts afresh.
        </p>
        <form
          method="post"
          action={paths.deleteFile(viewer.org, f.project, f.id)}
          class="actions"
          data-busy="Deleting…"
        >
          <input type="hidden" name="csrf" value={viewer.csrf} />
          <button type="submit" class="danger">
            Delete the file
          </button>
          <a class="button secondary" href={paths.file(viewer.org, f.project, f.id)}>
            Cancel
          </a>
        </form>
      </section>
    </Layout>
  );
}
