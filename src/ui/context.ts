/** What a signed-in request of the web page knows about its viewer. */
import type { Env } from "../env";

export interface Viewer {
  org: string;
  /** The session's CSRF token, put into every form that changes state. */
  csrf: string;
  /** The token's scopes allow deleting (project:write, project:admin or project:releases). */
  canDelete: boolean;
}

export type UiApp = { Bindings: Env; Variables: { viewer: Viewer } };

/**
 * URLs of the page, built in one place. Organizations live under `/ui/orgs/` so that no slug can
 * shadow `/ui/login` or `/ui/static/`. Slugs are validated before they get here; ids are digits.
 */
export const paths = {
  home: () => "/ui/",
  login: (next?: string) => (next ? `/ui/login?next=${encodeURIComponent(next)}` : "/ui/login"),
  logout: () => "/ui/logout",
  projects: (org: string) => `/ui/orgs/${org}/`,
  setup: (org: string, project?: string) =>
    `/ui/orgs/${org}/setup/${project ? `?project=${encodeURIComponent(project)}` : ""}`,
  files: (org: string, project: string) => `/ui/orgs/${org}/projects/${project}/`,
  live: (org: string, project: string) => `/ui/orgs/${org}/projects/${project}/live`,
  file: (org: string, project: string, id: string) => `/ui/orgs/${org}/projects/${project}/files/${id}/`,
  download: (org: string, project: string, id: string) => `/ui/orgs/${org}/projects/${project}/files/${id}/download`,
  deleteFile: (org: string, project: string, id: string) => `/ui/orgs/${org}/projects/${project}/files/${id}/delete`,
  symbolicate: (org: string, project: string) => `/ui/orgs/${org}/projects/${project}/symbolicate/`,
};
