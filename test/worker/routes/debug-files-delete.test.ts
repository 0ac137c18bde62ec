import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { filePrefix } from "../../../src/storage/keys";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

const LIST = `${BASE}/api/0/projects/acme/del/files/dsyms/`;
const call = (token: string, url: string, method = "GET") =>
  exports.default.fetch(url, { method, headers: { authorization: `Bearer ${token}` } });

describe("DELETE files/dsyms/?id=", () => {
  it("removes the file, its stored manifest and symcache, and lets a rerun start afresh", async () => {
    const token = await mintToken("acme");
    const { checksum, entry } = await uploadFile(token, "acme", fixture("breakpad-linux.sym"), "breakpad-linux.sym");
    await assemble(token, "acme", "del", { [checksum]: entry });
    const done = await waitForFile(token, "acme", "del", checksum, entry);
    const id = done.dif?.id as string;

    const readOnly = await mintToken("acme", ["project:read"]);
    expect((await call(readOnly, `${LIST}?id=${id}`, "DELETE")).status).toBe(403);
    expect((await call(await mintToken("globex"), `${LIST}?id=${id}`, "DELETE")).status).toBe(404);

    const downloaded = await call(token, `${LIST}?id=${id}`);
    expect(new Uint8Array(await downloaded.arrayBuffer())).toEqual(fixture("breakpad-linux.sym"));

    expect((await call(token, `${LIST}?id=${id}`, "DELETE")).status).toBe(204);
    expect(await (await call(token, LIST)).json()).toEqual([]);
    expect((await env.BUCKET.list({ prefix: filePrefix("acme", "del", checksum) })).objects).toEqual([]);
    expect((await call(token, `${LIST}?id=${id}`)).status).toBe(404);
    expect((await call(token, `${LIST}?id=${id}`, "DELETE")).status).toBe(404);

    // The chunks are still stored, so nothing is uploaded: the call that schedules the file again
    // answers `assembling` (not `created`, which sentry-cli would read as "already done").
    const again = await (await assemble(token, "acme", "del", { [checksum]: entry })).json();
    expect((again as Record<string, { state: string }>)[checksum]?.state).toBe("assembling");
    expect((await waitForFile(token, "acme", "del", checksum, entry)).state).toBe("ok");
  });
});
