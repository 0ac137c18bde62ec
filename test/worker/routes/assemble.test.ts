import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DebugFileObject } from "../../../src/assembly/debug-file-object";
import type { FileState as StoredState } from "../../../src/assembly/file-state";
import { debugFileObject, projectCatalog } from "../../../src/durable-objects";
import { SETTLE_MS } from "../../../src/routes/assemble";
import {
  assemble,
  chunkForm,
  fixture,
  mintToken,
  postChunks,
  sha1Hex,
  uploadFile,
  waitForFile,
  type FileState,
} from "../helpers";

const enc = new TextEncoder();
const SUM = "a".repeat(40);

async function answer(res: Response): Promise<Record<string, FileState>> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return await res.json<Record<string, FileState>>();
}

/** A Breakpad file whose 64-byte chunks repeat: the same chunk occurs several times. */
function repetitiveBreakpad(): Uint8Array {
  const line = (text: string) => text.padEnd(63, " ") + "\n";
  const lines = [line("MODULE Linux x86_64 B2C6E3A8D91F4A7C9E0B1D2C3A4B5C6D0 repeat.so")];
  for (let i = 0; i < 6; i++) lines.push(line("PUBLIC 1000 0 repeated_symbol"));
  lines.push(line("PUBLIC 2000 0 last_symbol"));
  return enc.encode(lines.join(""));
}

