/**
 * An App Store bitcode build through the real sentry-cli against `wrangler dev`: the dSYM folder
 * (with its `Contents/Resources/<UUID>.plist` UUID map) and the `.bcsymbolmap` next to it, in one
 * `debug-files upload`; then a crash in the dSYM symbolicates with the real names and paths, as
 * llvm-symbolizer-19 gives them for the same dSYM before obfuscation.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { mintToken, removeDir } from "../support/wrangler-dev.mjs";
import { useDevServer } from "./dev-server";

const BITCODE = join(import.meta.dirname, "..", "fixtures", "bitcode");
const MAP = readdirSync(BITCODE).find((n) => n.endsWith(".bcsymbolmap")) ?? "";
const PLIST =
  readdirSync(join(BITCODE, "StoreCheckout.dSYM", "Contents", "Resources")).find((n) => n.endsWith(".plist")) ?? "";
const DSYM_ID = PLIST.split(".")[0]!.toLowerCase();
const ORIGINAL_ID = MAP.split(".")[0]!.toLowerCase();
const IMAGE = 0x100000000;

describe.skipIf(!MAP || !PLIST)("sentry-cli uploads an App Store bitcode build", () => {
  const server = useDevServer();
  let token: string;
  let dir: string;

  beforeAll(async () => {
    token = await mintToken(server, "acme");
    dir = mkdtempSync(join(tmpdir(), "sentry-cli-bitcode-"));
    cpSync(join(BITCODE, "StoreCheckout.dSYM"), join(dir, "StoreCheckout.dSYM"), { recursive: true });
    cpSync(join(BITCODE, MAP), join(dir, MAP));
  });
  afterAll(() => {
    if (dir) removeDir(dir);
  });

  it("stores the dSYM, its UUID map and the BCSymbolMap, and symbolicates with the real names", async () => {
    const run = await sentryCli(uploadArgs({ url: server.url, token, project: "ios", extra: ["--wait"], path: dir }));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // sentry-cli finds three files: the dSYM's Info.plist is skipped (its name is no UUID).
    expect(run.stdout).toContain("Found 3 debug information files");
    // symbolic's own test (requires_symbolmap) sees the fixture as a bitcode dSYM.
    expect(run.stdout).toContain("Found 1 symbol files with hidden symbols (need BCSymbolMaps)");
    expect(run.stdout).toContain(`OK ${DSYM_ID} (StoreCheckout; arm64 debug companion)`);
    expect(run.stdout).toContain(`OK ${ORIGINAL_ID} (${MAP}; any file)`);
    expect(run.stdout).toContain(`OK ${DSYM_ID} (${PLIST}; any file)`);

    // Every line-table address of the dSYM, against llvm-symbolizer on the plain dSYM.
    const plain = join(BITCODE, "StoreCheckout.plain.dwarf");
    const lines = execFileSync("llvm-dwarfdump-19", ["--debug-line", plain]).toString();
    const vmas = [...lines.matchAll(/^0x([0-9a-f]{16})\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s*(.*)$/gm)]
      .filter((m) => !(m[2] ?? "").includes("end_sequence"))
      .map((m) => Number.parseInt(m[1] ?? "0", 16));
    const oracle = execFileSync("llvm-symbolizer-19", [`--obj=${plain}`, "--inlining", "--output-style=JSON"], {
      input: vmas.map((a) => `0x${a.toString(16)}`).join("\n"),
    })
      .toString()
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { Symbol: { FunctionName: string; FileName: string; Line: number }[] }).Symbol);
    const res = await fetch(`${server.url}/api/0/projects/acme/ios/symbolicate/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        // One stack trace per address: only a crashing (first) frame is looked up at its address.
        stacktraces: vmas.map((a) => ({ frames: [{ instruction_addr: `0x${a.toString(16)}` }] })),
        modules: [{ type: "macho", debug_id: DSYM_ID, image_addr: `0x${IMAGE.toString(16)}`, image_size: 0x10000 }],
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json<{
      stacktraces: { frames: { function?: string; abs_path?: string; lineno?: number }[] }[];
    }>();
    const ours = body.stacktraces.map((st) =>
      st.frames.map((f) => [f.function ?? "", f.abs_path ?? "", f.lineno ?? 0]),
    );
    let agree = 0;
    vmas.forEach((_, i) => {
      const theirs = (oracle[i] ?? []).map((s) => [s.FunctionName, s.FileName, s.Line]);
      if (JSON.stringify(ours[i]) === JSON.stringify(theirs)) agree++;
    });
    expect(vmas.length).toBeGreaterThan(15);
    expect(agree / vmas.length).toBeGreaterThanOrEqual(0.99);
    expect(JSON.stringify(ours)).not.toContain("__hidden#");
  });
});
