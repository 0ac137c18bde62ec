/**
 * ProjectCatalog: the debug files that finished processing (`ok`), one Durable Object per
 * (org, project), plus one per org (name: the org alone) that indexes every project's files for
 * org-wide lookups (debuginfod's org form). It answers the list API (filters and cursors), lookups by debug id
 * or code id (symbolication, symbol-server routes) and deletes. A file enters the catalog only
 * once its own Durable Object declares it `ok`, so nothing half-processed is ever listed.
 *
 * Storage (SQLite): debug_files, one row per (project, checksum) (the unique key that makes a
 * redelivered or repeated registration a no-op); indexes on debug_id and code_id.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { DebugFileRecord, NewDebugFileRecord, SymcacheOutcome } from "../common/debug-file";

export interface ListQuery {
  debugId?: string;
  codeId?: string;
  query?: string;
  formats?: string[];
  /** Rows with id below this (newest first): the next page. */
  beforeId?: number;
  /** Rows with id above this, the `limit` closest to it (still returned newest first): the previous page. */
  afterId?: number;
  limit: number;
}

export interface ProjectSummary {
  project: string;
  files: number;
  /** `createdAt` of the project's newest file. */
  lastUpload: string | null;
}

interface Row {
  id: number;
  record: string;
  [column: string]: SqlStorageValue;
}

