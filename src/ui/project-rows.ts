/** The rows of the projects page. Pure. */
import type { ListedStatus, ProjectSummary } from "./data";

export interface ProjectRow {
  project: string;
  summary: ProjectSummary | null;
  pending: number;
  failed: number;
}

/** Projects with files, plus projects that so far only have uploads in flight. */
export function projectRows(projects: readonly ProjectSummary[], uploads: readonly ListedStatus[]): ProjectRow[] {
  const rows = new Map<string, ProjectRow>();
  for (const summary of projects)
    rows.set(summary.project, { project: summary.project, summary, pending: 0, failed: 0 });
  for (const u of uploads) {
    const row = rows.get(u.project) ?? { project: u.project, summary: null, pending: 0, failed: 0 };
    if (u.status.state === "error") row.failed++;
    else row.pending++;
    rows.set(u.project, row);
  }
  return [...rows.values()];
}
