/**
 * The exact commands for this deployment: upload with sentry-cli, mint tokens, gdb over
 * debuginfod, Visual Studio / WinDbg over the symbol server, Symbolicator sources. The values
 * (URL, org, project) are this service's; the token stays a placeholder, never shown here.
 */
import { paths, type Viewer } from "../context";
import { Command } from "./components";
import { Layout, ProjectTabs } from "./layout";

export function SetupPage(props: { viewer: Viewer; project: string | null; origin: string; projects: string[] }) {
  const { viewer, origin } = props;
  const org = viewer.org;
  const project = props.project ?? "<project>";
  const crumbs = [
    { label: "Projects", href: paths.projects(org) },
    ...(props.project ? [{ label: props.project, href: paths.files(org, props.project) }] : []),
    { label: "Setup" },
  ];
  const sentrySource = JSON.stringify(
    { id: "symbols", type: "sentry", url: `${origin}/api/0/projects/${org}/${project}/files/dsyms/`, token: "<token>" },
    null,
    2,
  );
  return (
    <Layout title="Setup" viewer={viewer} crumbs={crumbs}>
      <h1>Setup</h1>
      {props.project ? (
        <ProjectTabs org={org} project={props.project} current="setup" />
      ) : (
        <p class="sub">
          Commands for the organization {org}
          {props.projects.length > 0
            ? ": pick a project to fill it in. "
            : "; replace <project> with your project's slug. "}
          {props.projects.map((p, i) => (
            <>
              {i > 0 && ", "}
              <a href={paths.setup(org, p)}>{p}</a>
            </>
          ))}
        </p>
      )}

      <section aria-labelledby="upload" class="stack">
        <h2 id="upload">Upload debug files from CI</h2>
        <p>
          With <code>sentry-cli</code> (2.x or 3.x), unmodified. <code>--url</code> goes before the subcommand;{" "}
          <code>--wait</code> waits until every file is processed and prints its state.
        </p>
        <Command
          label="Upload a build folder"
          text={`sentry-cli --url ${origin} --auth-token "$TOKEN" \\\n  debug-files upload --org ${org} --project ${project} --wait build/`}
        />
        <Command
          label="Or with environment variables (as in CI)"
          text={`export SENTRY_URL=${origin} SENTRY_ORG=${org} SENTRY_PROJECT=${project} SENTRY_AUTH_TOKEN="$TOKEN"\nsentry-cli debug-files upload --wait build/`}
        />
      </section>

      <section aria-labelledby="tokens" class="stack">
        <h2 id="tokens">Tokens</h2>
        <p>
          Tokens are minted with the service's admin secret (<code>ADMIN_TOKEN</code>). An <code>sntrys_</code> token
          carries this URL and the organization, so sentry-cli needs neither <code>--url</code> nor <code>--org</code>.
        </p>
        <Command
          label="An sntrys_ token for CI (read and write)"
          text={`curl -s -X POST ${origin}/api/0/admin/tokens/ \\\n  -H "Authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \\\n  -d '{"org": "${org}", "scopes": ["project:read", "project:write"], "format": "sntrys"}'`}
        />
        <Command
          label="Then"
          text={`SENTRY_AUTH_TOKEN=sntrys_… sentry-cli debug-files upload --project ${project} --wait build/`}
        />
        <Command
          label="A read-only token for debuggers and this page (no delete)"
          text={`curl -s -X POST ${origin}/api/0/admin/tokens/ \\\n  -H "Authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \\\n  -d '{"org": "${org}", "scopes": ["project:read"]}'`}
        />
        <p class="hint">
          From a checkout of the service:{" "}
          <code>
            npm run token -- {org} --sntrys --url {origin}
          </code>
          .
        </p>
      </section>

      <section aria-labelledby="gdb" class="stack">
        <h2 id="gdb">gdb, debuginfod-find and llvm-symbolizer (debuginfod)</h2>
        <Command
          label="Once: a headers file with the token"
          text={`mkdir -p ~/.config\n(umask 077 && printf 'Authorization: Bearer %s\\n' "$TOKEN" > ~/.config/symbols.headers)`}
        />
        <Command
          label="In the shell that debugs"
          text={`export DEBUGINFOD_URLS="${origin}/debuginfod/${org}/${project}"\nexport DEBUGINFOD_HEADERS_FILE=~/.config/symbols.headers\ngdb -iex 'set debuginfod enabled on' ./app`}
        />
        <p class="hint">
          Or put <code>set debuginfod enabled on</code> into <code>~/.gdbinit</code>. For every project of the
          organization use <code>{`${origin}/debuginfod/${org}`}</code>.
        </p>
      </section>

      <section aria-labelledby="windows" class="stack">
        <h2 id="windows">Visual Studio and WinDbg (symbol server)</h2>
        <Command
          label="Symbol path (_NT_SYMBOL_PATH, or Tools › Options › Debugging › Symbols)"
          text={`srv*C:\\symbols*${origin}/symstore/${org}/${project}`}
        />
        <p class="hint">
          Windows symbol clients cannot send a Bearer token: put a local forwarder that adds the header in front, as
          docs/symbol-servers.md of the service shows, and use its address in the path.
        </p>
      </section>

      <section aria-labelledby="symbolicator" class="stack">
        <h2 id="symbolicator">Symbolicator</h2>
        <Command label="A sentry source over this project's debug files" text={sentrySource} />
        <Command
          label="Breakpad symbol files (a native-layout HTTP source)"
          text={`${origin}/breakpad/${org}/${project}/`}
        />
      </section>
    </Layout>
  );
}
