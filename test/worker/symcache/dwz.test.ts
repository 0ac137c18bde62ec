import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

async function upload(token: string, org: string, project: string, name: string) {
  const { checksum, entry } = await uploadFile(token, org, fixture(name), name);
  await assemble(token, org, project, { [checksum]: entry });
  return waitForFile(token, org, project, checksum, entry, 60);
}

async function frameAt(token: string, org: string, project: string, debugId: string, relative: number) {
  const res = await exports.default.fetch(`${BASE}/api/0/projects/${org}/${project}/symbolicate/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      stacktraces: [{ frames: [{ instruction_addr: `0x${(0x10000 + relative).toString(16)}` }] }],
      modules: [{ type: "elf", debug_id: debugId, image_addr: "0x10000", image_size: 0x100000 }],
    }),
  });
  const body = await res.json<{
    stacktraces: { frames: { function?: string; filename?: string; lineno?: number }[] }[];
  }>();
  return body.stacktraces[0]?.frames[0];
}

describe("dwz files", () => {
  it("take names from their alternate file when it was uploaded to the project", async () => {
    const token = await mintToken("acme");
    expect((await upload(token, "acme", "dwz", "elf-x86_64-dwz-common.debug")).state).toBe("ok");
    const done = await upload(token, "acme", "dwz", "elf-x86_64-dwz-b.so");
    expect(done.state).toBe("ok");
    expect(done.detail).toBeNull();
    expect(await frameAt(token, "acme", "dwz", done.dif?.debugId as string, 0x1120)).toMatchObject({
      function: "clamp_add",
      filename: "util.h",
      lineno: 14,
    });
  });

  it("wait a moment for an alternate file uploaded in the same run, in whichever order", async () => {
    const token = await mintToken("race");
    const main = await uploadFile(token, "race", fixture("elf-x86_64-dwz-a"), "elf-x86_64-dwz-a");
    await assemble(token, "race", "dwz", { [main.checksum]: main.entry });
    expect((await upload(token, "race", "dwz", "elf-x86_64-dwz-common.debug")).state).toBe("ok");
    const done = await waitForFile(token, "race", "dwz", main.checksum, main.entry, 60);
    expect(done.state).toBe("ok");
    expect(done.detail).toBeNull();
  });

  it("are built without it otherwise, and the answer says what is missing", async () => {
    // Another organization: the alternate file uploaded by acme is not visible to it.
    const token = await mintToken("solo");
    const done = await upload(token, "solo", "dwz-alone", "elf-x86_64-dwz-b.so");
    expect(done.state).toBe("ok");
    expect(done.detail).toMatch(/^Built without the dwz alternate file .*common.* \(build id 87fc357e/);
    expect((await frameAt(token, "solo", "dwz-alone", done.dif?.debugId as string, 0x1120))?.filename).toBe("util.h");
  });
});
