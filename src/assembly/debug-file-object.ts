/**
 * DebugFileObject: the single writer of one debug file, one Durable Object per
 * (org, project, file checksum). However many uploaders race on the same file, their assemble
 * calls meet here, one at a time, so there is one assembly, one record and one symcache: the race
 * Sentry's 2018 code fought with retry loops cannot happen.
 *
 * The class is thin: every decision is a pure transition (transitions.ts) over a state union
 * (file-state.ts). This class loads and saves the state, turns RPC calls and alarms into events,
 * and carries out the effects a transition asks for. Work runs in the alarm handler, not in a
 * request: the alarm is persisted and re-armed as a watchdog, so a process killed mid-assembly
 * (or a lost queue message) is re-driven after a restart.
 *
 * Storage (SQLite): state(id = 1, data = FileState JSON); docs/storage.md has an example.
 */
import { DurableObject } from "cloudflare:workers";
import type { DebugFileIdentity } from "../identify/types";
import { orgCatalog, projectCatalog } from "../durable-objects";
import type { Env } from "../env";
import { ownedChunkSizes } from "../storage/chunk-ownership";
import { deletePrefix } from "../storage/file-store";
import { buildPrefix, filePrefix } from "../storage/keys";
import type { BuildTask, SymcacheJob, TaskOutcome } from "../symcache/build-task";
import { assembleAndIdentify } from "./assemble-and-identify";
import type { AssembleAnswer, AssembleJob, FileState } from "./file-state";
import { mirrorStatus } from "./status-mirror";
import { step, type Effect, type FileEvent, type Step } from "./transitions";
import { upgradeState } from "./upgrade-state";

/** Queues take at most 100 messages per sendBatch call. */
const SEND_BATCH = 100;

