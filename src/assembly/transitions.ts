/**
 * Every change of a debug file's state, as pure functions `(state, event, now) -> step`: the new
 * state, the effects the Durable Object carries out afterwards (in order, after saving the
 * state), and, for calls that ask, the answer. Nothing here touches storage or the clock, so the
 * whole timeline (watchdogs, re-sends, deadlines, expiry) is tested without workerd.
 */
import type { DebugFileRecord, NewDebugFileRecord, SymcacheOutcome } from "../common/debug-file";
import type { DebugFileIdentity } from "../identify/types";
import { mergeLevel, type BuildTask, type SymcacheJob, type TaskOutcome } from "../symcache/build-task";
import { MAX_CHUNKS_PER_FILE, MAX_FILE_SIZE } from "../upload/limits";
import {
  buildDeadlineMs,
  TIMELINE,
  type AssembleAnswer,
  type AssembleJob,
  type BuildState,
  type FileState,
  type TaskProgress,
} from "./file-state";
import type { MirroredStatus } from "./status-mirror";

/** What assembly and identification found (assembly/assemble-and-identify.ts). */
export type AssemblyOutcome =
  | { ok: false; detail: string }
  | {
      ok: true;
      identity: DebugFileIdentity;
      record: NewDebugFileRecord;
      /** `wanted`: build a symcache; otherwise why the file gets none. */
      symcache: { wanted: true } | { wanted: false; detail: string };
    };

export type FileEvent =
  /** An assemble call; answered at once when the file is known, else ownership is needed. */
  | { type: "assemble"; job: AssembleJob; running: boolean; alarmAt: number | null }
  /** The same call, with the sizes of the chunks the organization owns (by SHA-1). */
  | { type: "chunks_owned"; job: AssembleJob; owned: ReadonlyMap<string, number> }
  /** A status read (a poll through the KV-less path, the consumer, tests). */
  | { type: "poll"; running: boolean; alarmAt: number | null }
  | { type: "alarm" }
  | { type: "assembled"; outcome: AssemblyOutcome; buildId: string }
  | { type: "task_started"; build: string; task: BuildTask }
  | { type: "task_finished"; build: string; task: BuildTask; outcome: TaskOutcome }
  | { type: "registered"; record: DebugFileRecord }
  | { type: "published" };

export type Effect =
  | { type: "set_alarm"; at: number }
  | { type: "delete_alarm" }
  | { type: "mirror"; status: MirroredStatus | null }
  | { type: "send"; jobs: SymcacheJob[] }
  /** Run the assembly and identification, then feed back `assembled`. */
  | { type: "assemble"; job: AssembleJob }
  /** Register the record in the project catalog and the org index, then feed back `registered`. */
  | { type: "register"; record: NewDebugFileRecord }
  /** Write a finished build's outcome into both catalogs, then feed back `published`. */
  | { type: "publish"; record: DebugFileRecord; outcome: SymcacheOutcome }
  /** Delete the file's R2 objects (`file`: manifest, layout, symcache, build) or only `build` ones. */
  | { type: "delete_files"; scope: "file" | "build"; build?: string }
  /** One line of the service's log (what `npm start` shows per file). */
  | { type: "log"; message: string };

export interface Step {
  state: FileState | null;
  effects: Effect[];
  /** For assemble and poll events: the answer, or null (assemble: ownership is needed; poll: unknown file). */
  answer?: AssembleAnswer | null;
  /** For task_started: whether the task is still wanted. */
  wanted?: boolean;
}

export function step(previous: FileState | null, event: FileEvent, now: number): Step {
  const state = live(previous, now);
  switch (event.type) {
    case "assemble":
      if (isKnown(state)) return { ...nudge(state, now, event.running, event.alarmAt), answer: answerOf(state) };
      if (event.job.chunks.length === 0)
        return { state, effects: [], answer: { state: "not_found", missingChunks: [] } };
      return { state, effects: [], answer: null };
    case "chunks_owned":
      return schedule(state, event.job, event.owned, now);
    case "poll":
      if (!state || state.phase === "awaiting_chunks") return { state, effects: [], answer: null };
      return { ...nudge(state, now, event.running, event.alarmAt), answer: answerOf(state) };
    case "alarm":
      return onAlarm(state, now);
    case "assembled":
      return onAssembled(state, event.outcome, event.buildId, now);
    case "task_started":
      return onTaskStarted(state, event.build, event.task, now);
    case "task_finished":
      return onTaskFinished(state, event.build, event.task, event.outcome, now);
    case "registered":
      return onRegistered(state, event.record, now);
    case "published":
      return onPublished(state);
  }
}

