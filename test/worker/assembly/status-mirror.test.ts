/**
 * The KV mirror as the web page reads it: one list call per project, each entry with the file's
 * name, state, step and reason in its metadata, and nothing of other projects or orgs.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listMirroredStatuses, mirrorStatus } from "../../../src/assembly/status-mirror";
import { assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

const sha = (n: number) => n.toString(16).padStart(40, "0");

describe("status mirror listing", () => {
  it("lists a project's statuses with name, step and detail, and only that project's", async () => {
    const kv = env.ASSEMBLE_STATUS;
    await mirrorStatus(kv, "mirror-org", "app", sha(1), { state: "created", detail: null, name: "libfoo.so" });
    await mirrorStatus(kv, "mirror-org", "app", sha(2), {
      state: "assembling",
      detail: null,
      name: "libbar.so",
      step: "symcache",
    });
    await mirrorStatus(kv, "mirror-org", "app2", sha(3), { state: "error", detail: "bad", name: "x" });
    await mirrorStatus(kv, "other-org", "app", sha(4), { state: "created", detail: null, name: "theirs" });

    const listed = await listMirroredStatuses(kv, "mirror-org", "app");
    expect(listed.map((l) => [l.project, l.checksum, l.status])).toEqual([
      ["app", sha(1), { state: "created", detail: null, name: "libfoo.so" }],
      ["app", sha(2), { state: "assembling", detail: null, name: "libbar.so", step: "symcache" }],
    ]);
    for (const l of listed) expect(l.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await listMirroredStatuses(kv, "mirror-org")).map((l) => l.project).sort()).toEqual(["app", "app", "app2"]);

    await mirrorStatus(kv, "mirror-org", "app", sha(1), null);
    expect((await listMirroredStatuses(kv, "mirror-org", "app")).map((l) => l.checksum)).toEqual([sha(2)]);
  });

  it("shortens long names and reasons in the metadata to fit KV's 1 KiB, and keeps them whole in the value", async () => {
    const kv = env.ASSEMBLE_STATUS;
    const name = "n".repeat(2000);
    const detail = "d".repeat(2000);
    await mirrorStatus(kv, "long-org", "app", sha(5), { state: "error", detail, name });
    const [listed] = await listMirroredStatuses(kv, "long-org", "app");
    expect(JSON.stringify(listed?.status).length).toBeLessThanOrEqual(1024);
    expect(listed?.status.name).toMatch(/^n+\.\.\.$/);
    // Characters of several bytes, and quotes that JSON escapes, are measured as KV measures them.
    await mirrorStatus(kv, "long-org", "app", sha(6), {
      state: "error",
      detail: "\u{1F600}".repeat(600),
      name: '"'.repeat(600),
    });
    const wide = (await listMirroredStatuses(kv, "long-org", "app")).find((l) => l.checksum === sha(6));
    expect(new TextEncoder().encode(JSON.stringify(wide?.status)).byteLength).toBeLessThanOrEqual(1024);
    expect(wide?.status.detail?.startsWith("\u{1F600}")).toBe(true);
    expect(await kv.get(`assemble-status/long-org/app/${sha(5)}`, "json")).toEqual({ state: "error", detail, name });
  });

  it("carries the uploaded name and the reason of a failed upload, and forgets a file once it is ok", async () => {
    const token = await mintToken("mirror-flow");
    const junk = crypto.getRandomValues(new Uint8Array(3000));
    const failed = await uploadFile(token, "mirror-flow", junk, "<img src=x onerror=alert(1)>.debug");
    await assemble(token, "mirror-flow", "app", { [failed.checksum]: failed.entry });
    const done = await waitForFile(token, "mirror-flow", "app", failed.checksum, failed.entry);
    expect(done.state).toBe("error");

    const good = await uploadFile(token, "mirror-flow", fixture("elf-x86_64-gcc-dw4-O0-pie"), "hello");
    await assemble(token, "mirror-flow", "app", { [good.checksum]: good.entry });
    expect((await waitForFile(token, "mirror-flow", "app", good.checksum, good.entry)).state).toBe("ok");

    const listed = await listMirroredStatuses(env.ASSEMBLE_STATUS, "mirror-flow", "app");
    expect(listed).toHaveLength(1);
    expect(listed[0]?.checksum).toBe(failed.checksum);
    expect(listed[0]?.status).toEqual({
      state: "error",
      detail: done.detail,
      name: "<img src=x onerror=alert(1)>.debug",
    });
  });
});
