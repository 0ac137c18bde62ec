import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { NewDebugFileRecord } from "../../../src/common/debug-file";
import { projectCatalogName } from "../../../src/storage/keys";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

async function uploadAndWait(token: string, project: string, name: string) {
  const { checksum, entry } = await uploadFile(token, "acme", fixture(name), name);
  await assemble(token, "acme", project, { [checksum]: entry });
  const done = await waitForFile(token, "acme", project, checksum, entry);
  expect(done.state, done.detail ?? "").toBe("ok");
  return done;
}

async function symbolicate(token: string, project: string, body: unknown) {
  const res = await exports.default.fetch(`${BASE}/api/0/projects/acme/${project}/symbolicate/`, {
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

  it("answers a module whose symcache is still being built `timeout` (ask again), not `unsupported`", async () => {
    const token = await mintToken("acme");
    const catalog = env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(projectCatalogName("acme", "sym-building")));
    const record: NewDebugFileRecord = {
      org: "acme",
      project: "sym-building",
      checksum: "ab".repeat(20),
      objectName: "libbig.so.debug",
      debugId: "0badf00d-0000-0000-0000-000000000000",
      codeId: null,
      arch: "x86_64",
      kind: "dbg",
      format: "elf",
      features: ["debug", "symtab"],
      size: 300 << 20,
      contentType: "application/x-elf-binary",
      createdAt: new Date().toISOString(),
      symcache: { status: "building" },
    };
    await catalog.register(record);
    const result = await symbolicate(token, "sym-building", {
      stacktraces: [{ frames: [{ instruction_addr: "0x100010" }] }],
      modules: [{ type: "elf", debug_id: record.debugId, image_addr: "0x100000", image_size: 4096 }],
    });
    expect(result.modules.map((m) => m.debug_status)).toEqual(["timeout"]);
    expect(result.stacktraces[0]?.frames.map((f) => f.status)).toEqual(["missing"]);
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

  it("symbolicates a PE uploaded next to its PDB through the PDB (the module names the PDB's GUID and age)", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "win", "pe-x86_64-o2.exe");
    await uploadAndWait(token, "win", "pe-x86_64-o2.pdb");
    const image = 0x140000000n;
    const at = (rel: number) => `0x${(image + BigInt(rel)).toString(16)}`;
    const result = await symbolicate(token, "win", {
      stacktraces: [
        {
          frames: [
            { instruction_addr: at(0x1417) }, // crashing: inside fixture::{anonymous}::helper
            { instruction_addr: at(0x10c5) }, // return address inside Shape::area
            { instruction_addr: at(0x1495) }, // nodebug_mix: public symbol only
            { instruction_addr: at(0x1006) }, // main, its source indexed by the srcsrv stream
          ],
        },
      ],
      modules: [
        {
          type: "pe",
          debug_id: "503cdcd9-c09a-5d27-4c4c-44205044422e-1",
          code_id: "9db06cbf5000",
          image_addr: at(0),
          image_size: 0x6000,
        },
      ],
    });
    const frames = result.stacktraces[0]?.frames ?? [];
    const ns = "fixture::`anonymous namespace'::";
    expect(frames.map((f) => [f.original_index, f.function, f.filename, f.lineno, f.status])).toEqual([
      [0, `${ns}clamp`, "geometry.cpp", 61, "symbolicated"],
      [0, `${ns}mix`, "geometry.cpp", 62, "symbolicated"],
      [0, `${ns}blend`, "geometry.cpp", 63, "symbolicated"],
      [0, `${ns}helper`, "geometry.cpp", 64, "symbolicated"],
      [1, "fixture::geom::Shape::area(void) const", "geometry.cpp", 38, "symbolicated"],
      [2, "nodebug_mix", undefined, 0, "symbolicated"],
      [3, "main", "main.c", 16, "symbolicated"],
    ]);
    expect(frames[6]?.source_link).toBe(
      "https://raw.githubusercontent.com/acme/fixtures/6f1ed002ab5595859014ebf0951522d9e4d2b1a7/src/main.c",
    );
    expect(frames[3]?.source_link).toBeUndefined();
    expect(frames[3]).toMatchObject({ abs_path: "/build/src/geometry.cpp", sym_addr: at(0x1410) });
    expect(frames[4]).toMatchObject({ symbol: "?area@Shape@geom@fixture@@UEBAHXZ", sym_addr: at(0x10c0) });
    expect(result.modules[0]).toMatchObject({ debug_status: "found", arch: "x86_64" });
  });

  it("names a DLL's code by its exports until its PDB arrives, then by the PDB", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "dll", "pe-x86_64-fixture.dll");
    const request = {
      stacktraces: [{ frames: [{ instruction_addr: "0x180001027" }] }],
      modules: [{ type: "pe", debug_id: "64f6a68e-cd79-bd42-4c4c-44205044422e-1", image_addr: "0x180000000" }],
    };
    const exportsOnly = (await symbolicate(token, "dll", request)).stacktraces[0]?.frames;
    expect(exportsOnly?.map((f) => [f.function, f.abs_path, f.lineno])).toEqual([["lib_api", undefined, 0]]);
    await uploadAndWait(token, "dll", "pe-x86_64-fixture.pdb");
    const withPdb = (await symbolicate(token, "dll", request)).stacktraces[0]?.frames;
    expect(withPdb?.map((f) => [f.function, f.abs_path, f.lineno])).toEqual([["lib_api", "/build/src/lib.c", 14]]);
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

  it("re-resolves a remembered module whose file was deleted, or deleted and uploaded again", async () => {
    // A Breakpad file of 4,000 functions: its symcache spans several pages, so a frame far from
    // the first one needs a page the isolate has not read yet.
    const lines = ["MODULE Linux x86_64 5E1F0A0B0C0D0E0F10111213141516170 many.so", "FILE 0 /src/many.c"];
    for (let i = 0; i < 4000; i++) {
      const at = (0x1000 + i * 0x40).toString(16);
      lines.push(`FUNC ${at} 40 0 function_number_${i}_with_a_name_long_enough_to_fill_pages`, `${at} 40 ${i + 1} 0`);
    }
    const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);
    const token = await mintToken("acme");
    const upload = async () => {
      const { checksum, entry } = await uploadFile(token, "acme", bytes, "many.so.sym");
      await assemble(token, "acme", "gone", { [checksum]: entry });
      expect((await waitForFile(token, "acme", "gone", checksum, entry)).state).toBe("ok");
    };
    const frameAt = async (i: number) => {
      const answer = await symbolicate(token, "gone", {
        stacktraces: [{ frames: [{ instruction_addr: `0x${(0x10000000 + 0x1000 + i * 0x40).toString(16)}` }] }],
        modules: [{ type: "elf", debug_id: "5e1f0a0b-0c0d-0e0f-1011-121314151617", image_addr: "0x10000000" }],
      });
      return answer.stacktraces[0]?.frames[0];
    };
    const remove = async () => {
      const list = `${BASE}/api/0/projects/acme/gone/files/dsyms/`;
      const auth = { authorization: `Bearer ${token}` };
      const rows = await (await exports.default.fetch(list, { headers: auth })).json<{ id: string }[]>();
      expect(rows).toHaveLength(1);
      const res = await exports.default.fetch(`${list}?id=${rows[0]?.id ?? ""}`, { method: "DELETE", headers: auth });
      expect(res.status).toBe(204);
    };

    await upload();
    expect(await frameAt(0)).toMatchObject({
      status: "symbolicated",
      function: "function_number_0_with_a_name_long_enough_to_fill_pages",
    });
    // Deleted and uploaded again within the 10 s the resolution is remembered: a new symcache
    // under the same R2 key, read through a page the isolate does not hold yet.
    await remove();
    await upload();
    expect(await frameAt(3999)).toMatchObject({ status: "symbolicated", lineno: 4000 });
    // Deleted for good: the module is missing, not a server error.
    await remove();
    expect(await frameAt(2000)).toMatchObject({ status: "missing" });
  });
});

function moduleId(name: string): string {
  const first = new TextDecoder().decode(fixture(name).subarray(0, 200)).split("\n")[0] as string;
  const id = first.split(" ")[3] as string;
  const uuid = id.slice(0, 32).toLowerCase();
  return `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`;
}