/** What the assemble route answers for a known file. */
export function answerOf(state: FileState): AssembleAnswer {
  switch (state.phase) {
    case "ok":
      return { state: "ok", record: state.record, detail: state.record.symcache.detail ?? null };
    case "error":
      return { state: "error", detail: state.detail };
    case "awaiting_chunks":
    case "created":
    case "assembling":
    case "building":
    case "registering":
      // `created` is answered only by the call that schedules (see `schedule`): sentry-cli reads
      // `created` on its first call as "already done" and would not wait for a file in the works.
      return { state: "assembling" };
  }
}

type Known = Exclude<FileState, { phase: "awaiting_chunks" }>;

function isKnown(state: FileState | null): state is Known {
  return state !== null && state.phase !== "awaiting_chunks";
}

/** An error past its time, or a `not_found` long forgotten by the client, is no state at all. */
function live(state: FileState | null, now: number): FileState | null {
  if (state?.phase === "error" && state.expiresAt <= now) return null;
  if (state?.phase === "awaiting_chunks" && now - state.since > TIMELINE.awaitingChunksMs) return null;
  return state;
}

/**
 * Sentry's per-file decision procedure once ownership is known: chunks this organization lacks
 * are `not_found` (listed once each); a file too large is an error; otherwise the file is
 * scheduled exactly once. The scheduling call answers `created` when the client has just
 * uploaded the chunks (Sentry's answer, which sentry-cli then polls), and `assembling` when
 * every chunk was already stored (a file uploaded to a second project, or again after a delete):
 * `created` would read as "nothing to do" and sentry-cli would not show the outcome.
 */
function schedule(state: FileState | null, job: AssembleJob, owned: ReadonlyMap<string, number>, now: number): Step {
  if (isKnown(state)) return { state, effects: [], answer: answerOf(state) }; // another call won the race
  const missing = [...new Set(job.chunks.filter((sha1) => !owned.has(sha1)))];
  if (missing.length > 0) {
    return {
      state: { phase: "awaiting_chunks", job, since: now },
      effects: [],
      answer: { state: "not_found", missingChunks: missing },
    };
  }
  // The whole file counts every chunk occurrence (Sentry counted distinct chunks: too few).
  const size = job.chunks.reduce((sum, sha1) => sum + (owned.get(sha1) ?? 0), 0);
  if (job.chunks.length > MAX_CHUNKS_PER_FILE || size > MAX_FILE_SIZE) {
    const failed = fail(job, `File ${job.name} exceeds maximum size (${size} > ${MAX_FILE_SIZE})`, now);
    return { ...failed, answer: answerOf(failed.state as FileState) };
  }
  return {
    state: { phase: "created", job, createdAt: now },
    effects: [
      // Mirrored before the alarm is armed, so that this write cannot land after the alarm's own.
      { type: "mirror", status: { state: "created", detail: null, name: job.name } },
      { type: "set_alarm", at: now },
    ],
    answer: state?.phase === "awaiting_chunks" ? { state: "created" } : { state: "assembling" },
  };
}

/**
 * A poll keeps a pending file moving. A process that died mid-assembly leaves the state
 * `assembling` with nobody running it; a queue message can be lost (local queues drop pending
 * messages on restart). Either is noticed at the next poll rather than at the watchdog, so
 * `sentry-cli --wait` sees the file finish.
 */
function nudge(state: Known, now: number, running: boolean, alarmAt: number | null): Step {
  switch (state.phase) {
    case "created":
    case "assembling":
      if (!running && (alarmAt === null || alarmAt > now + 1000)) {
        return { state, effects: [{ type: "set_alarm", at: now }] };
      }
      return { state, effects: [] };
    case "building":
    case "ok":
      return state.build ? watchBuild(state, now, TIMELINE.pollResendMs) : { state, effects: [] };
    case "registering":
      return { state, effects: alarmAt === null || alarmAt > now + 1000 ? [{ type: "set_alarm", at: now }] : [] };
    case "error":
      return { state, effects: [] };
  }
}

