import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import type { DebugFileObject } from "../../../src/assembly/debug-file-object";
import type { FileState } from "../../../src/assembly/state";
import type { SymcacheJob } from "../../../src/symcache/job";
import { debugFileObjectName, symcacheKey } from "../../../src/storage/keys";
import { DEAD_LETTER_QUEUE, PDB_INPUT_LIMIT, SYMCACHE_INPUT_LIMIT } from "../../../src/symcache/consumer";
import { corruptElfSection } from "../../support/corrupt-elf-section";
import { oversizedElf } from "../../support/oversized-elf";
import { assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

async function uploadAndWait(project: string, name: string, bytes = fixture(name)) {
  const token = await mintToken("acme");
  const { checksum, entry } = await uploadFile(token, "acme", bytes, name);
  await assemble(token, "acme", project, { [checksum]: entry });
  return { checksum, done: await waitForFile(token, "acme", project, checksum, entry, 60) };
}

async function deliver(queue: string, body: { org: string; project: string; checksum: string }, attempts = 1) {
  const batch = createMessageBatch<SymcacheJob>(queue, [
    { id: `m-${Math.random()}`, timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result: unknown = await getQueueResult(batch, ctx);
  return result as { explicitAcks: string[]; retryMessages: unknown[] };
}

describe("symcache consumer", () => {
  it("builds one symcache; a redelivered message changes nothing", async () => {
    const { checksum, done } = await uploadAndWait("cons", "elf-x86_64-gcc-dw5-O2-pie.debug");
    expect(done.state).toBe("ok");
    const before = await env.BUCKET.head(symcacheKey("acme", "cons", checksum));
    expect(before?.size).toBeGreaterThan(0);
    const result = await deliver("symcache-jobs", { org: "acme", project: "cons", checksum });
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
    // Bytes after the last section are no section at all: a valid 49 MiB file whose symcache
    // input (the slim copy of its DWARF and symbol tables) is small.
    const big = new Uint8Array(SYMCACHE_INPUT_LIMIT + 1024 * 1024);
    big.set(small);
    const { done } = await uploadAndWait("cons-big", "big.debug", big);
    expect(done.state, done.detail ?? "").toBe("ok");
  });

  it("names the limit when the debug information itself is too large", async () => {
    const big = oversizedElf(fixture("elf-x86_64-gcc-dw5-O2-pie.debug"), SYMCACHE_INPUT_LIMIT + 1024 * 1024);
    const { done } = await uploadAndWait("cons-huge", "huge.debug", big);
    expect(done.state).toBe("error");
    expect(done.detail).toMatch(
      /debug information and symbol tables take 49 MiB; symcaches are built from up to 48 MiB/,
    );
  });

  it("builds a PDB's symcache, and names the PDB limit for a PDB above it", async () => {
    const pdb = fixture("pe-x86_64-o2.pdb");
    expect((await uploadAndWait("cons-pdb", "pe-x86_64-o2.pdb", pdb)).done.state).toBe("ok");
    // The same PDB with zero pages appended: identified the same, but above the PDB limit.
    const big = new Uint8Array(PDB_INPUT_LIMIT + 1024 * 1024);
    big.set(pdb);
    const { done } = await uploadAndWait("cons-pdb-big", "big.pdb", big);
    expect(done.state).toBe("error");
    expect(done.detail).toMatch(/^The PDB is 25 MiB; symcaches are built from PDBs of up to 24 MiB/);
  });

  it("re-sends an unanswered symcache job at a poll, but not one a builder is working on", async () => {
    const checksum = "e".repeat(40);
    const stub = env.DEBUG_FILE.get(env.DEBUG_FILE.idFromName(debugFileObjectName("acme", "resend", checksum)));
    const longAgo = Date.now() - 60_000;
    const waiting = (startedAt: number | null): FileState => ({
      job: { org: "acme", project: "resend", checksum, name: "x", chunks: [] },
      phase: "assembling",
      step: "symcache",
      detail: null,
      attempts: 1,
      createdAt: longAgo,
      updatedAt: longAgo,
      symcacheSince: longAgo,
      symcacheSentAt: longAgo,
      symcacheStartedAt: startedAt,
      errorExpiresAt: null,
      identity: null,
      pending: null,
      record: null,
    });
    const sentAt = () =>
      runInDurableObject(
        stub,
        (instance: DebugFileObject) => (instance as unknown as { state: FileState }).state.symcacheSentAt,
      );
    const set = (state: FileState) =>
      runInDurableObject(stub, (instance: DebugFileObject) =>
        (instance as unknown as { save(s: FileState): void }).save(state),
      );

    await set(waiting(Date.now()));
    await stub.status();
    expect(await sentAt()).toBe(longAgo); // a builder started a moment ago: left alone

    await set(waiting(null));
    await stub.status();
    expect(await sentAt()).toBeGreaterThan(longAgo); // nobody picked it up: sent again
    await stub.forget();
  });

  it("reports a dead-lettered job as an error, so no poller waits for it", async () => {
    const checksum = "d".repeat(40);
    const stub = env.DEBUG_FILE.get(env.DEBUG_FILE.idFromName(debugFileObjectName("acme", "dlq", checksum)));
    await runInDurableObject(stub, (instance: DebugFileObject) => {
      const state: FileState = {
        job: { org: "acme", project: "dlq", checksum, name: "x", chunks: [] },
        phase: "assembling",
        step: "symcache",
        detail: null,
        attempts: 1,
        createdAt: Date.now(),
        updatedAt: Date.now(),
        symcacheSince: Date.now(),
        symcacheSentAt: Date.now(),
        symcacheStartedAt: null,
        errorExpiresAt: null,
        identity: null,
        pending: null,
        record: null,
      };
      (instance as unknown as { save(s: FileState): void }).save({ ...state, pending: {} as FileState["pending"] });
    });
    const result = await deliver(DEAD_LETTER_QUEUE, { org: "acme", project: "dlq", checksum }, 4);
    expect(result.explicitAcks).toHaveLength(1);
    const status = await stub.status();
    expect(status).toMatchObject({ state: "error", detail: expect.stringMatching(/failed 4 times/) as unknown });
  });
});
