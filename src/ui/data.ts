/**
 * Everything the web page reads or changes, in one place: tokens, the catalogs, the status
 * mirror, deletes, downloads and symbolication. Pages and routes under src/ui/ import only this
 * module (and pure helpers), so a change of the storage or Durable Object layer is re-pointed
 * here. Each function does what the matching API route does, through the same shared code.
 */
import type { Context } from "hono";
import type { Env } from "../env";
import { hasAccess, isSlug, type Access } from "../auth/middleware";
import { lookupToken, sha256Hex, type TokenRecord } from "../auth/tokens";
import { deleteDebugFile } from "../assembly/delete-debug-file";
import { listMirroredStatuses, type ListedStatus } from "../assembly/status-mirror";
import { parseDebugId } from "../identify/debug-id-parse";
import { cursorWindow, pageLinks, type Cursor, type PageLinks } from "../routes/cursor";
import { downloadDebugFile } from "../routes/debug-file-download";
import { symbolicateInProject } from "../routes/symbolicate-project";
import { tokenKey } from "../storage/keys";
import { orgCatalog as orgIndex, projectCatalog } from "../durable-objects";
import type { DebugFileRecord } from "../common/debug-file";
import type { ProjectSummary } from "../storage/project-catalog";
import { parseSymbolicateRequest } from "../symbolicate/request";

export type { Access, Cursor, DebugFileRecord, ListedStatus, PageLinks, ProjectSummary, TokenRecord };
export { hasAccess, isSlug };

/** A pasted token: its record and hash, or null when the service does not know it. */
export async function verifyToken(env: Env, text: string): Promise<{ record: TokenRecord; sha256: string } | null> {
  const record = await lookupToken(env.TOKENS, text);
  return record ? { record, sha256: await sha256Hex(text) } : null;
}

/** The token a session was opened with, read again (a deleted token ends its sessions). */
export function tokenBySha256(env: Env, sha256: string): Promise<TokenRecord | null> {
  return env.TOKENS.get<TokenRecord>(tokenKey(sha256), { type: "json", cacheTtl: 60 });
}

export function projectsOf(env: Env, org: string): Promise<ProjectSummary[]> {
  return orgIndex(env, org).projects();
}

/** Uploads the status mirror knows of (created, assembling, error): of a project, or of the whole org. */
export function uploadsInFlight(env: Env, org: string, project?: string): Promise<ListedStatus[]> {
  return listMirroredStatuses(env.ASSEMBLE_STATUS, org, project);
}

export interface FileQuery {
  /** Name, debug id or code id, as typed. */
  search: string;
  format: string | null;
  cursor: Cursor | null;
  perPage: number;
}

export interface FilePage {
  files: DebugFileRecord[];
  links: PageLinks;
}

/**
 * A page of the project's files, newest first, with the list API's semantics: a search that
 * reads as a debug id (any spelling) looks it up exactly; anything else is a case-insensitive
 * substring of the name, debug id, code id, arch or content type.
 */
export async function listFiles(env: Env, org: string, project: string, q: FileQuery): Promise<FilePage> {
  const catalog = projectCatalog(env, org, project);
  const search = q.search.trim();
  const base = { formats: q.format ? [q.format] : [], ...cursorWindow(q.cursor), limit: q.perPage + 1 };
  const debugId = search.length <= 45 ? parseDebugId(search) : undefined;
  const rows = await catalog.list({ ...base, ...(debugId ? { debugId } : search ? { query: search } : {}) });
  const more = rows.length > q.perPage;
  const files =
    q.cursor?.direction === "previous" ? rows.slice(Math.max(0, rows.length - q.perPage)) : rows.slice(0, q.perPage);
  return {
    files,
    links: pageLinks(
      files.map((f) => Number(f.id)),
      q.cursor,
      more,
    ),
  };
}

export function getFile(env: Env, org: string, project: string, id: string): Promise<DebugFileRecord | null> {
  return projectCatalog(env, org, project).get(id);
}

/** The project's files sharing the record's ids (symbol-server URLs and "other files of this id"). */
export async function filesSharingIds(
  env: Env,
  record: DebugFileRecord,
): Promise<{ byCodeId: DebugFileRecord[]; byDebugId: DebugFileRecord[] }> {
  const catalog = projectCatalog(env, record.org, record.project);
  const [byCodeId, byDebugId] = await Promise.all([
    record.codeId ? catalog.byCodeId(record.codeId) : Promise.resolve([]),
    catalog.byDebugId(record.debugId),
  ]);
  return { byCodeId, byDebugId };
}

export function deleteFile(env: Env, org: string, project: string, id: string): Promise<DebugFileRecord | null> {
  return deleteDebugFile(env, org, project, id);
}

export function downloadFile(c: Context, env: Env, record: DebugFileRecord): Promise<Response> {
  return downloadDebugFile(c, env.BUCKET, record);
}

export type SymbolicateOutcome =
  { ok: true; response: Awaited<ReturnType<typeof symbolicateInProject>> } | { ok: false; error: string };

/** The API's symbolication of a Symbolicator request body; errors are the API's 400 messages. */
export async function symbolicate(env: Env, org: string, project: string, body: unknown): Promise<SymbolicateOutcome> {
  const parsed = parseSymbolicateRequest(body, (text) => parseDebugId(text) ?? null);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  return { ok: true, response: await symbolicateInProject(env, org, project, parsed.request) };
}