function onAlarm(state: FileState | null, now: number): Step {
  switch (state?.phase) {
    case "created":
    case "assembling": {
      const attempts = (state.phase === "assembling" ? state.attempts : 0) + 1;
      if (attempts > TIMELINE.maxAssemblyAttempts) {
        return fail(
          state.job,
          `Assembly did not complete after ${TIMELINE.maxAssemblyAttempts} attempts; rerun the upload to try again`,
          now,
        );
      }
      return {
        state: { phase: "assembling", job: state.job, createdAt: state.createdAt, attempts },
        effects: [
          // Re-drive if this process dies: the alarm re-fires after a restart or after the watchdog.
          { type: "set_alarm", at: now + TIMELINE.assemblyWatchdogMs },
          { type: "mirror", status: { state: "assembling", detail: null, name: state.job.name, step: "assemble" } },
          { type: "assemble", job: state.job },
        ],
      };
    }
    case "building": {
      const watched = watchBuild(state, now, TIMELINE.resendMs);
      return withAlarm(watched, now);
    }
    case "registering":
      return {
        state,
        effects: [
          { type: "register", record: state.record },
          { type: "set_alarm", at: now + TIMELINE.registerRetryMs },
        ],
      };
    case "ok":
      if (state.unpublished) {
        return {
          state,
          effects: [
            { type: "publish", record: state.record, outcome: state.unpublished },
            { type: "set_alarm", at: now + TIMELINE.registerRetryMs },
          ],
        };
      }
      if (state.build) return withAlarm(watchBuild(state, now, TIMELINE.resendMs), now);
      return { state, effects: [] };
    default:
      return { state, effects: [] };
  }
}

/** A build's alarm fires again while the build lasts. */
function withAlarm(watched: Step, now: number): Step {
  const s = watched.state;
  const building = (s?.phase === "building" || s?.phase === "ok" || s?.phase === "registering") && s.build !== null;
  if (!building || watched.effects.some((e) => e.type === "set_alarm" || e.type === "delete_alarm")) return watched;
  return { ...watched, effects: [...watched.effects, { type: "set_alarm", at: now + TIMELINE.buildAlarmMs }] };
}

function onAssembled(state: FileState | null, outcome: AssemblyOutcome, buildId: string, now: number): Step {
  if (state?.phase !== "assembling") return { state, effects: [] }; // a stale run (the state moved on)
  if (!outcome.ok) return fail(state.job, outcome.detail, now);
  const { job, createdAt, attempts } = state;
  const assembled: Effect = {
    type: "log",
    message: `assembled ${outcome.record.objectName} (${outcome.identity.format}, debug id ${outcome.record.debugId}, ${outcome.record.size} bytes) in ${now - createdAt} ms`,
  };
  if (!outcome.symcache.wanted) {
    const record = { ...outcome.record, symcache: { status: "unsupported" as const, detail: outcome.symcache.detail } };
    return {
      state: { phase: "registering", job, createdAt, attempts, identity: outcome.identity, record, build: null },
      effects: [assembled, { type: "register", record }, { type: "set_alarm", at: now + TIMELINE.registerRetryMs }],
    };
  }
  const build: BuildState = {
    id: buildId,
    since: now,
    deadline: now + buildDeadlineMs(outcome.record.size),
    stage: "prepare",
    level: 0,
    inputs: 0,
    final: true,
    tasks: [{ sentAt: now, startedAt: null, done: false }],
  };
  const record = { ...outcome.record, symcache: { status: "building" as const } };
  return {
    state: { phase: "building", job, createdAt, attempts, identity: outcome.identity, record, build },
    effects: [
      assembled,
      // Mirrored before the task is sent: the file's `ok` deletes the entry, and a write after the
      // send could land after that delete and show a finished file as in flight.
      { type: "mirror", status: { state: "assembling", detail: null, name: job.name, step: "symcache" } },
      { type: "send", jobs: [jobFor(job, build, 0)] },
      { type: "set_alarm", at: now + TIMELINE.buildAlarmMs },
    ],
  };
}

type WithBuild = Extract<FileState, { phase: "building" | "registering" | "ok" }>;

function buildOf(state: FileState | null): BuildState | null {
  if (state?.phase === "building" || state?.phase === "registering" || state?.phase === "ok") return state.build;
  return null;
}

function sameTask(build: BuildState, id: string, task: BuildTask): TaskProgress | null {
  if (build.id !== id || build.stage !== task.stage) return null;
  if (task.stage === "merge" && task.level !== build.level) return null;
  const progress = build.tasks[task.index];
  return progress && !progress.done ? progress : null;
}

function onTaskStarted(state: FileState | null, id: string, task: BuildTask, now: number): Step {
  const build = buildOf(state);
  const progress = build ? sameTask(build, id, task) : null;
  if (!state || !build || !progress) return { state, effects: [], wanted: false };
  const tasks = build.tasks.map((t, i) => (i === task.index ? { ...t, startedAt: now } : t));
  return { state: withBuild(state as WithBuild, { ...build, tasks, progressAt: now }), effects: [], wanted: true };
}

