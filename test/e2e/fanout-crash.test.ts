/**
 * A kill -9 of `wrangler dev` in the middle of a symcache built in parts: after a restart on the
 * same state the build finishes, exactly one symcache is written, it answers like
 * llvm-symbolizer's symbol table, and nothing of the build is left in R2.
 *
 * The file is Debian's libpython3.11d (24 MiB, ~10 MiB of .debug_info), built in units of
 * 256 KiB so the fan-out has dozens of tasks and two merge levels; the limits are lowered with
 * `--var`, as an operator could. Skipped where libpython3.11-dbg or llvm-readelf-19 is absent.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { describe, expect, it } from "vitest";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { mintToken, removeDir, startDev, type DevServer } from "../support/wrangler-dev.mjs";

const LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11d.so.1.0";
const PARTS = { SYMCACHE_FAST_BYTES: "0", SYMCACHE_UNIT_BYTES: String(256 * 1024) };

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const missing = !existsSync(LIBPYTHON)
  ? "libpython3.11-dbg is not installed"
  : !hasTool("llvm-readelf-19")
    ? "llvm-readelf-19 is not installed"
    : null;
if (missing) console.log(`skipping the fan-out crash test: ${missing}`);

/** Global functions of the file with one name at their address, from its symbol table. */
function functionSymbols(file: string): { addr: number; name: string }[] {
  const text = execFileSync("llvm-readelf-19", ["-sW", file], { maxBuffer: 1 << 28 }).toString();
  const names = new Map<number, Set<string>>();
  for (const m of text.matchAll(/^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+FUNC\s+(\w+)\s+\w+\s+\d+\s+(\S+)$/gm)) {
    const addr = Number.parseInt(m[1] ?? "0", 16);
    const set = names.get(addr) ?? new Set();
    set.add(m[4] ?? "");
    names.set(addr, set);
    if (m[3] !== "GLOBAL" || Number(m[2]) <= 16) set.add(""); // not a candidate, but an alias
  }
  return [...names]
    .filter(([, set]) => set.size === 1 && !set.has(""))
    .map(([addr, set]) => ({ addr, name: [...set][0] ?? "" }))
    .sort((a, b) => a.addr - b.addr);
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The keys under `prefix` in the R2 bucket that `wrangler dev --persist-to dir` left on disk. */
async function persistedKeys(persistDir: string, prefix: string): Promise<string[]> {
  const mf = new Miniflare({
    modules: true,
    script: "export default {}",
    r2Buckets: { BUCKET: "symbol-service" },
    r2Persist: join(persistDir, "v3", "r2"),
  });
  try {
    const bucket = await mf.getR2Bucket("BUCKET");
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor });
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return keys;
  } finally {
    await mf.dispose();
  }
}

describe.skipIf(missing !== null)("a crash in the middle of a symcache built in parts", () => {
  it("finishes after a restart with one symcache and no leftovers", { timeout: 480_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "fanout-crash-"));
    const file = join(dir, "libpython3.11d.so.1.0");
    copyFileSync(LIBPYTHON, file);
    const checksum = createHash("sha1").update(readFileSync(file)).digest("hex");
    const tag = `[symcache] ${checksum.slice(0, 12)}`;
    let server: DevServer = await startDev({ vars: PARTS });
    const persistDir = server.persistDir;
    const port = server.port;
    const logs: string[] = [];
    try {
      const token = await mintToken(server, "acme");
      const args = (url: string, extra: string[]) => uploadArgs({ url, token, project: "crash", extra, path: dir });
      const first = await sentryCli(args(server.url, []));
      expect(first.code, first.stdout + first.stderr).toBe(0);

      // Kill once a few units are done and the final merge has not run.
      const unitsDone = () =>
        server
          .log()
          .split("\n")
          .filter((l) => l.includes(`${tag} unit `)).length;
      await waitFor("the first units of the build", () => unitsDone() >= 3, 120_000);
      expect(server.log()).not.toContain(`${tag} final merge`);
      logs.push(server.log());
      await server.stop("SIGKILL");

      server = await startDev({ persistDir, port, vars: PARTS });
      const rerun = await sentryCli(args(server.url, ["--wait"]), { timeoutMs: 420_000 });
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      expect(rerun.stdout).toMatch(/\bOK\b/);
      await waitFor("the final merge", () => server.log().includes(`${tag} final merge: symcache written`), 60_000);
      logs.push(server.log());

      // The symcache answers: the outermost frame of an address inside a function is that function.
      const symbols = functionSymbols(file)
        .filter((_, i) => i % 97 === 0)
        .slice(0, 20);
      const debugId = JSON.parse((await sentryCli(["debug-files", "check", "--json", file])).stdout) as {
        variants: { debug_id: string }[];
      };
      const image = 0x7f0000000000;
      const res = await fetch(`${server.url}/api/0/projects/acme/crash/symbolicate/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          modules: [{ type: "elf", debug_id: debugId.variants[0]?.debug_id, image_addr: `0x${image.toString(16)}` }],
          stacktraces: [
            {
              frames: symbols.map((s) => ({
                instruction_addr: `0x${(image + s.addr + 4).toString(16)}`,
                adjust_instruction_addr: false,
              })),
            },
          ],
        }),
      });
      expect(res.status).toBe(200);
      const body = await res.json<{ stacktraces: { frames: { original_index: number; function?: string }[] }[] }>();
      const outermost = new Map<number, string | undefined>();
      for (const f of body.stacktraces[0]?.frames ?? []) outermost.set(f.original_index, f.function);
      expect(symbols.map((_, i) => outermost.get(i))).toEqual(symbols.map((s) => s.name));
    } finally {
      await server.stop();
    }

    // One symcache written in both lives together, and the build's runs and plan are gone.
    expect(logs.join("\n").split(`${tag} final merge: symcache written`).length - 1).toBe(1);
    const keys = await persistedKeys(persistDir, `files/acme/crash/${checksum}/`);
    expect(keys.filter((k) => k.includes("/build/"))).toEqual([]);
    expect(keys.filter((k) => k.endsWith("/symcache"))).toHaveLength(1);
    removeDir(persistDir);
    removeDir(dir);
  });
});
