/** The symbolicate tool: a module and addresses, or a whole Symbolicator request; frames with inline chains. */
import { paths, type Viewer } from "../context";
import type { ShownAddress } from "../symbolicate-form";
import { Notice } from "./components";
import { Layout, ProjectTabs } from "./layout";

export interface SymbolicateView {
  viewer: Viewer;
  project: string;
  mode: "addresses" | "json";
  module: string;
  imageAddr: string;
  addresses: string;
  json: string;
  error: string | null;
  /** Per stacktrace, per input address; null before a request was sent. */
  results: ShownAddress[][] | null;
  modules: { id: string; status: string }[];
}

const STATUS_TEXT: Record<string, string> = {
  symbolicated: "symbolicated",
  missing_symbol: "no function at this address",
  unknown_image: "outside every module",
  missing: "no usable debug file for the module",
  malformed: "malformed address or debug file",
};

const MODULE_STATUS_TEXT: Record<string, string> = {
  found: "found",
  missing: "no debug file with this id in the project",
  unsupported: "found, but without a symcache (see the file's page)",
  malformed: "the symcache could not be read",
  unused: "not referenced by any address",
};

const EXAMPLE = `{
  "stacktraces": [{ "frames": [{ "instruction_addr": "0x7f0000001018" }] }],
  "modules": [{ "type": "elf", "debug_id": "…", "image_addr": "0x7f0000000000" }]
}`;

export function SymbolicatePage(props: { view: SymbolicateView }) {
  const v = props.view;
  const action = paths.symbolicate(v.viewer.org, v.project);
  return (
    <Layout
      title={`${v.project} · Symbolicate`}
      viewer={v.viewer}
      crumbs={[
        { label: "Projects", href: paths.projects(v.viewer.org) },
        { label: v.project, href: paths.files(v.viewer.org, v.project) },
        { label: "Symbolicate" },
      ]}
    >
      <h1>Symbolicate</h1>
      <ProjectTabs org={v.viewer.org} project={v.project} current="symbolicate" />
      <p class="sub">
        Addresses to functions, files and lines, with inlined frames, from the symcaches of {v.project}: the same
        answers as{" "}
        <code>
          POST /api/0/projects/{v.viewer.org}/{v.project}/symbolicate/
        </code>
        .
      </p>
      {v.error && <Notice kind="error">{v.error}</Notice>}
      {v.results && <Results view={v} results={v.results} />}
      <div class="stack">
        <form method="post" action={action} class="panel stack" data-busy="Symbolicating…">
          <h2>A module and addresses</h2>
          <input type="hidden" name="csrf" value={v.viewer.csrf} />
          <input type="hidden" name="mode" value="addresses" />
          <div>
            <label for="module">
              Debug ID or code ID <span class="hint">(a UUID, its Breakpad form, or a build id)</span>
            </label>
            <input id="module" name="module" value={v.module} class="mono" required spellcheck={false} />
          </div>
          <div>
            <label for="image_addr">
              Image address <span class="hint">(where the module was loaded; 0 for addresses relative to it)</span>
            </label>
            <input
              id="image_addr"
              name="image_addr"
              value={v.imageAddr}
              class="mono"
              placeholder="0x0"
              spellcheck={false}
            />
          </div>
          <div>
            <label for="addresses">
              Addresses <span class="hint">(hex or decimal, one per line, crashing frame first)</span>
            </label>
            <textarea id="addresses" name="addresses" required spellcheck={false}>
              {v.addresses}
            </textarea>
          </div>
          <button type="submit">Symbolicate</button>
        </form>
        <form method="post" action={action} class="panel stack" data-busy="Symbolicating…">
          <h2>A Symbolicator request</h2>
          <input type="hidden" name="csrf" value={v.viewer.csrf} />
          <input type="hidden" name="mode" value="json" />
          <div>
            <label for="json">
              Request <span class="hint">(JSON: stacktraces and modules, as Symbolicator takes them)</span>
            </label>
            <textarea id="json" name="json" placeholder={EXAMPLE} spellcheck={false}>
              {v.json}
            </textarea>
          </div>
          <button type="submit">Symbolicate</button>
        </form>
      </div>
    </Layout>
  );
}

function Results(props: { view: SymbolicateView; results: ShownAddress[][] }) {
  return (
    <section aria-labelledby="results" class="stack results">
      <h2 id="results" tabindex={-1}>
        Result
      </h2>
      {props.view.modules.length > 0 && (
        <ul>
          {props.view.modules.map((m) => (
            <li>
              Module <span class="mono">{m.id}</span>: {MODULE_STATUS_TEXT[m.status] ?? m.status}
            </li>
          ))}
        </ul>
      )}
      {props.results.map((stacktrace, i) => (
        <div class="panel">
          {props.results.length > 1 && <h3>Stacktrace {i + 1}</h3>}
          <ol class="frames">
            {stacktrace.map((a) => (
              <li>
                <span class="mono">
                  #{a.index} {a.input ?? "?"}
                </span>{" "}
                {a.frames.length === 0 ? (
                  <span class="badge error">{STATUS_TEXT[a.status] ?? a.status}</span>
                ) : (
                  <Frames address={a} />
                )}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

/** Innermost first; each outer frame is the function the inner one was inlined into. */
function Frames(props: { address: ShownAddress }) {
  const [inner, ...outer] = props.address.frames;
  if (!inner) return null;
  return (
    <>
      <Frame frame={inner} />
      {outer.length > 0 && (
        <ol aria-label="Inlined into">
          {outer.map((f) => (
            <li>
              <span class="inline-note">inlined into </span>
              <Frame frame={f} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function Frame(props: { frame: ShownAddress["frames"][number] }) {
  const f = props.frame;
  return (
    <>
      <strong class="mono">{f.function ?? "?"}</strong>
      {f.file && (
        <span class="second mono">
          {f.file}
          {f.line !== null ? `:${f.line}` : ""}
        </span>
      )}
    </>
  );
}
