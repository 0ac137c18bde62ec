/**
 * DebugFileObject: the single writer of one debug file, one Durable Object per
 * (org, project, file checksum). However many uploaders race on the same file, their assemble
 * calls meet here, one at a time, so there is one assembly, one record and one symcache: the race
 * Sentry's 2018 code fought with retry loops cannot happen.
 *
 * Work runs in the alarm handler, not in the request: the alarm is persisted, retried by the
 * runtime, and re-armed as a watchdog, so a process killed mid-assembly (or a lost queue message)
 * is re-driven after a restart and ends `ok` or `error` within a bounded time.
 *
 * Storage (SQLite): state(id = 1, data = FileState JSON). The logic lives in plain functions
 * (assembly/*.ts); this class holds the state and the alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { identify } from "../identify/index";
import { FORMAT_CONTENT_TYPE, type DebugFileIdentity, type FileFormat } from "../identify/types";
import { ownedChunkSizes } from "../storage/chunk-ownership";
import { ManifestReader, putManifest } from "../storage/file-store";
import { filePrefix, orgCatalogName, projectCatalogName } from "../storage/keys";
import type { NewDebugFileRecord, SymcacheOutcome } from "../storage/project-catalog";
import { MAX_CHUNKS_PER_FILE, MAX_FILE_SIZE } from "../upload/limits";
import { symcacheSupport } from "../symcache/support";
import { assembleFile } from "./assemble-file";
import { mirrorStatus } from "./status-mirror";
import {
  ASSEMBLY_WATCHDOG_MS,
  ERROR_TTL_SECONDS,
  MAX_ASSEMBLY_ATTEMPTS,
  SYMCACHE_DEADLINE_MS,
  SYMCACHE_REDRIVE_MS,
  SYMCACHE_BUILD_TIMEOUT_MS,
  SYMCACHE_RESEND_MS,
  type AssembleAnswer,
  type AssembleJob,
  type FileState,
} from "./state";

export class DebugFileObject extends DurableObject<Env> {
  private state: FileState | null;
  /** True while this instance runs the assembly; a fresh instance (after a restart) has not. */
  private running = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
    );
    const row = ctx.storage.sql.exec<{ data: string }>("SELECT data FROM state WHERE id = 1").toArray()[0];
    this.state = row ? (JSON.parse(row.data) as FileState) : null;
  }

  /**
   * Sentry's per-file decision procedure (reference/sentry-server.md §4.2), atomically:
   * known state -> answer it; no chunks -> not_found; chunks this org does not own ->
   * not_found + missing; otherwise schedule exactly once and answer `created`.
   */
  async assemble(job: AssembleJob): Promise<AssembleAnswer> {
    const known = this.answer();
    if (known) {
      await this.ensureProgress();
      return known;
    }
    if (job.chunks.length === 0) return { state: "not_found", missingChunks: [] };

    const owned = await ownedChunkSizes(this.env, job.org, job.chunks);
    // Another call may have scheduled the file while this one waited for the ledger.
    const raced = this.answer();
    if (raced) return raced;

    const missing = [...new Set(job.chunks.filter((sha1) => !owned.has(sha1)))];
    if (missing.length > 0) return { state: "not_found", missingChunks: missing };

    const now = Date.now();
    const state: FileState = {
      job,
      phase: "created",
      step: null,
      detail: null,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      symcacheSince: null,
      symcacheSentAt: null,
      symcacheStartedAt: null,
      errorExpiresAt: null,
      identity: null,
      pending: null,
      record: null,
    };
    // The whole file counts every chunk occurrence (Sentry counted distinct chunks: too few).
    const size = job.chunks.reduce((sum, sha1) => sum + (owned.get(sha1) ?? 0), 0);
    if (job.chunks.length > MAX_CHUNKS_PER_FILE || size > MAX_FILE_SIZE) {
      this.save(state);
      await this.fail(`File ${job.name} exceeds maximum size (${size} > ${MAX_FILE_SIZE})`);
      return this.answer() as AssembleAnswer;
    }
    this.save(state);
    // Mirrored before the alarm is armed, so that this write cannot land after the alarm's own.
    await mirrorStatus(this.env.ASSEMBLE_STATUS, job.org, job.project, job.checksum, {
      state: "created",
      detail: null,
      name: job.name,
    });
    await this.ctx.storage.setAlarm(now);
    return { state: "created" };
  }

  /** The current answer for this file, or null when nothing is known (or an error expired). */
  async status(): Promise<AssembleAnswer | null> {
    const answer = this.answer();
    if (answer) await this.ensureProgress();
    return answer;
  }

  /**
   * Pollers keep a pending file moving. A process that died mid-assembly leaves the state
   * `assembling` with nobody running it (this fresh instance is not); a queue message can be lost
   * (local queues drop pending messages on restart). Either is noticed at the next poll rather
   * than at the watchdog, so `sentry-cli --wait` sees the file finish.
   */
  private async ensureProgress(): Promise<void> {
    const s = this.state;
    if (!s || (s.phase !== "created" && s.phase !== "assembling")) return;
    const now = Date.now();
    if (s.step === "symcache") {
      // A builder that picked the job up recently is still at it: a second one would double the
      // work and, in the same isolate, the memory.
      if (s.symcacheStartedAt !== null && now - s.symcacheStartedAt < SYMCACHE_BUILD_TIMEOUT_MS) return;
      if (now - (s.symcacheSentAt ?? 0) < SYMCACHE_RESEND_MS) return;
      s.symcacheSentAt = now;
      this.save(s);
      await this.env.SYMCACHE_JOBS.send({ org: s.job.org, project: s.job.project, checksum: s.job.checksum });
      return;
    }
    if (this.running) return;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > now + 1000) await this.ctx.storage.setAlarm(now);
  }

  /** Called by the symcache consumer as it starts: is the symcache still wanted, and from what? */
  symcacheRequest(): { wanted: boolean; format: FileFormat | null } {
    const s = this.state;
    const wanted = s !== null && s.phase === "assembling" && s.step === "symcache";
    if (!wanted) return { wanted, format: null };
    s.symcacheStartedAt = Date.now();
    this.save(s);
    return { wanted, format: s.identity?.format ?? null };
  }

  /** Called by the symcache consumer (or the dead-letter consumer) with the outcome. */
  async symcacheFinished(outcome: SymcacheOutcome): Promise<void> {
    const s = this.state;
    if (!s || s.phase !== "assembling" || s.step !== "symcache" || !s.pending) return; // redelivery
    if (outcome.status === "error") {
      await this.fail(outcome.detail ?? "The symcache could not be built");
      return;
    }
    await this.finish({ ...s.pending, symcache: outcome });
  }

  /** Forgets the file (after its catalog row was deleted): a later upload starts afresh. */
  async forget(): Promise<void> {
    const job = this.state?.job;
    this.state = null;
    this.ctx.storage.sql.exec("DELETE FROM state");
    await this.ctx.storage.deleteAlarm();
    if (job) await mirrorStatus(this.env.ASSEMBLE_STATUS, job.org, job.project, job.checksum, null);
  }

  async alarm(): Promise<void> {
    const s = this.state;
    if (!s) return;
    if (s.phase === "created" || (s.phase === "assembling" && s.step === "assemble")) {
      await this.runAssembly(s);
    } else if (s.phase === "assembling" && s.step === "symcache") {
      await this.redriveSymcache(s);
    }
  }

  private async runAssembly(s: FileState): Promise<void> {
    this.running = true;
    try {
      await this.assembleAndIdentify(s);
    } finally {
      this.running = false;
    }
  }

  private async assembleAndIdentify(s: FileState): Promise<void> {
    s.attempts += 1;
    if (s.attempts > MAX_ASSEMBLY_ATTEMPTS) {
      await this.fail(
        `Assembly did not complete after ${MAX_ASSEMBLY_ATTEMPTS} attempts; rerun the upload to try again`,
      );
      return;
    }
    s.phase = "assembling";
    s.step = "assemble";
    this.save(s);
    // Re-drive if this process dies: the alarm re-fires after a restart or after the watchdog.
    await this.ctx.storage.setAlarm(Date.now() + ASSEMBLY_WATCHDOG_MS);
    await mirrorStatus(this.env.ASSEMBLE_STATUS, s.job.org, s.job.project, s.job.checksum, {
      state: "assembling",
      detail: null,
      name: s.job.name,
      step: "assemble",
    });

    const { job } = s;
    const owned = await ownedChunkSizes(this.env, job.org, job.chunks);
    const assembled = await assembleFile(
      this.env.BUCKET,
      job.checksum,
      job.chunks.map((sha1) => ({ sha1, size: owned.get(sha1) ?? 0 })),
    );
    if (!assembled.ok) {
      await this.fail(assembled.detail);
      return;
    }
    await putManifest(this.env.BUCKET, job.org, job.project, assembled.manifest);

    const identified = await identify(new ManifestReader(this.env.BUCKET, assembled.manifest));
    if (!identified.ok) {
      await this.fail(identified.failure.detail);
      return;
    }
    const identity = identified.identity;
    const pending: NewDebugFileRecord = {
      org: job.org,
      project: job.project,
      checksum: job.checksum,
      objectName: objectName(job.name, identity),
      debugId: chooseDebugId(identity.debugId, job.debugId),
      codeId: identity.codeId,
      arch: identity.arch,
      kind: identity.kind,
      format: identity.format,
      features: identity.features,
      size: assembled.manifest.size,
      contentType: FORMAT_CONTENT_TYPE[identity.format],
      createdAt: new Date().toISOString(),
      symcache: { status: "unsupported" },
    };

    const support = symcacheSupport(identity);
    if (!support.supported) {
      await this.finish({ ...pending, symcache: { status: "unsupported", detail: support.detail } });
      return;
    }
    s.step = "symcache";
    s.identity = identity;
    s.pending = pending;
    s.symcacheSince = Date.now();
    s.symcacheSentAt = s.symcacheSince;
    this.save(s);
    // Mirrored before the job is sent: the consumer's `ok` deletes the entry, and a write after
    // the send could land after that delete and show a finished file as in flight.
    await mirrorStatus(this.env.ASSEMBLE_STATUS, job.org, job.project, job.checksum, {
      state: "assembling",
      detail: null,
      name: job.name,
      step: "symcache",
    });
    await this.env.SYMCACHE_JOBS.send({ org: job.org, project: job.project, checksum: job.checksum });
    await this.ctx.storage.setAlarm(Date.now() + SYMCACHE_REDRIVE_MS);
  }

  /** No word from the consumer: the message may have been lost (local queues drop on restart). */
  private async redriveSymcache(s: FileState): Promise<void> {
    if (Date.now() - (s.symcacheSince ?? 0) > SYMCACHE_DEADLINE_MS) {
      await this.fail(
        `The symcache was not built within ${SYMCACHE_DEADLINE_MS / 60_000} minutes; rerun the upload to try again`,
      );
      return;
    }
    s.symcacheSentAt = Date.now();
    this.save(s);
    await this.env.SYMCACHE_JOBS.send({ org: s.job.org, project: s.job.project, checksum: s.job.checksum });
    await this.ctx.storage.setAlarm(Date.now() + SYMCACHE_REDRIVE_MS);
  }

  private async finish(record: NewDebugFileRecord): Promise<void> {
    const s = this.state as FileState;
    const catalog = this.env.PROJECT_CATALOG.get(
      this.env.PROJECT_CATALOG.idFromName(projectCatalogName(record.org, record.project)),
    );
    const registered = await catalog.register(record);
    const orgIndex = this.env.PROJECT_CATALOG.get(this.env.PROJECT_CATALOG.idFromName(orgCatalogName(record.org)));
    await orgIndex.register(registered);
    s.phase = "ok";
    s.step = null;
    s.record = registered;
    s.pending = null;
    s.detail = null;
    this.save(s);
    await this.ctx.storage.deleteAlarm();
    await mirrorStatus(this.env.ASSEMBLE_STATUS, record.org, record.project, record.checksum, null);
  }

  private async fail(detail: string): Promise<void> {
    const s = this.state as FileState;
    s.phase = "error";
    s.step = null;
    s.detail = detail;
    s.pending = null;
    s.errorExpiresAt = Date.now() + ERROR_TTL_SECONDS * 1000;
    this.save(s);
    await this.ctx.storage.deleteAlarm();
    const { org, project, checksum } = s.job;
    // Nothing half-made stays behind: the manifest and any symcache of this attempt go.
    const stale = await this.env.BUCKET.list({ prefix: filePrefix(org, project, checksum) });
    if (stale.objects.length > 0) await this.env.BUCKET.delete(stale.objects.map((o) => o.key));
    await mirrorStatus(this.env.ASSEMBLE_STATUS, org, project, checksum, { state: "error", detail, name: s.job.name });
  }

  private answer(): AssembleAnswer | null {
    const s = this.state;
    if (!s) return null;
    switch (s.phase) {
      case "ok":
        return { state: "ok", record: s.record!, detail: s.record?.symcache.detail ?? null };
      case "error":
        if ((s.errorExpiresAt ?? 0) <= Date.now()) {
          this.state = null;
          this.ctx.storage.sql.exec("DELETE FROM state");
          return null;
        }
        return { state: "error", detail: s.detail ?? "An unknown error occurred" };
      case "created":
      case "assembling":
        // Only the call that schedules answers `created`: sentry-cli reads `created` on its first
        // call as "already done" and would not wait for a file that is still in the works.
        return { state: "assembling" };
    }
  }

  private save(s: FileState): void {
    s.updatedAt = Date.now();
    this.state = s;
    this.ctx.storage.sql.exec(
      "INSERT INTO state (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
      JSON.stringify(s),
    );
  }
}

/** Sentry's object_name: the basename of the uploaded name; Breakpad files lose `.sym`. */
function objectName(name: string, identity: DebugFileIdentity): string {
  const base = name.split(/[\\/]/).pop() || name;
  return identity.format === "breakpad" ? base.replace(/\.sym$/i, "") : base;
}

/**
 * A client-supplied debug id replaces the file's own only when the UUID parts agree: sentry-cli
 * patches a PDB's age from its PE, and nothing else may be overridden.
 */
function chooseDebugId(own: string, claimed: string | undefined): string {
  if (!claimed) return own;
  const normalized = claimed.toLowerCase();
  return normalized.slice(0, 36) === own.slice(0, 36) && /^[0-9a-f-]+$/.test(normalized) ? normalized : own;
}
