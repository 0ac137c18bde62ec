/**
 * The documentation runs as written. `npm start` is started as the quick start says; then every
 * `sh` block of README.md and docs/symbol-servers.md runs, in order, in one bash session in a
 * fresh directory that holds what a clone holds (package.json, scripts, test fixtures,
 * node_modules), with its own HOME. The only change made to the text is the port: the blocks say
 * 8787, the test's server listens on a free one. A block may be skipped only by an HTML comment
 * right above it (`<!-- readme-test: skip, <reason> -->`), or when a tool it calls (gdb,
 * debuginfod-find, llvm-symbolizer-19) is not installed. A `text` block right after a command
 * block is its output: every line of it must appear. A doc that drifts from the product fails here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, npmStart, ready, stop, type Started } from "./npm-start";
import { freePort, removeDir } from "../support/wrangler-dev.mjs";

const DOCS = ["README.md", "docs/symbol-servers.md"];
const OPTIONAL_TOOLS = ["gdb", "debuginfod-find", "llvm-symbolizer-19"];
const SKIP = /^<!-- readme-test: skip, (.+) -->$/;

interface Block {
  doc: string;
  line: number;
  code: string;
  skip?: string;
  /** The `text` block right after it: its expected output. */
  output?: string;
}

function commandBlocks(doc: string, markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  let previous: Block | undefined;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i] as string);
    if (!fence) {
      if ((lines[i] as string).trim() !== "") previous = undefined;
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i] as string);
    const lang = fence[1];
    if (lang === "sh") {
      let above = start - 1;
      while (above >= 0 && (lines[above] as string).trim() === "") above--;
      const skip = SKIP.exec((lines[above] ?? "").trim())?.[1];
      previous = { doc, line: start + 1, code: body.join("\n"), skip };
      blocks.push(previous);
      continue;
    }
    if (lang === "text" && previous) previous.output = body.join("\n");
    previous = undefined;
  }
  return blocks;
}

const installed = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

/** What each block's output must show beyond a zero exit (keyed by a line of the block). */
const EXPECTATIONS: { block: string; output: RegExp }[] = [
  { block: "organizations list", output: /\| acme\s+\| acme\s+\| acme\s+\|/ },
  { block: "info --no-defaults", output: /Scopes:\n\s+- project:read\n\s+- project:write\n\s+- project:releases/ },
  { block: "--list", output: /^ID\s+TOKEN\s+SCOPES\s+CREATED\s+LAST USED$/m },
  { block: "-ex 'info line compute'", output: /Line 17 of "src\/util.h" starts at address 0x1170 <compute>/ },
  { block: "llvm-symbolizer-19 --obj", output: /^compute$/m },
  { block: "debuginfod-find section", output: /debuginfod_client\/8f3912ea5a3cb2c74c5617488bdb67295a87868f\/section-/ },
];