export class DebugFileObject extends DurableObject<Env> {
  private state: FileState | null;
  /** True while this instance runs the assembly; a fresh instance (after a restart) is not. */
  private running = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
    );
    const row = ctx.storage.sql.exec<{ data: string }>("SELECT data FROM state WHERE id = 1").toArray()[0];
    this.state = row ? upgradeState(JSON.parse(row.data) as unknown) : null;
  }

  /** Sentry's per-file decision procedure (see `schedule` in transitions.ts). */
  async assemble(job: AssembleJob): Promise<AssembleAnswer> {
    // An `ok` the catalog no longer lists (a delete that raced this file's re-upload, or died
    // between its steps) is forgotten, so this upload assembles and registers the file afresh
    // instead of answering `ok` for a file nobody can find. One catalog read per call on a
    // finished file: sentry-cli asks once per file and run.
    if (this.state?.phase === "ok" && !(await this.listed(this.state.record))) await this.forget();
    const first = await this.apply({ type: "assemble", job, running: this.running, alarmAt: await this.alarmAt() });
    if (first.answer) return first.answer;
    const owned = await ownedChunkSizes(this.env, job.org, job.chunks);
    // Another call may have scheduled the file while this one waited for the ledger: the
    // transition sees the state as it is now.
    const second = await this.apply({ type: "chunks_owned", job, owned });
    return second.answer as AssembleAnswer;
  }

  /** The current answer for this file, or null when nothing is known (or an error expired). */
  async status(): Promise<AssembleAnswer | null> {
    const polled = await this.apply({ type: "poll", running: this.running, alarmAt: await this.alarmAt() });
    return polled.answer ?? null;
  }

  /** A consumer starts a task: is it still wanted, and what was the file identified as? */
  async taskStarted(build: string, task: BuildTask): Promise<{ wanted: boolean; identity: DebugFileIdentity | null }> {
    const started = await this.apply({ type: "task_started", build, task });
    const s = this.state;
    const identity = s && "identity" in s ? s.identity : null;
    return { wanted: started.wanted === true, identity };
  }

  /** A consumer (or the dead-letter consumer) reports a task's outcome. */
  async taskFinished(build: string, task: BuildTask, outcome: TaskOutcome): Promise<void> {
    await this.apply({ type: "task_finished", build, task, outcome });
  }

  /** Forgets the file (after its catalog row was deleted): a later upload starts afresh. */
  async forget(): Promise<void> {
    const file = fileOf(this.state);
    this.save(null);
    await this.ctx.storage.deleteAlarm();
    if (file) await mirrorStatus(this.env.ASSEMBLE_STATUS, file.org, file.project, file.checksum, null);
  }

  private async listed(file: { org: string; project: string; checksum: string }): Promise<boolean> {
    return (await projectCatalog(this.env, file.org, file.project).byChecksum(file.project, file.checksum)) !== null;
  }

  async alarm(): Promise<void> {
    await this.apply({ type: "alarm" });
  }

  /** Runs one transition: saves the new state, then carries out its effects in order. */
  private async apply(event: FileEvent): Promise<Step> {
    const next = step(this.state, event, Date.now());
    if (next.state !== this.state) this.save(next.state);
    for (const effect of next.effects) await this.perform(effect);
    return next;
  }

  private async perform(effect: Effect): Promise<void> {
    const file = fileOf(this.state);
    switch (effect.type) {
      case "set_alarm":
        await this.ctx.storage.setAlarm(effect.at);
        return;
      case "delete_alarm":
        await this.ctx.storage.deleteAlarm();
        return;
      case "mirror":
        if (file) await mirrorStatus(this.env.ASSEMBLE_STATUS, file.org, file.project, file.checksum, effect.status);
        return;
      case "send":
        for (let i = 0; i < effect.jobs.length; i += SEND_BATCH) {
          await this.env.SYMCACHE_JOBS.sendBatch(
            effect.jobs.slice(i, i + SEND_BATCH).map((body: SymcacheJob) => ({ body })),
          );
        }
        return;
      case "assemble":
        await this.runAssembly(effect.job);
        return;
      case "register": {
        const registered = await projectCatalog(this.env, effect.record.org, effect.record.project).register(
          effect.record,
        );
        await orgCatalog(this.env, effect.record.org).register(registered);
        await this.apply({ type: "registered", record: registered });
        return;
      }
      case "publish": {
        const { org, project, checksum } = effect.record;
        await projectCatalog(this.env, org, project).updateSymcache(project, checksum, effect.outcome);
        await orgCatalog(this.env, org).updateSymcache(project, checksum, effect.outcome);
        await this.apply({ type: "published" });
        return;
      }
      case "delete_files":
        if (file) {
          const prefix = effect.scope === "file" ? filePrefix : buildPrefix;
          await deletePrefix(this.env.BUCKET, prefix(file.org, file.project, file.checksum));
        }
        return;
      case "log":
        console.log(`[debug-file] ${effect.message}`);
        return;
    }
  }

  private async runAssembly(job: AssembleJob): Promise<void> {
    this.running = true;
    let outcome;
    try {
      outcome = await assembleAndIdentify(this.env, job, Date.now);
    } catch (err) {
      // Storage failed under us: leave the state `assembling`; a soon alarm retries (the
      // attempt counter bounds the retries).
      console.warn("assembly failed, will retry", job.checksum, err);
      await this.ctx.storage.setAlarm(Date.now() + 5_000);
      return;
    } finally {
      this.running = false;
    }
    await this.apply({ type: "assembled", outcome, buildId: crypto.randomUUID() });
  }

  private async alarmAt(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  private save(state: FileState | null): void {
    this.state = state;
    if (state === null) {
      this.ctx.storage.sql.exec("DELETE FROM state");
      return;
    }
    this.ctx.storage.sql.exec(
      "INSERT INTO state (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
      JSON.stringify(state),
    );
  }
}

/** Which file a state belongs to (every state but `null` names it). */
function fileOf(state: FileState | null): { org: string; project: string; checksum: string } | null {
  if (!state) return null;
  return state.phase === "ok" ? state.record : state.job;
}
