import { describe, expect, it } from "vitest";
import type { DebugFileRecord, NewDebugFileRecord } from "../../../src/common/debug-file";
import { TIMELINE, type AssembleJob, type FileState } from "../../../src/assembly/file-state";
import { step, type AssemblyOutcome, type Effect, type FileEvent, type Step } from "../../../src/assembly/transitions";
import { MERGE_FAN_IN, type BuildTask, type TaskOutcome } from "../../../src/symcache/build-task";
import type { DebugFileIdentity } from "../../../src/identify/types";

const T0 = 1_800_000_000_000;
const job: AssembleJob = {
  org: "acme",
  project: "app",
  checksum: "c".repeat(40),
  name: "libx.so",
  chunks: ["a".repeat(40), "b".repeat(40), "a".repeat(40)],
};
const owned = new Map([
  ["a".repeat(40), 100],
  ["b".repeat(40), 50],
]);
const identity: DebugFileIdentity = {
  format: "elf",
  debugId: "11cd741e-0ccf-65bb-f38c-517aa4d5fb6e",
  codeId: "1e74cd11cf0cbb65f38c517aa4d5fb6e",
  arch: "x86_64",
  kind: "lib",
  features: ["symtab", "debug"],
  details: { littleEndian: true, is64: true, machine: 62, loadAddress: 0, altLink: null, sections: [] },
};
const record: NewDebugFileRecord = {
  org: "acme",
  project: "app",
  checksum: job.checksum,
  objectName: "libx.so",
  debugId: identity.debugId,
  codeId: identity.codeId,
  arch: "x86_64",
  kind: "lib",
  format: "elf",
  features: ["symtab", "debug"],
  size: 250,
  contentType: "application/x-elf-binary",
  createdAt: new Date(T0).toISOString(),
  symcache: { status: "building" },
};
const wanted: AssemblyOutcome = { ok: true, identity, record, symcache: { wanted: true } };

/** Runs events in order from `state`, returning every step. */
function run(state: FileState | null, events: [FileEvent, number][]): Step[] {
  const steps: Step[] = [];
  for (const [event, at] of events) {
    const next = step(state, event, at);
    steps.push(next);
    state = next.state;
  }
  return steps;
}

function last(steps: Step[]): Step {
  return steps[steps.length - 1] as Step;
}

const types = (effects: Effect[]) => effects.map((e) => e.type);
const sent = (s: Step) => s.effects.flatMap((e) => (e.type === "send" ? e.jobs.map((j) => j.task) : []));
const poll = (at: number): [FileEvent, number] => [{ type: "poll", running: false, alarmAt: at + 60_000 }, at];
const finished = (build: string, task: BuildTask, outcome: TaskOutcome, at: number): [FileEvent, number] => [
  { type: "task_finished", build, task, outcome },
  at,
];

/** A file assembled at T0 + 1 s whose build `b1` is waiting for its prepare task. */
function building(): FileState {
  return last(
    run(null, [
      [{ type: "chunks_owned", job, owned }, T0],
      [{ type: "alarm" }, T0 + 10],
      [{ type: "assembled", outcome: wanted, buildId: "b1" }, T0 + 1000],
    ]),
  ).state as FileState;
}

