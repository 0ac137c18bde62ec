/**
 * .NET stack traces through the service, the way Symbolicator takes them: a Portable PDB (or a
 * PE embedding one) uploaded through chunk-upload and assemble, built by the real queue
 * consumer, then `pe_dotnet` modules with frames naming a MethodDef row (`function_id`) and an
 * IL offset (`instruction_addr`, `addr_mode: "rel:<index>"`). Expected lines come from an
 * independent reader of the same Portable PDB (test/unit/symcache/ppdb-helpers.ts).
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { portablePdbDebugId } from "../../../src/identify/portable-pdb";
import { readOracle, type OraclePdb } from "../../unit/symcache/ppdb-helpers";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

const SOURCE_LINK =
  "https://raw.githubusercontent.com/getsentry/symbol-fixtures/4f1c2a7d9e0b3c5a6f8e1d2b7c9a0e3f5d4b6c8a/dotnet/";

async function uploadAndWait(token: string, project: string, name: string) {
  const { checksum, entry } = await uploadFile(token, "acme", fixture(name), name);
  await assemble(token, "acme", project, { [checksum]: entry });
  const done = await waitForFile(token, "acme", project, checksum, entry);
  expect(done.state, done.detail ?? "").toBe("ok");
}

async function post(token: string, project: string, body: unknown) {
  return exports.default.fetch(`${BASE}/api/0/projects/acme/${project}/symbolicate/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function symbolicate(token: string, project: string, body: unknown) {
  const res = await post(token, project, body);
  expect(res.status).toBe(200);
  return res.json<{ stacktraces: { frames: Record<string, unknown>[] }[]; modules: Record<string, unknown>[] }>();
}

interface Probe {
  row: number;
  il: number;
  file: string;
  line: number;
}

describe("symbolicating .NET frames (pe_dotnet modules)", () => {
  let oracle: OraclePdb;
  let debugId: string;
  let probes: Probe[];
  let throwAt: Probe;
  beforeAll(() => {
    oracle = readOracle(fixture("dotnet-fixture.pdb"));
    debugId = portablePdbDebugId(oracle.metadata);
    // One IL offset inside every visible sequence point's range: the point's own offset + 1
    // where the next point is further away, else the point itself.
    probes = [];
    for (const [row, points] of oracle.methods) {
      const visible = points.filter((p) => !p.hidden);
      visible.forEach((p, i) => {
        const next = visible[i + 1]?.il ?? p.il + 2;
        const il = next > p.il + 1 ? p.il + 1 : p.il;
        probes.push({ row, il, file: oracle.documents[p.document - 1] as string, line: p.startLine });
      });
    }
    // Program.Crash's `throw new InvalidOperationException(...)` (src/dotnet/Program.cs:37).
    throwAt = probes.find((p) => p.file.endsWith("/Program.cs") && p.line === 37) as Probe;
  });

  const request = (frames: Record<string, unknown>[], id = debugId, type = "pe_dotnet") => ({
    stacktraces: [{ frames }],
    modules: [{ type, debug_id: id, code_file: "dotnet-fixture.dll" }],
  });

  it("answers file, line, language and source link of the nearest preceding sequence point", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "net", "dotnet-fixture.pdb");
    expect(throwAt).toBeDefined();
    const frames = probes.map((p) => ({
      function_id: `0x${p.row.toString(16)}`,
      instruction_addr: p.il,
      addr_mode: "rel:0",
    }));
    const result = await symbolicate(token, "net", request(frames));
    const out = result.stacktraces[0]?.frames ?? [];
    expect(out.map((f) => [f.original_index, f.abs_path, f.lineno])).toEqual(probes.map((p, i) => [i, p.file, p.line]));
    expect(out.every((f) => f.status === "symbolicated" && f.lang === "csharp")).toBe(true);
    const crash = out[probes.indexOf(throwAt)];
    expect(crash).toMatchObject({
      filename: "Program.cs",
      abs_path: "/build/dotnet/Program.cs",
      lineno: 37,
      source_link: `${SOURCE_LINK}Program.cs`,
      addr_mode: "rel:0",
      instruction_addr: `0x${throwAt.il.toString(16)}`,
    });
    expect(result.modules[0]).toMatchObject({
      type: "pe_dotnet",
      debug_status: "found",
      features: { has_debug_info: true, has_sources: true },
    });
  });

  it("takes a full MethodDef token as the same method, and keeps the frame's own fields", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "net-token", "dotnet-fixture.pdb");
    const token06 = `0x06${throwAt.row.toString(16).padStart(6, "0")}`;
    const result = await symbolicate(
      token,
      "net-token",
      request([
        {
          function: "Fixture.Program.Crash(int)",
          function_id: token06,
          instruction_addr: `0x${throwAt.il.toString(16)}`,
          addr_mode: "rel:0",
        },
        { function: "no method named", instruction_addr: "0x4", addr_mode: "rel:0" },
      ]),
    );
    const [crash, anonymous] = result.stacktraces[0]?.frames ?? [];
    expect(crash).toMatchObject({ function: "Fixture.Program.Crash(int)", function_id: token06, lineno: 37 });
    expect(anonymous).toMatchObject({ status: "missing_symbol", function: "no method named" });
  });

  it("answers from the Portable PDB embedded in a .NET PE, and never answers native modules from it", async () => {
    const token = await mintToken("acme");
    await uploadAndWait(token, "net-embedded", "dotnet-fixture-embedded.dll");
    const frames = [throwAt].map((p) => ({ function_id: p.row, instruction_addr: p.il, addr_mode: "rel:0" }));
    const result = await symbolicate(token, "net-embedded", request(frames));
    expect(result.stacktraces[0]?.frames[0]).toMatchObject({ abs_path: "/build/dotnet/Program.cs", lineno: 37 });
    const native = await symbolicate(token, "net-embedded", {
      stacktraces: [{ frames: [{ instruction_addr: "0x1010" }] }],
      modules: [{ type: "pe", debug_id: debugId, image_addr: "0x1000", image_size: 4096 }],
    });
    expect(native.stacktraces[0]?.frames[0]?.status).toBe("missing");
  });

  it("refuses function ids that name no method, with the frame they are in", async () => {
    const token = await mintToken("acme");
    for (const [functionId, message] of [
      [
        "0x0a000001",
        /frames\[0\]\.function_id 0xa000001 is a token of metadata table 0x0a; .NET frames name their method by its MethodDef row/,
      ],
      ["main", /frames\[0\]\.function_id must be a MethodDef row or metadata token/],
      [0, /frames\[0\]\.function_id names no method/],
    ] as const) {
      const res = await post(
        token,
        "net",
        request([{ function_id: functionId, instruction_addr: 0, addr_mode: "rel:0" }]),
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.stringMatching(message) as unknown });
    }
  });
});