describe("every command block of the README and docs/symbol-servers.md, after the quick start", () => {
  const work = mkdtempSync(join(tmpdir(), "readme-"));
  const blocks = DOCS.flatMap((doc) => commandBlocks(doc, readFileSync(join(ROOT, doc), "utf8")));
  let server: Started;
  let port = 0;
  const outputs = new Map<Block, string>();
  let run: { status: number | null; output: string };

  beforeAll(async () => {
    // A directory with what a fresh clone has; `npm start` keeps its state in its .wrangler/.
    for (const name of ["package.json", "scripts", "test", "node_modules"])
      symlinkSync(join(ROOT, name), join(work, name));
    mkdirSync(join(work, "home"));
    port = await freePort();
    server = npmStart(["--port", String(port)], { PERSIST_TO: join(work, ".wrangler", "state") });
    await ready(`http://127.0.0.1:${port}`, server);
    // `npm run token` reads the admin secret from .dev.vars, which `npm start` made in the checkout.
    symlinkSync(
      join(ROOT, existsSync(join(ROOT, ".dev.vars")) ? ".dev.vars" : ".dev.vars.example"),
      join(work, ".dev.vars"),
    );

    const script = ["set -e -o pipefail", "exec 2>&1 </dev/null"];
    blocks.forEach((block, index) => {
      if (block.skip) return;
      const missing = OPTIONAL_TOOLS.filter(
        (tool) => new RegExp(`(^|\\s)${tool}\\s`, "m").test(block.code) && !installed(tool),
      );
      if (missing.length > 0) {
        console.log(
          `skipped ${block.doc}:${block.line}: ${missing.join(", ")} not installed (scripts/install-toolchain.sh)`,
        );
        block.skip = "tool missing";
        return;
      }
      // A newline first: a block's output need not end with one (curl's does not).
      script.push(`printf '\\n@@block ${index}@@\\n'`, block.code.replaceAll("127.0.0.1:8787", `127.0.0.1:${port}`));
    });
    script.push("printf '\\n@@block end@@\\n'");
    writeFileSync(join(work, "blocks.sh"), script.join("\n") + "\n");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: join(work, "home"),
      SENTRY_DISABLE_UPDATE_CHECK: "1",
    };
    const result = spawnSync("bash", ["blocks.sh"], { cwd: work, env, encoding: "utf8", timeout: 240_000 });
    run = { status: result.status, output: result.stdout + result.stderr };
    const parts = run.output.split(/^@@block (\d+|end)@@$/m);
    for (let i = 1; i < parts.length; i += 2) {
      const block = blocks[Number(parts[i])];
      if (block) outputs.set(block, parts[i + 1] ?? "");
    }
  }, 300_000);

  afterAll(async () => {
    if (server) await stop(server);
    removeDir(work);
  });

  it("finds the documented blocks, each run or skipped with a reason", () => {
    expect(blocks.filter((b) => b.doc === "README.md").length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) expect(block.skip ?? outputs.has(block), `${block.doc}:${block.line}`).toBeTruthy();
  });

  it("runs every block without an error", () => {
    // `set -e`: the session stops at the first failing command, so the last block begun is the culprit.
    const last = [...outputs.keys()].at(-1);
    expect(run.status, `${last?.doc}:${last?.line} failed:\n${last ? outputs.get(last) : run.output}`).toBe(0);
    expect(run.output).toContain("@@block end@@");
  });

  it("prints what the documented output says", () => {
    for (const block of blocks.filter((b) => b.output !== undefined && outputs.has(b))) {
      const printed = (outputs.get(block) as string).replace(/\s+/g, " ");
      for (const line of (block.output as string).split("\n").filter((l) => l.trim() !== "")) {
        expect(printed, `${block.doc}:${block.line}`).toContain(line.trim().replace(/\s+/g, " "));
      }
    }
  });

  it("answers the README's symbolication example with the inline chains and the missing symbol it describes", () => {
    const block = blocks.find((b) => b.code.includes("/symbolicate/"));
    const answer = JSON.parse(outputs.get(block as Block) as string) as {
      stacktraces: { frames: { original_index: number; status: string; function?: string; lineno?: number }[] }[];
    };
    const frames = answer.stacktraces[0]?.frames ?? [];
    expect(frames.map((f) => [f.original_index, f.status, f.function ?? null, f.lineno ?? null])).toEqual([
      [0, "symbolicated", "clamp_add", 15],
      [0, "symbolicated", "point_sum", 21],
      [0, "symbolicated", "main", 18],
      [1, "symbolicated", "clamp_add", 14],
      [1, "symbolicated", "point_sum", 21],
      [1, "symbolicated", "compute", 11],
      [2, "missing_symbol", null, null],
    ]);
  });

  it("shows in each block's output what the text around it promises", () => {
    for (const { block: key, output } of EXPECTATIONS) {
      const block = blocks.find((b) => b.code.includes(key));
      expect(block, `no block contains ${key}`).toBeDefined();
      if (block?.skip) continue;
      expect(outputs.get(block as Block), `${block?.doc}:${block?.line}`).toMatch(output);
    }
  });
});
