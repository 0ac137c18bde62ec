/**
 * Storage lifecycle: deleting a file removes everything of it; the sweep then takes the chunks
 * no manifest names once their grace period is over, and the bucket is back to exactly what the
 * other files need, byte for byte. fsck finds and repairs what a crash between steps leaves.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkStorage } from "../../../src/storage/fsck";
import { CHUNK_GRACE_MS } from "../../../src/storage/retention";
import { assembleStatusKey, fileManifestKey, symcacheKey } from "../../../src/storage/keys";
import { projectCatalog } from "../../../src/durable-objects";
import { BASE, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

const WEEK_AHEAD = () => Date.now() + CHUNK_GRACE_MS + 60_000;

async function bucketContents(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await env.BUCKET.list({ ...(cursor ? { cursor } : {}) });
    for (const o of page.objects) out.set(o.key, o.size);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

async function upload(token: string, project: string, name: string) {
  const { checksum, entry } = await uploadFile(token, "acme", fixture(name), name, 256);
  const state = await waitForFile(token, "acme", project, checksum, entry);
  expect(state.state).toBe("ok");
  return { checksum, id: String(state.dif?.id), chunks: entry.chunks };
}

async function remove(token: string, project: string, id: string): Promise<void> {
  const res = await exports.default.fetch(`${BASE}/api/0/projects/acme/${project}/files/dsyms/?id=${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(204);
}

describe("storage lifecycle", () => {
  it("upload, delete, sweep: the bucket is back to what the other files need, every byte accounted", async () => {
    const token = await mintToken("acme", ["project:read", "project:write", "project:admin"]);
    const kept = await upload(token, "app", "breakpad-mac.sym");
    const afterKept = await bucketContents();

    const shared = await upload(token, "app", "breakpad-linux.sym");
    const again = await upload(token, "other", "breakpad-linux.sym"); // same chunks, second project
    const uploaded = await bucketContents();
    const addedChunks = [...uploaded].filter(([key]) => key.startsWith("chunks/") && !afterKept.has(key));
    expect(addedChunks.length).toBe(new Set(shared.chunks).size);

    await remove(token, "app", shared.id);
    for (const key of [...uploaded.keys()].filter((k) => k.startsWith(`files/acme/app/${shared.checksum}/`))) {
      expect(await env.BUCKET.head(key)).toBeNull();
    }
    expect(await env.ASSEMBLE_STATUS.get(assembleStatusKey("acme", "app", shared.checksum))).toBeNull();
    // Still named by the other project's manifest: nothing to sweep, even a week later.
    const stillShared = await checkStorage(env, { repair: true, now: WEEK_AHEAD() });
    expect(stillShared.problems).toEqual([]);

    await remove(token, "other", again.id);
    // Within the grace period the chunks stay: an assembly may be about to use them.
    const inGrace = await checkStorage(env, { repair: true });
    expect(inGrace.problems).toEqual([]);
    expect(inGrace.chunks.inGrace).toBe(addedChunks.length);

    const swept = await checkStorage(env, { repair: true, now: WEEK_AHEAD() });
    expect(swept.problems.map((p) => p.kind)).toEqual(addedChunks.map(() => "unreferenced_chunk"));
    expect(swept.problems.reduce((sum, p) => sum + p.bytes, 0)).toBe(
      addedChunks.reduce((sum, [, size]) => sum + size, 0),
    );
    expect(swept.problems.reduce((sum, p) => sum + p.bytes, 0)).toBe(fixture("breakpad-linux.sym").byteLength);
    expect(await bucketContents()).toEqual(afterKept);
    expect(await projectCatalog(env, "acme", "app").byChecksum("app", kept.checksum)).not.toBeNull();
  });

  it("fsck reports, then repairs, what a crash between two steps leaves", async () => {
    const token = await mintToken("acme", ["project:read", "project:write", "project:admin"]);
    const orphanManifest = await upload(token, "app", "breakpad-linux.sym");
    const orphanRecord = await upload(token, "app", "breakpad-mac.sym");
    // A delete that died after the catalog row went, before R2:
    await projectCatalog(env, "acme", "app").remove(orphanManifest.id);
    // A manifest lost under its record:
    await env.BUCKET.delete(fileManifestKey("acme", "app", orphanRecord.checksum));
    // A symcache whose file is gone:
    const stray = "c".repeat(40);
    await env.BUCKET.put(symcacheKey("acme", "app", stray), new Uint8Array(100));

    const found = await checkStorage(env, { repair: false });
    expect(found.problems.map((p) => p.kind).sort()).toEqual([
      "file_leftovers",
      "file_leftovers",
      "manifest_without_record",
      "record_without_manifest",
    ]);
    const res = await exports.default.fetch(`${BASE}/api/0/admin/fsck/?repair=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect((await res.json<{ problems: unknown[] }>()).problems).toHaveLength(4);
    const after = await exports.default.fetch(`${BASE}/api/0/admin/fsck/`, {
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
    });
    expect(await after.json()).toMatchObject({ problems: [] });
    // And the repaired files upload afresh.
    await upload(token, "app", "breakpad-linux.sym");
    await upload(token, "app", "breakpad-mac.sym");
  });

  it("re-registers a file whose object says ok but whose catalog row a racing delete removed", async () => {
    const token = await mintToken("acme", ["project:read", "project:write", "project:admin"]);
    const { checksum, entry } = await uploadFile(
      token,
      "acme",
      fixture("breakpad-linux.sym"),
      "breakpad-linux.sym",
      256,
    );
    const first = await waitForFile(token, "acme", "app", checksum, entry);
    await projectCatalog(env, "acme", "app").remove(String(first.dif?.id));
    // The next upload of the file (sentry-cli's rerun) assembles it afresh instead of answering ok.
    const again = await waitForFile(token, "acme", "app", checksum, entry);
    expect(again.state).toBe("ok");
    expect(await projectCatalog(env, "acme", "app").byChecksum("app", checksum)).not.toBeNull();
  });

  it("gives every KV entry a TTL", async () => {
    await mintToken("acme");
    const tokens = await env.TOKENS.list();
    expect(tokens.keys.length).toBeGreaterThan(0);
    for (const key of tokens.keys) expect(key.expiration).toBeGreaterThan(Date.now() / 1000 + 300 * 24 * 3600);
  });
});
