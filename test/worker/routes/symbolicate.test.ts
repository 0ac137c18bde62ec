import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

async function uploadAndWait(token: string, project: string, name: string) {
  const { checksum, entry } = await uploadFile(token, "acme", fixture(name), name);
  await assemble(token, "acme", project, { [checksum]: entry });
  const done = await waitForFile(token, "acme", project, checksum, entry);
  expect(done.state, done.detail ?? "").toBe("ok");
  return done;
}

async function symbolicate(token: string, project: string, body: unknown) {
  const res = await SELF.fetch(`${BASE}/api/0/projects/acme/${project}/symbolicate/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json<{
    status: string;
    stacktraces: { frames: Record<string, unknown>[] }[];
    modules: Record<string, unknown>[];
  }>();
}

describe("POST /symbolicate/", () => {
  it("answers Symbolicator's shape: inline frames innermost first, caller addresses adjusted", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "sym", "breakpad-inline.sym");
    const image = 0x7f0000000000n;
    const at = (rel: number) => `0x${(image + BigInt(rel)).toString(16)}`;
    const result = await symbolicate(token, "sym", {
      stacktraces: [
        {
          frames: [
            { instruction_addr: at(0x1018) }, // crashing frame: looked up as is
            { instruction_addr: at(0x1059) }, // return address: looked up at 0x1058
            { instruction_addr: "0x10" }, // no module
          ],
        },
      ],
      modules: [
        { type: "elf", debug_id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", image_addr: at(0), image_size: 0x10000 },
      ],
    });
    expect(result.status).toBe("completed");
    const frames = result.stacktraces[0]?.frames ?? [];
    expect(frames.map((f) => [f.original_index, f.function, f.filename, f.lineno, f.status])).toEqual([
      [0, "clamp_add", "util.h", 14, "symbolicated"],
      [0, "point_sum", "util.h", 21, "symbolicated"],
      [0, "compute", "calc.c", 11, "symbolicated"],
      [1, "clamp_add", "util.h", 14, "symbolicated"],
      [1, "accumulate", "calc.c", 17, "symbolicated"],
      [2, undefined, undefined, undefined, "unknown_image"],
    ]);
    expect(frames[2]).toMatchObject({
      abs_path: "/build/src/calc.c",
      sym_addr: at(0x1000),
      instruction_addr: at(0x1018),
    });
    expect(frames[4]).toMatchObject({ instruction_addr: at(0x1058), sym_addr: at(0x1040) });
    expect(result.modules[0]).toMatchObject({ debug_status: "found", arch: "x86_64" });
  });

  it("marks unknown modules missing and frames outside any function missing_symbol", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "sym2", "breakpad-linux.sym");
    const result = await symbolicate(token, "sym2", {
      stacktraces: [{ frames: [{ instruction_addr: "0x100fff" }, { instruction_addr: "0x200010" }] }],
      modules: [
        { type: "elf", debug_id: "b8f3c1d2-0000-0000-0000-000000000000", image_addr: "0x200000", image_size: 4096 },
        { type: "elf", debug_id: moduleId("breakpad-linux.sym"), image_addr: "0x100000", image_size: 65536 },
        { type: "elf", debug_id: "11111111-2222-3333-4444-555555555555", image_addr: "0x900000" },
      ],
    });
    expect(result.stacktraces[0]?.frames.map((f) => f.status)).toEqual(["missing_symbol", "missing"]);
    expect(result.modules.map((m) => m.debug_status)).toEqual(["missing", "found", "unused"]);
  });

  it("uses a file uploaded after the first request at once: nothing is negatively cached", async () => {
    const token = await mintToken("acme");
    const request = {
      stacktraces: [{ frames: [{ instruction_addr: "0x501010" }] }],
      modules: [{ type: "elf", debug_id: moduleId("breakpad-linux.sym"), image_addr: "0x500000" }],
    };
    expect((await symbolicate(token, "late", request)).stacktraces[0]?.frames[0]?.status).toBe("missing");
    await uploadAndWait(token, "late", "breakpad-linux.sym");
    expect((await symbolicate(token, "late", request)).stacktraces[0]?.frames[0]).toMatchObject({
      status: "symbolicated",
      function: "compute",
      lineno: 10,
    });
  });
});

function moduleId(name: string): string {
  const first = new TextDecoder().decode(fixture(name).subarray(0, 200)).split("\n")[0] as string;
  const id = first.split(" ")[3] as string;
  const uuid = id.slice(0, 32).toLowerCase();
  return `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`;
}