describe("file state transitions", () => {
  describe("assemble calls (Sentry's decision procedure)", () => {
    it("answers not_found without chunks and keeps no state", () => {
      const s = step(null, { type: "assemble", job: { ...job, chunks: [] }, running: false, alarmAt: null }, T0);
      expect(s).toEqual({ state: null, effects: [], answer: { state: "not_found", missingChunks: [] } });
    });

    it("asks for chunk ownership for an unknown file", () => {
      expect(step(null, { type: "assemble", job, running: false, alarmAt: null }, T0).answer).toBeNull();
    });

    it("lists missing chunks once each and remembers it asked", () => {
      const s = step(null, { type: "chunks_owned", job, owned: new Map() }, T0);
      expect(s.answer).toEqual({ state: "not_found", missingChunks: ["a".repeat(40), "b".repeat(40)] });
      expect(s.state).toEqual({ phase: "awaiting_chunks", job, since: T0 });
    });

    it("answers created after the upload, assembling when nothing had to be uploaded", () => {
      const [, afterUpload] = run(null, [
        [{ type: "chunks_owned", job, owned: new Map() }, T0],
        [{ type: "chunks_owned", job, owned }, T0 + 5000],
      ]);
      expect(afterUpload?.answer).toEqual({ state: "created" });
      const direct = step(null, { type: "chunks_owned", job, owned }, T0);
      expect(direct.answer).toEqual({ state: "assembling" });
      expect(direct.state).toEqual({ phase: "created", job, createdAt: T0 });
      expect(direct.effects).toEqual([
        { type: "mirror", status: { state: "created", detail: null, name: "libx.so" } },
        { type: "set_alarm", at: T0 },
      ]);
    });

    it("forgets a not_found after an hour", () => {
      const [, later] = run(null, [
        [{ type: "chunks_owned", job, owned: new Map() }, T0],
        [{ type: "chunks_owned", job, owned }, T0 + TIMELINE.awaitingChunksMs + 1],
      ]);
      expect(later?.answer).toEqual({ state: "assembling" });
    });

    it("schedules exactly once: a racing call sees the file in the works", () => {
      const [first, second] = run(null, [
        [{ type: "chunks_owned", job, owned }, T0],
        [{ type: "chunks_owned", job, owned }, T0 + 1],
      ]);
      expect(first?.effects).toHaveLength(2);
      expect(second?.answer).toEqual({ state: "assembling" });
      expect(second?.effects).toEqual([]);
    });

    it("refuses a file over 2 GiB, counting every chunk occurrence", () => {
      const big = new Map([["a".repeat(40), 2 ** 30]]);
      const s = step(
        null,
        { type: "chunks_owned", job: { ...job, chunks: ["a".repeat(40), "a".repeat(40), "a".repeat(40)] }, owned: big },
        T0,
      );
      expect(s.answer).toEqual({
        state: "error",
        detail: `File libx.so exceeds maximum size (${3 * 2 ** 30} > ${2 ** 31})`,
      });
      expect(types(s.effects)).toEqual(["delete_alarm", "delete_files", "mirror", "log"]);
    });
  });

  describe("assembly", () => {
    it("runs in the alarm with a watchdog, and gives up after five attempts", () => {
      const steps = run(null, [
        [{ type: "chunks_owned", job, owned }, T0],
        [{ type: "alarm" }, T0 + 10],
      ]);
      expect(last(steps).state).toMatchObject({ phase: "assembling", attempts: 1 });
      expect(last(steps).effects).toEqual([
        { type: "set_alarm", at: T0 + 10 + TIMELINE.assemblyWatchdogMs },
        { type: "mirror", status: { state: "assembling", detail: null, name: "libx.so", step: "assemble" } },
        { type: "assemble", job },
      ]);
      // Each crash leaves `assembling`; the watchdog alarm re-drives it until the attempts run out.
      let state = last(steps).state;
      for (let attempt = 2; attempt <= TIMELINE.maxAssemblyAttempts; attempt++) {
        state = step(state, { type: "alarm" }, T0 + attempt * TIMELINE.assemblyWatchdogMs).state;
        expect(state).toMatchObject({ phase: "assembling", attempts: attempt });
      }
      const gaveUp = step(state, { type: "alarm" }, T0 + 99 * TIMELINE.assemblyWatchdogMs);
      expect(gaveUp.state).toMatchObject({
        phase: "error",
        detail: expect.stringMatching(/after 5 attempts/) as unknown,
      });
    });

    it("a poll re-arms the alarm of an assembly nobody runs (a restarted process)", () => {
      const created = step(null, { type: "chunks_owned", job, owned }, T0).state;
      const s = step(created, { type: "poll", running: false, alarmAt: T0 + TIMELINE.assemblyWatchdogMs }, T0 + 2000);
      expect(s.effects).toEqual([{ type: "set_alarm", at: T0 + 2000 }]);
      expect(s.answer).toEqual({ state: "assembling" });
      const busy = step(created, { type: "poll", running: true, alarmAt: null }, T0 + 2000);
      expect(busy.effects).toEqual([]);
    });

    it("fails with the reason and removes what it wrote", () => {
      const s = last(
        run(null, [
          [{ type: "chunks_owned", job, owned }, T0],
          [{ type: "alarm" }, T0 + 10],
          [{ type: "assembled", outcome: { ok: false, detail: "Reported checksum mismatch" }, buildId: "b1" }, T0 + 20],
        ]),
      );
      expect(s.state).toEqual({
        phase: "error",
        job,
        detail: "Reported checksum mismatch",
        expiresAt: T0 + 20 + TIMELINE.errorTtlMs,
      });
      expect(s.effects).toContainEqual({ type: "delete_files", scope: "file" });
      expect(s.effects).toContainEqual({
        type: "mirror",
        status: { state: "error", detail: "Reported checksum mismatch", name: "libx.so" },
      });
    });

    it("registers a file that gets no symcache at once", () => {
      const outcome: AssemblyOutcome = {
        ok: true,
        identity,
        record,
        symcache: { wanted: false, detail: "Stored; no symcache" },
      };
      const s = last(
        run(null, [
          [{ type: "chunks_owned", job, owned }, T0],
          [{ type: "alarm" }, T0 + 10],
          [{ type: "assembled", outcome, buildId: "b1" }, T0 + 20],
        ]),
      );
      expect(s.state?.phase).toBe("registering");
      expect(s.effects).toContainEqual({
        type: "register",
        record: { ...record, symcache: { status: "unsupported", detail: "Stored; no symcache" } },
      });
    });

    it("an error is answered for 300 s, then forgotten", () => {
      const huge = new Map([
        ["a".repeat(40), 2 ** 31],
        ["b".repeat(40), 1],
      ]);
      const failed = step(null, { type: "chunks_owned", job, owned: huge }, T0).state;
      expect(step(failed, poll(T0 + TIMELINE.errorTtlMs - 1)[0], T0 + TIMELINE.errorTtlMs - 1).answer?.state).toBe(
        "error",
      );
      const later = step(failed, { type: "assemble", job, running: false, alarmAt: null }, T0 + TIMELINE.errorTtlMs);
      expect(later.state).toBeNull();
      expect(later.answer).toBeNull();
    });
  });

  describe("symcache builds", () => {
    it("sends the prepare task; its fast-path result registers the file", () => {
      const b = building();
      expect(b).toMatchObject({ phase: "building", build: { id: "b1", stage: "prepare", final: true } });
      const steps = run(b, [
        [{ type: "task_started", build: "b1", task: { stage: "prepare", index: 0 } }, T0 + 1100],
        finished("b1", { stage: "prepare", index: 0 }, { status: "built", size: 999 }, T0 + 2000),
      ]);
      expect(steps[0]?.wanted).toBe(true);
      const done = last(steps);
      expect(done.state).toMatchObject({
        phase: "registering",
        record: { symcache: { status: "ok", size: 999 } },
        build: null,
      });
      expect(types(done.effects)).toEqual(["log", "delete_files", "register", "set_alarm"]);
      const registered = step(
        done.state,
        { type: "registered", record: { ...record, id: "7", symcache: { status: "ok", size: 999 } } },
        T0 + 2100,
      );
      expect(registered.state).toMatchObject({ phase: "ok", record: { id: "7" } });
      expect(registered.effects).toEqual([{ type: "mirror", status: null }, { type: "delete_alarm" }]);
    });

    it("a deterministic failure fails the upload with the builder's reason", () => {
      const s = step(
        building(),
        finished(
          "b1",
          { stage: "prepare", index: 0 },
          { status: "failed", detail: "The symcache could not be built: bad DWARF" },
          0,
        )[0],
        T0 + 2000,
      );
      expect(s.state).toMatchObject({ phase: "error", detail: "The symcache could not be built: bad DWARF" });
    });

    it("ignores tasks of other builds, unknown tasks and redeliveries", () => {
      const b = building();
      expect(step(b, { type: "task_started", build: "old", task: { stage: "prepare", index: 0 } }, T0).wanted).toBe(
        false,
      );
      expect(step(b, { type: "task_started", build: "b1", task: { stage: "units", index: 0 } }, T0).wanted).toBe(false);
      const done = step(
        b,
        finished("b1", { stage: "prepare", index: 0 }, { status: "built", size: 1 }, 0)[0],
        T0 + 2000,
      );
      const again = step(
        done.state,
        finished("b1", { stage: "prepare", index: 0 }, { status: "built", size: 1 }, 0)[0],
        T0 + 2001,
      );
      expect(again).toEqual({ state: done.state, effects: [] });
    });

    it("fans out: units, then merge levels of at most MERGE_FAN_IN runs, then the final merge", () => {
      const units = MERGE_FAN_IN + 8;
      let s = step(
        building(),
        finished("b1", { stage: "prepare", index: 0 }, { status: "planned", units }, 0)[0],
        T0 + 2000,
      );
      expect(sent(s)).toHaveLength(units);
      expect(sent(s)[units - 1]).toEqual({ stage: "units", index: units - 1 });
      for (let i = 0; i < units; i++) {
        s = step(s.state, finished("b1", { stage: "units", index: i }, { status: "done" }, 0)[0], T0 + 3000 + i);
        if (i < units - 1) expect(s.effects).toEqual([]);
      }
      // 40 runs: two merges at level 1, then one final merge at level 2.
      expect(sent(s)).toEqual([
        { stage: "merge", index: 0, level: 1, final: false },
        { stage: "merge", index: 1, level: 1, final: false },
      ]);
      expect(s.state).toMatchObject({ build: { stage: "merge", level: 1, inputs: units } });
      s = step(
        s.state,
        finished("b1", { stage: "merge", index: 0, level: 1, final: false }, { status: "done" }, 0)[0],
        T0 + 5000,
      );
      s = step(
        s.state,
        finished("b1", { stage: "merge", index: 1, level: 1, final: false }, { status: "done" }, 0)[0],
        T0 + 5001,
      );
      expect(sent(s)).toEqual([{ stage: "merge", index: 0, level: 2, final: true }]);
      // A stale level-1 message is not the level-2 task.
      expect(
        step(s.state, { type: "task_started", build: "b1", task: { stage: "merge", index: 0, level: 1 } }, T0).wanted,
      ).toBe(false);
      s = step(
        s.state,
        finished("b1", { stage: "merge", index: 0, level: 2, final: true }, { status: "built", size: 4096 }, 0)[0],
        T0 + 6000,
      );
      expect(s.state).toMatchObject({ phase: "registering", record: { symcache: { status: "ok", size: 4096 } } });
    });

    it("re-sends a task nobody picked up (60 s at an alarm, 20 s at a poll) or whose consumer went silent", () => {
      const b = building(); // prepare sent at T0 + 1000
      expect(
        sent(step(b, poll(T0 + 1000 + TIMELINE.pollResendMs - 1)[0], T0 + 1000 + TIMELINE.pollResendMs - 1)),
      ).toEqual([]);
      expect(sent(step(b, poll(0)[0], T0 + 1000 + TIMELINE.pollResendMs))).toHaveLength(1);
      expect(sent(step(b, { type: "alarm" }, T0 + 1000 + TIMELINE.resendMs))).toHaveLength(1);
      const started = step(
        b,
        { type: "task_started", build: "b1", task: { stage: "prepare", index: 0 } },
        T0 + 2000,
      ).state;
      expect(sent(step(started, { type: "alarm" }, T0 + 2000 + TIMELINE.taskTimeoutMs - 1))).toEqual([]);
      const silent = step(started, { type: "alarm" }, T0 + 2000 + TIMELINE.taskTimeoutMs);
      expect(sent(silent)).toHaveLength(1);
      // The re-sent task counts as not picked up again; the upload keeps waiting (2 min < OK_AFTER_MS).
      expect(silent.state).toMatchObject({ phase: "building", build: { tasks: [{ startedAt: null }] } });
    });
    it("does not re-send tasks waiting their turn while others progress; re-sends them once the build stands still", () => {
      let s = step(
        building(),
        finished("b1", { stage: "prepare", index: 0 }, { status: "planned", units: 4 }, 0)[0],
        T0 + 2000,
      );
      const unit = (index: number) => ({ stage: "units" as const, index });
      // One consumer works through the units one at a time, 15 s each, while sentry-cli polls.
      for (let i = 0; i < 3; i++) {
        const at = T0 + 2000 + i * 15_000;
        s = step(s.state, { type: "task_started", build: "b1", task: unit(i) }, at);
        expect(sent(step(s.state, ...poll(at + 14_000)))).toEqual([]);
        s = step(s.state, finished("b1", unit(i), { status: "done" }, 0)[0], at + 15_000);
      }
      // Unit 3's message is lost: nothing moves, and 20 s later a poll sends it again.
      const stood = T0 + 2000 + 45_000;
      expect(sent(step(s.state, ...poll(stood + TIMELINE.pollResendMs - 1)))).toEqual([]);
      expect(sent(step(s.state, ...poll(stood + TIMELINE.pollResendMs)))).toEqual([unit(3)]);
    });
    it("a build that outlasts four minutes registers the file, then publishes the outcome", () => {
      let s = step(
        building(),
        finished("b1", { stage: "prepare", index: 0 }, { status: "planned", units: 2 }, 0)[0],
        T0 + 2000,
      );
      s = step(s.state, { type: "task_started", build: "b1", task: { stage: "units", index: 0 } }, T0 + 2100);
      s = step(s.state, { type: "task_started", build: "b1", task: { stage: "units", index: 1 } }, T0 + 2100);
      s = step(s.state, { type: "alarm" }, T0 + TIMELINE.okAfterMs);
      expect(s.state).toMatchObject({
        phase: "registering",
        record: { symcache: { status: "building" } },
        build: { stage: "units" },
      });
      const registeredRecord: DebugFileRecord = { ...record, id: "9", symcache: { status: "building" } };
      s = step(s.state, { type: "registered", record: registeredRecord }, T0 + TIMELINE.okAfterMs + 10);
      expect(s.state).toMatchObject({ phase: "ok", build: { stage: "units" } });
      expect(s.effects).toContainEqual({ type: "set_alarm", at: T0 + TIMELINE.okAfterMs + 10 + TIMELINE.buildAlarmMs });
      expect(step(s.state, poll(T0 + TIMELINE.okAfterMs + 20)[0], T0 + TIMELINE.okAfterMs + 20).answer).toMatchObject({
        state: "ok",
      });
      s = step(
        s.state,
        finished("b1", { stage: "units", index: 0 }, { status: "done" }, 0)[0],
        T0 + TIMELINE.okAfterMs + 30,
      );
      s = step(
        s.state,
        finished("b1", { stage: "units", index: 1 }, { status: "done" }, 0)[0],
        T0 + TIMELINE.okAfterMs + 40,
      );
      s = step(
        s.state,
        finished("b1", { stage: "merge", index: 0, level: 1, final: true }, { status: "built", size: 77 }, 0)[0],
        T0 + TIMELINE.okAfterMs + 50,
      );
      expect(s.state).toMatchObject({ phase: "ok", build: null, unpublished: { status: "ok", size: 77 } });
      expect(s.effects).toContainEqual({
        type: "publish",
        record: registeredRecord,
        outcome: { status: "ok", size: 77 },
      });
      s = step(s.state, { type: "published" }, T0 + TIMELINE.okAfterMs + 60);
      expect(s.state).toMatchObject({
        phase: "ok",
        record: { symcache: { status: "ok", size: 77 } },
        unpublished: null,
      });
    });

    it("past its deadline, a build fails the waiting upload", () => {
      const b = building();
      const deadline = b.phase === "building" ? b.build.deadline : 0;
      const s = step(b, { type: "alarm" }, deadline);
      expect(s.state).toMatchObject({
        phase: "error",
        detail: expect.stringMatching(/not built within 16 minutes/) as unknown,
      });
    });
  });
});