function onTaskFinished(state: FileState | null, id: string, task: BuildTask, outcome: TaskOutcome, now: number): Step {
  const build = buildOf(state);
  if (!state || !build || !sameTask(build, id, task)) return { state, effects: [] }; // a redelivery
  const current = state as WithBuild;
  switch (outcome.status) {
    case "failed":
      return buildEnded(current, { status: "error", detail: outcome.detail }, now);
    case "built":
      if (!build.final) return buildEnded(current, inconsistent(task), now);
      // The plan's note (a missing dwz file) and the final task's (unreadable DWARF) both stand.
      const note = [build.note, outcome.note].filter((n) => n !== undefined).join(" ");
      return buildEnded(current, { status: "ok", size: outcome.size, ...noteOf(note) }, now);
    case "planned": {
      if (build.stage !== "prepare" || outcome.units < 1) return buildEnded(current, inconsistent(task), now);
      const next: BuildState = {
        ...build,
        stage: "units",
        level: 0,
        inputs: 0,
        final: false,
        tasks: Array.from({ length: outcome.units }, () => ({ sentAt: now, startedAt: null, done: false })),
        ...(outcome.note ? { note: outcome.note } : {}),
      };
      return sendStage(current, next, now);
    }
    case "done": {
      if (build.stage === "prepare" || build.final) return buildEnded(current, inconsistent(task), now);
      const tasks = build.tasks.map((t, i) => (i === task.index ? { ...t, done: true } : t));
      if (tasks.some((t) => !t.done))
        return { state: withBuild(current, { ...build, tasks, progressAt: now }), effects: [] };
      // The stage is complete: the next merge level reads its runs.
      const inputs = tasks.length;
      const level = mergeLevel(inputs);
      const next: BuildState = {
        ...build,
        stage: "merge",
        level: build.stage === "units" ? 1 : build.level + 1,
        inputs,
        final: level.final,
        tasks: Array.from({ length: level.tasks }, () => ({ sentAt: now, startedAt: null, done: false })),
      };
      return sendStage(current, next, now);
    }
  }
}

function inconsistent(task: BuildTask): SymcacheOutcome {
  return {
    status: "error",
    detail: `The symcache build reported an unexpected result for its ${task.stage} task; rerun the upload to try again`,
  };
}

function noteOf(note: string | undefined): { detail?: string } {
  return note ? { detail: note } : {};
}

function sendStage(state: WithBuild, build: BuildState, now: number): Step {
  const job = state.phase === "ok" ? jobOfRecord(state.record) : state.job;
  return {
    state: withBuild(state, build),
    effects: [
      { type: "send", jobs: build.tasks.map((_, i) => jobFor(job, build, i)) },
      { type: "set_alarm", at: now + TIMELINE.buildAlarmMs },
    ],
  };
}

/**
 * A build ended (built or failed). While the file waits for it (`building`), a failure fails
 * the upload with the reason, as Sentry reported conversion errors at upload time; once the file
 * is registered (the build outlasted OK_AFTER_MS), the outcome only updates the catalogs.
 */
function buildEnded(state: WithBuild, outcome: SymcacheOutcome, now: number): Step {
  const build = state.build as BuildState;
  const cleanup: Effect = { type: "delete_files", scope: "build", build: build.id };
  // One line per file on `npm start`'s console: what, which, how big, how long, and why.
  const { objectName: name, debugId } = state.record;
  const took = now - build.since;
  const log: Effect = {
    type: "log",
    message:
      outcome.status === "ok"
        ? `symcache ready for ${name} (debug id ${debugId}, ${outcome.size ?? 0} bytes) in ${took} ms${outcome.detail ? `; note: ${outcome.detail}` : ""}`
        : `symcache failed for ${name} (debug id ${debugId}) after ${took} ms: ${outcome.detail ?? "unknown reason"}`,
  };
  switch (state.phase) {
    case "building": {
      if (outcome.status === "error") {
        const failed = fail(state.job, outcome.detail ?? "The symcache could not be built", now);
        // This line says it all; the upload's own "failed" line would repeat it.
        return { ...failed, effects: [log, ...failed.effects.filter((e) => e.type !== "log")] };
      }
      const record = { ...state.record, symcache: outcome };
      return {
        state: { ...state, phase: "registering", record, build: null },
        effects: [
          log,
          cleanup,
          { type: "register", record },
          { type: "set_alarm", at: now + TIMELINE.registerRetryMs },
        ],
      };
    }
    case "registering":
      return {
        state: { ...state, record: { ...state.record, symcache: outcome }, build: null },
        effects: [log, cleanup],
      };
    case "ok":
      return {
        state: { ...state, build: null, unpublished: outcome },
        effects: [
          log,
          cleanup,
          { type: "publish", record: state.record, outcome },
          { type: "set_alarm", at: now + TIMELINE.registerRetryMs },
        ],
      };
  }
}

