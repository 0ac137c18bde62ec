import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import type { DebugFileObject } from "../../../src/assembly/debug-file-object";
import type { BuildState, FileState } from "../../../src/assembly/file-state";
import { debugFileObject } from "../../../src/durable-objects";
import type { SymcacheJob } from "../../../src/symcache/build-task";
import { buildPrefix, symcacheKey } from "../../../src/storage/keys";
import { DEAD_LETTER_QUEUE } from "../../../src/symcache/consumer";
import { DEFAULT_LIMITS } from "../../../src/symcache/limits";
import { corruptElfSection } from "../../support/corrupt-elf-section";
import { oversizedElf } from "../../support/oversized-elf";
import { assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

async function uploadAndWait(project: string, name: string, bytes = fixture(name)) {
  const token = await mintToken("acme");
  const { checksum, entry } = await uploadFile(token, "acme", bytes, name);
  await assemble(token, "acme", project, { [checksum]: entry });
  return { checksum, done: await waitForFile(token, "acme", project, checksum, entry, 60) };
}

async function deliver(queue: string, body: SymcacheJob, attempts = 1) {
  const batch = createMessageBatch<SymcacheJob>(queue, [
    { id: `m-${Math.random()}`, timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result: unknown = await getQueueResult(batch, ctx);
  return result as { explicitAcks: string[]; retryMessages: unknown[] };
}

/** A file whose symcache build (id `b1`) waits for its prepare task, sent `sentAt`. */
function building(project: string, checksum: string, task: Partial<BuildState["tasks"][number]>): FileState {
  const now = Date.now();
  const job = { org: "acme", project, checksum, name: "x", chunks: [] };
  return {
    phase: "building",
    job,
    createdAt: now,
    attempts: 1,
    identity: {
      format: "breakpad",
      debugId: "3249d99d-0c40-4931-8610-f4e4fb0b6936",
      codeId: null,
      arch: "x86_64",
      kind: "dbg",
      features: ["symtab"],
      details: { os: "Linux", name: "x", bytesScanned: 0 },
    },
    record: {
      org: "acme",
      project,
      checksum,
      objectName: "x",
      debugId: "3249d99d-0c40-4931-8610-f4e4fb0b6936",
      codeId: null,
      arch: "x86_64",
      kind: "dbg",
      format: "breakpad",
      features: ["symtab"],
      size: 1,
      contentType: "text/x-breakpad",
      createdAt: new Date(now).toISOString(),
      symcache: { status: "building" },
    },
    build: {
      id: "b1",
      since: now,
      deadline: now + 15 * 60_000,
      stage: "prepare",
      level: 0,
      inputs: 0,
      final: true,
      tasks: [{ sentAt: now, startedAt: null, done: false, ...task }],
    },
  };
}

function save(project: string, checksum: string, state: FileState) {
  return runInDurableObject(debugFileObject(env, "acme", project, checksum), (instance: DebugFileObject) =>
    (instance as unknown as { save(s: FileState): void }).save(state),
  );
}

function stateOf(project: string, checksum: string) {
  return runInDurableObject(
    debugFileObject(env, "acme", project, checksum),
    (instance: DebugFileObject) => (instance as unknown as { state: FileState | null }).state,
  );
}

describe("symcache consumer", () => {
  it("builds one symcache; a redelivered message changes nothing", async () => {
    const { checksum, done } = await uploadAndWait("cons", "elf-x86_64-gcc-dw5-O2-pie.debug");
    expect(done.state).toBe("ok");
    const before = await env.BUCKET.head(symcacheKey("acme", "cons", checksum));
    expect(before?.size).toBeGreaterThan(0);
    const result = await deliver("symcache-jobs", {
      org: "acme",
      project: "cons",
      checksum,
      build: "an-earlier-build",
      task: { stage: "prepare", index: 0 },
    });
    expect(result.explicitAcks).toHaveLength(1);
    const after = await env.BUCKET.head(symcacheKey("acme", "cons", checksum));
    expect(after?.uploaded.getTime()).toBe(before?.uploaded.getTime());
  });

  it("fails the upload with the conversion's reason", async () => {
    // A zstd-compressed .debug_info whose compressed stream is garbage: the headers are sound,
    // the DWARF cannot be read.
    const broken = corruptElfSection(fixture("elf-x86_64-gcc-dw5-O2-pie.zstd.debug"), ".debug_info", 24);
    const { done } = await uploadAndWait("cons-err", "broken.debug", broken);
    expect(done.state).toBe("error");
    expect(done.detail).toMatch(/^The symcache could not be built: .*zstd/);
  });

  it("converts an ELF by its debug sections alone: trailing bulk does not count", async () => {
    const small = fixture("elf-x86_64-gcc-dw5-O2-pie.debug");
    // Bytes after the last section are no section at all: a valid 49 MiB file whose builder
    // input (its DWARF and symbol tables) is small, built in one piece.
    const big = new Uint8Array(DEFAULT_LIMITS.fastBytes + 25 * 1024 * 1024);
    big.set(small);
    const { done } = await uploadAndWait("cons-big", "big.debug", big);
    expect(done.state, done.detail ?? "").toBe("ok");
  });

  it("builds a file whose debug information is larger than one invocation takes, in parts", async () => {
    // 49 MiB of .debug_str (zeros): more builder input than the one-piece limit, so the prepare
    // task plans units, the queue builds them and a merge writes the symcache.
    const big = oversizedElf(fixture("elf-x86_64-gcc-dw5-O2-pie.debug"), DEFAULT_LIMITS.fastBytes + 25 * 1024 * 1024);
    const { checksum, done } = await uploadAndWait("cons-huge", "huge.debug", big);
    expect(done.state, done.detail ?? "").toBe("ok");
    const symcache = await env.BUCKET.head(symcacheKey("acme", "cons-huge", checksum));
    expect(symcache?.size).toBeGreaterThan(100);
    // The build's plan and runs are gone once it is done.
    expect((await env.BUCKET.list({ prefix: buildPrefix("acme", "cons-huge", checksum) })).objects).toEqual([]);
  });

  it("builds a PDB's symcache in one piece, and a PDB above the one-piece limit in parts", async () => {
    const pdb = fixture("pe-x86_64-o2.pdb");
    const small = await uploadAndWait("cons-pdb", "pe-x86_64-o2.pdb", pdb);
    expect(small.done.state).toBe("ok");
    // The same PDB with zero blocks appended: identified the same, but above the one-piece
    // limit, so it is built module run by module run and merged, into the same symcache.
    const big = new Uint8Array(DEFAULT_LIMITS.fastBytes + 1024 * 1024);
    big.set(pdb);
    const { checksum, done } = await uploadAndWait("cons-pdb-big", "big.pdb", big);
    expect(done.state, done.detail ?? "").toBe("ok");
    const bytes = async (project: string, sum: string) =>
      new Uint8Array(await ((await env.BUCKET.get(symcacheKey("acme", project, sum))) as R2ObjectBody).arrayBuffer());
    expect(
      Buffer.from(await bytes("cons-pdb-big", checksum)).equals(Buffer.from(await bytes("cons-pdb", small.checksum))),
    ).toBe(true);
    expect((await env.BUCKET.list({ prefix: buildPrefix("acme", "cons-pdb-big", checksum) })).objects).toEqual([]);
  });

  it("re-sends an unanswered task at a poll, but not one a builder is working on", async () => {
    const checksum = "e".repeat(40);
    const longAgo = Date.now() - 60_000;
    const sentAt = async () => {
      const s = await stateOf("resend", checksum);
      return s?.phase === "building" ? s.build.tasks[0]?.sentAt : undefined;
    };

    await save("resend", checksum, building("resend", checksum, { sentAt: longAgo, startedAt: Date.now() }));
    await debugFileObject(env, "acme", "resend", checksum).status();
    expect(await sentAt()).toBe(longAgo); // a builder started a moment ago: left alone

    await save("resend", checksum, building("resend", checksum, { sentAt: longAgo, startedAt: null }));
    await debugFileObject(env, "acme", "resend", checksum).status();
    expect(await sentAt()).toBeGreaterThan(longAgo); // nobody picked it up: sent again
    await debugFileObject(env, "acme", "resend", checksum).forget();
  });

  it("reports a dead-lettered task as an error, so no poller waits for it", async () => {
    const checksum = "d".repeat(40);
    await save("dlq", checksum, building("dlq", checksum, {}));
    const job: SymcacheJob = {
      org: "acme",
      project: "dlq",
      checksum,
      build: "b1",
      task: { stage: "prepare", index: 0 },
    };
    const result = await deliver(DEAD_LETTER_QUEUE, job, 4);
    expect(result.explicitAcks).toHaveLength(1);
    const status = await debugFileObject(env, "acme", "dlq", checksum).status();
    expect(status).toMatchObject({ state: "error", detail: expect.stringMatching(/failed 4 times/) as unknown });
  });
});