describe("assemble", () => {
  describe("request validation (Sentry's messages)", () => {
    const cases: [string, unknown, string][] = [
      ["invalid JSON", "{not json", "Invalid json body"],
      [
        "a key that is not a SHA-1",
        { lol: { name: "x", chunks: [] } },
        "Additional properties are not allowed ('lol' was unexpected)",
      ],
      ["a file that is not an object", { [SUM]: "test" }, "'test' is not of type 'object'"],
      ["a missing name", { [SUM]: { chunks: [] } }, "'name' is a required property"],
      ["missing chunks", { [SUM]: { name: "x" } }, "'chunks' is a required property"],
      ["a bad chunk", { [SUM]: { name: "x", chunks: ["abc"] } }, "'abc' does not match '^[0-9a-f]{40}$'"],
      [
        "a bad debug_id",
        { [SUM]: { name: "x", debug_id: "invalid-debug-id", chunks: [] } },
        "'invalid-debug-id' does not match '^[A-Fa-f0-9-]+$'",
      ],
      ["a body that is not an object", [], "[] is not of type 'object'"],
    ];
    for (const [what, body, error] of cases) {
      it(`rejects ${what}`, async () => {
        const res = await assemble(await mintToken("acme"), "acme", "app", body);
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error });
      });
    }

    it("answers {} to {}", async () => {
      expect(await answer(await assemble(await mintToken("acme"), "acme", "app", {}))).toEqual({});
    });
  });

  describe("decision procedure", () => {
    it("answers not_found without chunks (a poll for an unknown file)", async () => {
      const token = await mintToken("acme");
      const body = { [SUM]: { name: "x", chunks: [] } };
      expect(await answer(await assemble(token, "acme", "app", body))).toEqual({
        [SUM]: { state: "not_found", missingChunks: [] },
      });
    });

    it("lists the chunks this org lacks, once each", async () => {
      const token = await mintToken("acme");
      const present = enc.encode("present");
      const presentSum = await sha1Hex(present);
      await postChunks(token, "acme", chunkForm([{ name: presentSum, body: present }]));
      const missing = "b".repeat(40);
      const body = { [SUM]: { name: "x", chunks: [presentSum, missing, missing] } };
      expect((await answer(await assemble(token, "acme", "app", body)))[SUM]).toEqual({
        state: "not_found",
        missingChunks: [missing],
      });
    });

    it("tells org B to upload a chunk that only org A holds", async () => {
      const a = await mintToken("org-a");
      const b = await mintToken("org-b");
      const bytes = enc.encode("secret chunk of org A");
      const sum = await sha1Hex(bytes);
      expect((await postChunks(a, "org-a", chunkForm([{ name: sum, body: bytes }]))).status).toBe(200);
      const body = { [sum]: { name: "secret", chunks: [sum] } };
      expect((await answer(await assemble(b, "org-b", "app", body)))[sum]).toEqual({
        state: "not_found",
        missingChunks: [sum],
      });
    });
  });

  describe("assembly", () => {
    it("assembles, identifies and answers ok with Sentry's dif; a rerun is ok at once", async () => {
      const token = await mintToken("acme");
      const bytes = fixture("elf-x86_64-gcc-dw5-O2-pie.debug");
      const { checksum, entry } = await uploadFile(token, "acme", bytes, "hello.debug", 4096);
      // Every chunk is already stored (no `not_found` was answered): the scheduling call says
      // `assembling`, so that sentry-cli polls and shows the outcome.
      const first = (await answer(await assemble(token, "acme", "app", { [checksum]: entry })))[checksum];
      expect(first?.state).toBe("assembling");
      const done = await waitForFile(token, "acme", "app", checksum, entry);
      expect(done.state).toBe("ok");
      expect(done.dif).toMatchObject({
        objectName: "hello.debug",
        sha1: checksum,
        size: bytes.byteLength,
        symbolType: "elf",
      });
      expect(done.dif?.data.type).toBe("dbg");
      const again = (await answer(await assemble(token, "acme", "app", { [checksum]: entry })))[checksum];
      expect(again?.state).toBe("ok");
      expect(again?.dif?.id).toBe(done.dif?.id);
    });

    /** sentry-cli's order: ask, upload what is missing, ask again; the second answer, and how long it took. */
    async function askUploadAsk(token: string, project: string, bytes: Uint8Array, name: string) {
      const checksum = await sha1Hex(bytes);
      const entry = { name, chunks: [checksum] };
      const first = (await answer(await assemble(token, "acme", project, { [checksum]: entry })))[checksum];
      expect(first).toEqual({ state: "not_found", missingChunks: [checksum] });
      expect((await postChunks(token, "acme", chunkForm([{ name: checksum, body: bytes }]))).status).toBe(200);
      const started = Date.now();
      const second = (await answer(await assemble(token, "acme", project, { [checksum]: entry })))[checksum];
      return { second, ms: Date.now() - started };
    }

    it("answers the call after the upload with the outcome when the file finishes quickly", async () => {
      const token = await mintToken("acme");
      // What would be `created` (and a poll a second later) is the outcome: ok with the dif...
      const ok = await askUploadAsk(token, "settle", fixture("breakpad-linux.sym"), "app.sym");
      expect(ok.second?.state, ok.second?.detail ?? "").toBe("ok");
      expect(ok.second?.dif).toMatchObject({
        symbolType: "breakpad",
        sha1: await sha1Hex(fixture("breakpad-linux.sym")),
      });
      expect(ok.ms).toBeLessThan(SETTLE_MS + 1000);
      // ...or the error with its reason.
      const junk = await askUploadAsk(token, "settle", crypto.getRandomValues(new Uint8Array(5000)), "junk.bin");
      expect(junk.second?.state).toBe("error");
      expect(junk.second?.detail).toMatch(/debug information file|unsupported/i);
    });

    it("gives 50 concurrent assemble calls of one new file exactly one record", async () => {
      const token = await mintToken("acme");
      const bytes = fixture("elf-x86_64-gcc-dw4-O0-pie");
      const { checksum, entry } = await uploadFile(token, "acme", bytes, "hello", 8192);
      const answers = await Promise.all(
        Array.from(
          { length: 50 },
          async () => (await answer(await assemble(token, "acme", "race", { [checksum]: entry })))[checksum],
        ),
      );
      // One call scheduled the file (all chunks were stored: it answers `assembling`, as do the
      // calls that find it in the works).
      expect(answers.every((a) => a?.state === "assembling")).toBe(true);
      await waitForFile(token, "acme", "race", checksum, entry);
      const polls = await Promise.all(
        Array.from(
          { length: 50 },
          async () => (await answer(await assemble(token, "acme", "race", { [checksum]: entry })))[checksum],
        ),
      );
      expect(new Set(polls.map((p) => p?.dif?.id)).size).toBe(1);
      expect(await projectCatalog(env, "acme", "race").list({ limit: 100 })).toHaveLength(1);
    });

    it("concatenates chunks in request order with duplicates", async () => {
      const token = await mintToken("acme");
      const bytes = repetitiveBreakpad();
      const { checksum, entry } = await uploadFile(token, "acme", bytes, "repeat.sym", 64);
      expect(new Set(entry.chunks).size).toBeLessThan(entry.chunks.length);
      await assemble(token, "acme", "app", { [checksum]: entry });
      const done = await waitForFile(token, "acme", "app", checksum, entry);
      expect(done.state, done.detail ?? "").toBe("ok");
      expect(done.dif).toMatchObject({ size: bytes.byteLength, objectName: "repeat", symbolType: "breakpad" });
    });

    it("reports a wrong whole-file checksum", async () => {
      const token = await mintToken("acme");
      const { entry } = await uploadFile(token, "acme", fixture("elf-x86_64-gcc-dw4-O0-pie"), "hello", 8192);
      const wrong = "c".repeat(40);
      await assemble(token, "acme", "app", { [wrong]: entry });
      const done = await waitForFile(token, "acme", "app", wrong, entry);
      expect(done).toEqual({ state: "error", detail: "Reported checksum mismatch", missingChunks: [] });
    });

    it("reports a file that is not a debug file, then forgets the error after 300 s", async () => {
      const token = await mintToken("acme");
      const junk = crypto.getRandomValues(new Uint8Array(5000));
      const { checksum, entry } = await uploadFile(token, "acme", junk, "junk.bin");
      await assemble(token, "acme", "app", { [checksum]: entry });
      const done = await waitForFile(token, "acme", "app", checksum, entry);
      expect(done.state).toBe("error");
      expect(done.detail).toMatch(/debug information file|unsupported/i);
      await runInDurableObject(debugFileObject(env, "acme", "app", checksum), (instance: DebugFileObject) => {
        const state = (instance as unknown as { state: StoredState }).state;
        if (state.phase === "error") state.expiresAt = Date.now() - 1;
      });
      const retried = (await answer(await assemble(token, "acme", "app", { [checksum]: entry })))[checksum];
      expect(retried?.state).toBe("assembling");
    });

    it("re-drives an assembly that a crash interrupted", async () => {
      const token = await mintToken("acme");
      const { checksum, entry } = await uploadFile(token, "acme", fixture("elf-x86_64-gcc-dw4-O0-pie"), "hello", 8192);
      const stub = debugFileObject(env, "acme", "crash", checksum);
      // Schedule, then simulate a process that died in the middle of the assembly: the state says
      // `assembling`, the alarm is still armed (the watchdog), nothing else was written.
      await assemble(token, "acme", "crash", { [checksum]: entry });
      await runInDurableObject(stub, async (instance: DebugFileObject, state) => {
        await state.storage.deleteAlarm();
        const job = { org: "acme", project: "crash", checksum, name: entry.name, chunks: entry.chunks };
        const crashed: StoredState = { phase: "assembling", job, createdAt: Date.now(), attempts: 1 };
        (instance as unknown as { save(s: StoredState): void }).save(crashed);
        await state.storage.setAlarm(Date.now() + 60_000);
      });
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      const done = await waitForFile(token, "acme", "crash", checksum, entry);
      expect(done.state).toBe("ok");
    });
  });
});