/**
 * Looks after a running build: past its deadline it ends; tasks nobody picked up within
 * `resendAfter`, or whose consumer went silent, are sent again (delivery is at least once and
 * every task is idempotent); a file still building OK_AFTER_MS after it was scheduled is
 * registered now, with its symcache marked as building, so `sentry-cli --wait` finishes.
 */
function watchBuild(state: WithBuild, now: number, resendAfter: number): Step {
  const build = state.build as BuildState;
  if (now >= build.deadline) {
    const minutes = Math.round((build.deadline - build.since) / 60_000);
    return buildEnded(
      state,
      {
        status: "error",
        detail: `The symcache was not built within ${minutes} minutes; rerun the upload to try again`,
      },
      now,
    );
  }
  const job = state.phase === "ok" ? jobOfRecord(state.record) : state.job;
  const resend: number[] = [];
  // A task not picked up counts as lost only when the whole build has stood still that long:
  // with few consumers and many units, most tasks wait in the queue behind the others, and
  // sending them again would only pile up duplicates.
  const stillSince = build.progressAt ?? 0;
  const tasks = build.tasks.map((t, i) => {
    const overdue =
      t.startedAt === null
        ? now - Math.max(t.sentAt, stillSince) >= resendAfter
        : now - t.startedAt >= TIMELINE.taskTimeoutMs;
    if (t.done || !overdue) return t;
    resend.push(i);
    return { ...t, sentAt: now, startedAt: null };
  });
  const effects: Effect[] = resend.length > 0 ? [{ type: "send", jobs: resend.map((i) => jobFor(job, build, i)) }] : [];
  const next = { ...build, tasks };
  if (state.phase === "building" && now - state.createdAt >= TIMELINE.okAfterMs) {
    const record = {
      ...state.record,
      symcache: {
        status: "building" as const,
        detail: "Its symcache is still being built; symbolication uses it as soon as it is ready",
      },
    };
    return {
      state: { ...state, phase: "registering", record, build: next },
      effects: [...effects, { type: "register", record }, { type: "set_alarm", at: now + TIMELINE.registerRetryMs }],
    };
  }
  return { state: withBuild(state, next), effects };
}

function onRegistered(state: FileState | null, record: DebugFileRecord, now: number): Step {
  if (state?.phase !== "registering") return { state, effects: [] };
  const effects: Effect[] = [{ type: "mirror", status: null }];
  effects.push(state.build ? { type: "set_alarm", at: now + TIMELINE.buildAlarmMs } : { type: "delete_alarm" });
  return { state: { phase: "ok", record, identity: state.identity, build: state.build, unpublished: null }, effects };
}

function onPublished(state: FileState | null): Step {
  if (state?.phase !== "ok" || !state.unpublished) return { state, effects: [] };
  return {
    state: { ...state, record: { ...state.record, symcache: state.unpublished }, unpublished: null },
    effects: [{ type: "delete_alarm" }],
  };
}

function fail(job: AssembleJob, detail: string, now: number): Step {
  return {
    state: { phase: "error", job, detail, expiresAt: now + TIMELINE.errorTtlMs },
    effects: [
      { type: "delete_alarm" },
      // Nothing half-made stays behind: the manifest and anything built from it go.
      { type: "delete_files", scope: "file" },
      { type: "mirror", status: { state: "error", detail, name: job.name } },
      { type: "log", message: `failed ${job.name}: ${detail}` },
    ],
  };
}

function withBuild(state: WithBuild, build: BuildState): FileState {
  return { ...state, build };
}

function jobOfRecord(record: DebugFileRecord): Pick<AssembleJob, "org" | "project" | "checksum"> {
  return { org: record.org, project: record.project, checksum: record.checksum };
}

function jobFor(job: Pick<AssembleJob, "org" | "project" | "checksum">, build: BuildState, index: number): SymcacheJob {
  const task: BuildTask =
    build.stage === "merge"
      ? { stage: "merge", index, level: build.level, final: build.final }
      : { stage: build.stage, index };
  return { org: job.org, project: job.project, checksum: job.checksum, build: build.id, task };
}