export class ProjectCatalog extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS debug_files (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      project TEXT NOT NULL,
      checksum TEXT NOT NULL,
      debug_id TEXT NOT NULL,
      code_id TEXT,
      format TEXT NOT NULL,
      search TEXT NOT NULL,
      record TEXT NOT NULL,
      UNIQUE (project, checksum))`);
    sql.exec("CREATE INDEX IF NOT EXISTS debug_files_debug_id ON debug_files (debug_id)");
    sql.exec("CREATE INDEX IF NOT EXISTS debug_files_code_id ON debug_files (code_id)");
  }

  /**
   * Registers a finished file; registering the same (project, checksum) again returns the first
   * record. A record that already has an id (the org-wide index copies the project's records)
   * keeps it.
   */
  register(record: NewDebugFileRecord | DebugFileRecord): DebugFileRecord {
    const existing = this.first(
      "SELECT id, record FROM debug_files WHERE project = ? AND checksum = ?",
      record.project,
      record.checksum,
    );
    if (existing) return existing;
    const search = [record.objectName, record.debugId, record.codeId ?? "", record.arch, record.contentType]
      .join("\n")
      .toLowerCase();
    const row = this.ctx.storage.sql
      .exec<{ id: number }>(
        "INSERT INTO debug_files (project, checksum, debug_id, code_id, format, search, record) VALUES (?, ?, ?, ?, ?, ?, '') RETURNING id",
        record.project,
        record.checksum,
        record.debugId,
        record.codeId,
        record.format,
        search,
      )
      .one();
    const full: DebugFileRecord = { ...record, id: "id" in record ? record.id : String(row.id) };
    this.ctx.storage.sql.exec("UPDATE debug_files SET record = ? WHERE id = ?", JSON.stringify(full), row.id);
    return full;
  }

  get(id: string): DebugFileRecord | null {
    if (!/^\d{1,15}$/.test(id)) return null;
    return this.first("SELECT id, record FROM debug_files WHERE id = ?", Number(id));
  }

  byChecksum(project: string, checksum: string): DebugFileRecord | null {
    return this.first("SELECT id, record FROM debug_files WHERE project = ? AND checksum = ?", project, checksum);
  }

  /** Removes a file's row by its identity (the org-wide index, whose row ids are its own). */
  removeFile(project: string, checksum: string): void {
    this.ctx.storage.sql.exec("DELETE FROM debug_files WHERE project = ? AND checksum = ?", project, checksum);
  }

  /** Newest first. */
  byDebugId(debugId: string): DebugFileRecord[] {
    return this.all("SELECT id, record FROM debug_files WHERE debug_id = ? ORDER BY id DESC LIMIT 100", debugId);
  }

  /** Newest first. */
  byCodeId(codeId: string): DebugFileRecord[] {
    return this.all("SELECT id, record FROM debug_files WHERE code_id = ? ORDER BY id DESC LIMIT 100", codeId);
  }

  /**
   * Sentry's list semantics: `debug_id` and `code_id` are exact matches, and when both are given
   * the debug-id matches win and code-id matches count only if there are none; `query` is a
   * case-insensitive substring of name, ids, arch or content type; `formats` ORs formats.
   */
  list(q: ListQuery): DebugFileRecord[] {
    if (q.debugId && q.codeId) {
      const byDebug = this.list({ ...q, codeId: undefined });
      return byDebug.length > 0 ? byDebug : this.list({ ...q, debugId: undefined });
    }
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    const filter = (clause: string, value: SqlStorageValue) => {
      where.push(clause);
      args.push(value);
    };
    if (q.debugId) filter("debug_id = ?", q.debugId);
    if (q.codeId) filter("code_id = ?", q.codeId);
    if (q.query) filter("instr(search, ?) > 0", q.query.toLowerCase());
    if (q.formats && q.formats.length > 0) {
      const formats = q.formats.slice(0, 20);
      where.push(`format IN (${formats.map(() => "?").join(",")})`);
      args.push(...formats);
    }
    if (q.beforeId !== undefined) filter("id < ?", q.beforeId);
    if (q.afterId !== undefined) filter("id > ?", q.afterId);
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    args.push(q.limit);
    // Going back, the page is the rows just above the cursor: take them oldest first, then flip.
    const order = q.afterId !== undefined ? "ASC" : "DESC";
    const rows = this.all(`SELECT id, record FROM debug_files ${clause} ORDER BY id ${order} LIMIT ?`, ...args);
    return order === "ASC" ? rows.reverse() : rows;
  }

  /**
   * The projects that have files in this catalog (meant for the org-wide index, whose rows carry
   * every project of the org): file count and the newest upload of each, newest project first.
   * One pass over the (project, checksum) index plus one row read per project.
   */
  projects(): ProjectSummary[] {
    return this.ctx.storage.sql
      .exec<{ project: string; files: number; newest: string | null }>(
        `SELECT p.project AS project, p.files AS files, json_extract(d.record, '$.createdAt') AS newest
         FROM (SELECT project, COUNT(*) AS files, MAX(id) AS newest_id FROM debug_files GROUP BY project) AS p
         JOIN debug_files AS d ON d.id = p.newest_id
         ORDER BY p.newest_id DESC`,
      )
      .toArray()
      .map((row) => ({ project: row.project, files: row.files, lastUpload: row.newest }));
  }

  /**
   * Records the outcome of a symcache build that finished after its file was registered (large
   * files are registered while their symcache is still being built). Idempotent.
   */
  updateSymcache(project: string, checksum: string, outcome: SymcacheOutcome): DebugFileRecord | null {
    const existing = this.byChecksum(project, checksum);
    if (!existing) return null;
    const updated: DebugFileRecord = { ...existing, symcache: outcome };
    this.ctx.storage.sql.exec(
      "UPDATE debug_files SET record = ? WHERE project = ? AND checksum = ?",
      JSON.stringify(updated),
      project,
      checksum,
    );
    return updated;
  }

  remove(id: string): DebugFileRecord | null {
    const record = this.get(id);
    if (record) this.ctx.storage.sql.exec("DELETE FROM debug_files WHERE id = ?", Number(id));
    return record;
  }

  private first(query: string, ...args: SqlStorageValue[]): DebugFileRecord | null {
    return this.all(query, ...args)[0] ?? null;
  }

  private all(query: string, ...args: SqlStorageValue[]): DebugFileRecord[] {
    return this.ctx.storage.sql
      .exec<Row>(query, ...args)
      .toArray()
      .map((row) => JSON.parse(row.record) as DebugFileRecord);
  }
}
