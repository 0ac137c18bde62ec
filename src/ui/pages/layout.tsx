/** The frame of every page: skip link, top bar (org, navigation, sign out), breadcrumbs, main. */
import type { Child } from "hono/jsx";
import { SCRIPT, STYLESHEET } from "../assets";
import { paths, type Viewer } from "../context";

export interface Crumb {
  label: string;
  href?: string;
}

export function Layout(props: { title: string; viewer?: Viewer; crumbs?: Crumb[]; children?: Child }) {
  const { viewer } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · Symbols`}</title>
        <link rel="stylesheet" href={STYLESHEET.path} />
        <script src={SCRIPT.path} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={viewer ? paths.projects(viewer.org) : paths.home()}>
            Symbols
          </a>
          {viewer && (
            <>
              <nav aria-label="Organization">
                <a href={paths.projects(viewer.org)}>Projects</a>
                <a href={paths.setup(viewer.org)}>Setup</a>
              </nav>
              <span class="who">
                Organization <strong>{viewer.org}</strong>
                {viewer.canDelete ? "" : " · read-only"}
              </span>
              <form method="post" action={paths.logout()}>
                <input type="hidden" name="csrf" value={viewer.csrf} />
                <button type="submit" class="secondary">
                  Sign out
                </button>
              </form>
            </>
          )}
        </header>
        <main id="main">
          {props.crumbs && props.crumbs.length > 0 && (
            <nav class="crumbs" aria-label="Breadcrumb">
              {props.crumbs.map((crumb, i) => (
                <>
                  {i > 0 && " / "}
                  {crumb.href ? <a href={crumb.href}>{crumb.label}</a> : <span aria-current="page">{crumb.label}</span>}
                </>
              ))}
            </nav>
          )}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The project's sub-navigation. */
export function ProjectTabs(props: { org: string; project: string; current: "files" | "symbolicate" | "setup" }) {
  const tabs = [
    { id: "files", label: "Debug files", href: paths.files(props.org, props.project) },
    { id: "symbolicate", label: "Symbolicate", href: paths.symbolicate(props.org, props.project) },
    { id: "setup", label: "Setup", href: paths.setup(props.org, props.project) },
  ] as const;
  return (
    <nav class="tabs" aria-label="Project">
      {tabs.map((t) => (
        <a href={t.href} aria-current={t.id === props.current ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}
