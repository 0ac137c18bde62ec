/**
 * What a new user does in their first hour, with the real sentry-cli against `wrangler dev`:
 * the setup checks (`sentry-cli info`, `organizations list`, `projects list`) with an org token,
 * a plain token and a bad token, and `--wait` showing the outcome of a file whose chunks are all
 * stored already (the same file in a second project, a re-upload after a delete, a file that fails).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corruptElfSection } from "../support/corrupt-elf-section";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { mintToken, removeDir } from "../support/wrangler-dev.mjs";
import { useDevServer } from "./dev-server";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "files");
const FILE = "elf-x86_64-clang19-dw4-O1";
const EXPECTED = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "expected.json"), "utf8"),
) as Record<string, { check: { variants: { debug_id: string }[] } }>;
const DEBUG_ID = EXPECTED[FILE]?.check.variants[0]?.debug_id as string;
/** A well-formed plain token the service never minted. */
const BAD_TOKEN = `sntryu_${"1".repeat(64)}`;

describe("a new user's first hour with sentry-cli", () => {
  const server = useDevServer();
  let plain: string;
  let orgToken: string;
  const dirs: string[] = [];

  function dirWith(name: string, bytes?: Uint8Array): string {
    const dir = mkdtempSync(join(tmpdir(), "first-hour-"));
    dirs.push(dir);
    if (bytes) writeFileSync(join(dir, name), bytes);
    else cpSync(join(FIXTURES, name), join(dir, name));
    return dir;
  }
  const cli = (token: string, args: string[]) => sentryCli(["--url", server.url, "--auth-token", token, ...args]);
  const upload = (dir: string, project: string) =>
    sentryCli(uploadArgs({ url: server.url, token: plain, project, extra: ["--wait"], path: dir }));

  beforeAll(async () => {
    plain = await mintToken(server, "acme");
    orgToken = await mintToken(server, "acme", { format: "sntrys" });
    const run = await upload(dirWith(FILE), "app");
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });
  afterAll(() => dirs.forEach(removeDir));

  describe("setup checks", () => {
    it("`sentry-cli info` shows the token's scopes, with a plain token and with an org token alone", async () => {
      const withPlain = await cli(plain, ["info", "--no-defaults"]);
      expect(withPlain.code, withPlain.stderr).toBe(0);
      expect(withPlain.stdout).toContain(`Sentry Server: ${server.url}`);
      expect(withPlain.stdout).toMatch(/Method: Auth Token\n\s+Scopes:\n\s+- project:read\n\s+- project:write/);

      // An org token carries the service's URL: no --url.
      const withOrg = await sentryCli(["info", "--no-defaults"], { env: { SENTRY_AUTH_TOKEN: orgToken } });
      expect(withOrg.code, withOrg.stderr).toBe(0);
      expect(withOrg.stdout).toContain(`Sentry Server: ${server.url}`);
      expect(withOrg.stdout).toContain("- project:write");
    });

    it("`sentry-cli organizations list` shows the token's organization", async () => {
      for (const run of [
        await cli(plain, ["organizations", "list"]),
        await sentryCli(["organizations", "list"], { env: { SENTRY_AUTH_TOKEN: orgToken } }),
      ]) {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/\| ID\s+\| Name\s+\| Slug\s+\| Date Created/);
        expect(run.stdout).toMatch(/\| acme\s+\| acme\s+\| acme\s+\| \d{4}-\d\d-\d\d/);
      }
    });

    it("`sentry-cli projects list` shows the projects files were uploaded to", async () => {
      for (const run of [
        await cli(plain, ["projects", "list", "--org", "acme"]),
        await sentryCli(["projects", "list"], { env: { SENTRY_AUTH_TOKEN: orgToken } }),
      ]) {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/\| ID\s+\| Slug\s+\| Team\s+\| Name/);
        expect(run.stdout).toMatch(/\| app\s+\| app\s+\| -\s+\| app/);
      }
    });

    it("all three say `Invalid token` for a token the service does not know", async () => {
      for (const args of [
        ["info", "--no-defaults"],
        ["organizations", "list"],
        ["projects", "list", "--org", "acme"],
      ]) {
        const run = await cli(BAD_TOKEN, args);
        expect(run.code, args.join(" ")).toBe(1);
        expect(run.stderr).toContain("Invalid token (http status: 401)");
      }
    });

    it("`projects list` of another organization answers as for one that does not exist", async () => {
      const run = await cli(plain, ["projects", "list", "--org", "globex"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("organization not found");
    });
  });

  describe("no false warning", () => {
    // Debian's binaries are stripped but keep `.gnu_debugaltlink` naming the package's dwz file.
    const LS = "/bin/ls";
    const hasAltLink = existsSync(LS) && readFileSync(LS).includes(".gnu_debugaltlink");
    if (!hasAltLink) console.log(`skipped: ${LS} has no .gnu_debugaltlink on this machine (not Debian?)`);

    it.runIf(hasAltLink)(
      "a stripped binary that names a dwz file but has no DWARF ends OK, without a note or a wait",
      async () => {
        const run = await upload(dirWith("ls", new Uint8Array(readFileSync(LS))), "stripped-system");
        expect(run.code, run.stdout + run.stderr).toBe(0);
        expect(run.stdout).toMatch(/ OK [0-9a-f-]{36} \(ls; x86_64 (library|executable)\)/);
        expect(run.stdout).not.toContain("dwz");
        // No wait for an alternate file (that wait is ~10 s).
        expect(run.seconds).toBeLessThan(8);
      },
    );
  });

  describe("--wait shows the outcome when every chunk is stored already", () => {
    it("the same file uploaded to a second project is processed and shown OK", async () => {
      const run = await upload(dirWith(FILE), "second");
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).not.toContain("Nothing to upload");
      expect(run.stdout).toContain(`OK ${DEBUG_ID} (${FILE}; x86_64 library)`);
    });

    it("a re-upload after DELETE is processed and shown OK", async () => {
      const list = await fetch(`${server.url}/api/0/projects/acme/second/files/dsyms/?debug_id=${DEBUG_ID}`, {
        headers: { authorization: `Bearer ${plain}` },
      });
      const [file] = await list.json<{ id: string }[]>();
      const removed = await fetch(`${server.url}/api/0/projects/acme/second/files/dsyms/?id=${file?.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${plain}` },
      });
      expect(removed.status).toBe(204);
      const run = await upload(dirWith(FILE), "second");
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).not.toContain("Nothing to upload");
      expect(run.stdout).toContain(`OK ${DEBUG_ID}`);
    });

    it("a file that fails in a second project is shown as ERROR with its reason", async () => {
      const fixture = new Uint8Array(readFileSync(join(FIXTURES, "elf-x86_64-gcc-dw5-O2-pie.zstd.debug")));
      const broken = corruptElfSection(fixture, ".debug_info", 24);
      expect((await upload(dirWith("broken.debug", broken), "broken-a")).stdout).toContain("ERROR broken.debug");
      const run = await upload(dirWith("broken.debug", broken), "broken-b");
      expect(run.code).toBe(1);
      expect(run.stdout).not.toContain("Nothing to upload");
      expect(run.stdout).toContain("ERROR broken.debug");
      expect(run.stdout).toMatch(/The symcache could not be built: .*zstd/);
    });
  });

  describe("the server's log", () => {
    it("has one line per file when it is assembled and one when its symcache is ready or failed", () => {
      const log = server.log();
      const id = DEBUG_ID;
      expect(log).toMatch(
        new RegExp(`\\[debug-file\\] assembled ${FILE} \\(elf, debug id ${id}, \\d+ bytes\\) in \\d+ ms`),
      );
      expect(log).toMatch(
        new RegExp(`\\[debug-file\\] symcache ready for ${FILE} \\(debug id ${id}, \\d+ bytes\\) in \\d+ ms`),
      );
      const failed = log.match(/\[debug-file\] .*broken\.debug.*/g) ?? [];
      // Per failing upload (two projects): one "assembled", one "symcache failed" with the reason.
      expect(failed.filter((l) => l.includes("symcache failed for broken.debug"))).toHaveLength(2);
      expect(failed.filter((l) => /failed/.test(l))).toHaveLength(2);
      expect(failed.find((l) => l.includes("symcache failed"))).toMatch(
        /symcache failed for broken\.debug \(debug id [0-9a-f-]+\) after \d+ ms: The symcache could not be built: .*zstd/,
      );
    });
  });
});
