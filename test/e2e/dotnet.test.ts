/**
 * A .NET build through the real sentry-cli and `wrangler dev`: `debug-files upload` of the
 * build directory (the assembly and its Portable PDB, and an assembly that embeds its Portable
 * PDB), then a `pe_dotnet` stack trace symbolicated the way Symbolicator takes it.
 */
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portablePdbDebugId } from "../../src/identify/portable-pdb";
import { readOracle } from "../unit/symcache/ppdb-helpers";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { mintToken, removeDir } from "../support/wrangler-dev.mjs";
import { useDevServer } from "./dev-server";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "files");

/** Program.Crash's `throw` (test/fixtures/src/dotnet/Program.cs:37): its method row and IL offset. */
function throwSite(): { debugId: string; row: number; il: number } {
  const oracle = readOracle(new Uint8Array(readFileSync(join(FIXTURES, "dotnet-fixture.pdb"))));
  for (const [row, points] of oracle.methods) {
    const p = points.find(
      (q) => !q.hidden && q.startLine === 37 && oracle.documents[q.document - 1]?.endsWith("/Program.cs"),
    );
    if (p) return { debugId: portablePdbDebugId(oracle.metadata), row, il: p.il };
  }
  throw new Error("no sequence point at Program.cs:37");
}

describe(".NET: sentry-cli uploads an assembly and its Portable PDB, then a pe_dotnet crash symbolicates", () => {
  const server = useDevServer();
  let token: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    token = await mintToken(server, "acme");
  });
  afterAll(() => dirs.forEach(removeDir));

  async function uploadAndSymbolicate(project: string, files: string[]) {
    const dir = mkdtempSync(join(tmpdir(), "sentry-cli-dotnet-"));
    dirs.push(dir);
    for (const f of files) cpSync(join(FIXTURES, f), join(dir, f));
    const run = await sentryCli(uploadArgs({ url: server.url, token, project, extra: ["--wait"], path: dir }));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const site = throwSite();
    const res = await fetch(`${server.url}/api/0/projects/acme/${project}/symbolicate/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        stacktraces: [
          {
            frames: [
              {
                function: "Crash",
                function_id: `0x06${site.row.toString(16).padStart(6, "0")}`,
                instruction_addr: `0x${site.il.toString(16)}`,
                addr_mode: "rel:0",
              },
            ],
          },
        ],
        modules: [{ type: "pe_dotnet", debug_id: site.debugId, code_file: "dotnet-fixture.dll" }],
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json<{
      stacktraces: { frames: Record<string, unknown>[] }[];
      modules: Record<string, unknown>[];
    }>();
    return { run, site, body };
  }

  it("uploads the Portable PDB next to the assembly and answers Program.cs:37 with its source link", async () => {
    const { run, site, body } = await uploadAndSymbolicate("dotnet", ["dotnet-fixture.dll", "dotnet-fixture.pdb"]);
    expect(run.stdout).toContain(`OK ${site.debugId} (dotnet-fixture.pdb; unknown debug companion)`);
    expect(body.stacktraces[0]?.frames[0]).toMatchObject({
      status: "symbolicated",
      function: "Crash",
      lang: "csharp",
      abs_path: "/build/dotnet/Program.cs",
      filename: "Program.cs",
      lineno: 37,
      source_link: expect.stringMatching(/^https:\/\/raw\.githubusercontent\.com\/.*\/dotnet\/Program\.cs$/) as unknown,
    });
    expect(body.modules[0]).toMatchObject({ debug_status: "found" });
  });

  it("uploads the Portable PDB sentry-cli extracts from an assembly that embeds it, and answers from it", async () => {
    const { run, site, body } = await uploadAndSymbolicate("dotnet-embedded", ["dotnet-fixture-embedded.dll"]);
    // sentry-cli inflates the embedded Portable PDB and uploads it as <assembly>.pdb; a PE
    // uploaded by other means is read through its debug directory (the worker tests).
    expect(run.stdout).toContain(`OK ${site.debugId} (dotnet-fixture-embedded.pdb; unknown debug companion)`);
    expect(body.stacktraces[0]?.frames[0]).toMatchObject({ abs_path: "/build/dotnet/Program.cs", lineno: 37 });
  });
});
