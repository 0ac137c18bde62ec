/**
 * The real sentry-cli against `wrangler dev` (Sentry conformance, see test/e2e/README.md):
 * upload with and without --wait, a rerun that sends nothing, a file the service rejects,
 * the `sntrys_` token path, and a restart of the service in the middle of an upload.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corruptElfSection } from "../support/corrupt-elf-section";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { mintToken, removeDir, startDev } from "../support/wrangler-dev.mjs";
import { useDevServer } from "./dev-server";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "files");
const EXPECTED = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "expected.json"), "utf8"),
) as Record<string, { check: { variants: { debug_id: string; arch: string }[] } | null }>;

/** One debug file of each kind sentry-cli uploads: ELF (DWARF 4, 5, stripped + .debug), dSYM, Breakpad, PE + PDB. */
const CORPUS = [
  "elf-x86_64-gcc-dw4-O0-pie",
  "elf-x86_64-clang19-dw5-O2-lld",
  "elf-x86_64-gcc-dw5-O2-pie.stripped",
  "elf-x86_64-gcc-dw5-O2-pie.debug",
  "macho-arm64.dSYM",
  "breakpad-linux.sym",
  "pe-x86_64-fixture.dll",
  "pe-x86_64-fixture.pdb",
];

function corpusDir(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "sentry-cli-upload-"));
  for (const name of names) cpSync(join(FIXTURES, name), join(dir, name), { recursive: true });
  return dir;
}

function debugIdOf(name: string): string {
  const check = EXPECTED[name]?.check;
  if (!check?.variants[0]) throw new Error(`no expected identity for ${name}`);
  return check.variants[0].debug_id;
}

describe("sentry-cli debug-files upload against wrangler dev", () => {
  const server = useDevServer();
  let token: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    token = await mintToken(server, "acme");
  });
  afterAll(() => dirs.forEach(removeDir));

  const upload = (dir: string, extra: string[] = [], project = "app") =>
    sentryCli(uploadArgs({ url: server.url, token, project, extra, path: dir }));

  it("uploads every kind of debug file with --wait and prints OK with the server's identity", async () => {
    const dir = corpusDir(CORPUS);
    dirs.push(dir);
    const run = await upload(dir, ["--wait"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("File processing complete");
    for (const [name, text] of [
      ["elf-x86_64-gcc-dw4-O0-pie", "(elf-x86_64-gcc-dw4-O0-pie; x86_64 library)"],
      ["elf-x86_64-gcc-dw5-O2-pie.debug", "(elf-x86_64-gcc-dw5-O2-pie.debug; x86_64 debug companion)"],
      ["elf-x86_64-gcc-dw5-O2-pie.stripped", "(elf-x86_64-gcc-dw5-O2-pie.stripped; x86_64 library)"],
      ["macho-arm64.dSYM/Contents/Resources/DWARF/macho-arm64", "(macho-arm64; arm64 debug companion)"],
      ["breakpad-linux.sym", "(breakpad-linux; x86_64 debug companion)"],
      ["pe-x86_64-fixture.pdb", "(pe-x86_64-fixture.pdb; x86_64 debug companion)"],
      ["pe-x86_64-fixture.dll", "(pe-x86_64-fixture.dll; x86_64 library)"],
    ] as const) {
      expect(run.stdout).toContain(`OK ${debugIdOf(name)} ${text}`);
    }

    // The rerun finds everything on the server and sends no chunk.
    const rerun = await sentryCli(
      uploadArgs({
        url: server.url,
        token,
        project: "app",
        global: ["--log-level=debug"],
        extra: ["--wait"],
        path: dir,
      }),
    );
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain("Nothing to upload, all files are on the server");
    expect(rerun.stderr).not.toMatch(/POST \S*chunk-upload/);
  });

  it("uploads a Windows build (exe + PDB) and symbolicates a crash in it through the PDB", async () => {
    const dir = corpusDir(["pe-x86_64-o2.exe", "pe-x86_64-o2.pdb"]);
    dirs.push(dir);
    const run = await upload(dir, ["--wait"], "windows");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const debugId = debugIdOf("pe-x86_64-o2.pdb");
    expect(run.stdout).toContain(`OK ${debugId} (pe-x86_64-o2.pdb; x86_64 debug companion)`);
    expect(run.stdout).toContain(`OK ${debugId} (pe-x86_64-o2.exe; x86_64 executable)`);

    const image = 0x140000000;
    const res = await fetch(`${server.url}/api/0/projects/acme/windows/symbolicate/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        stacktraces: [{ frames: [{ instruction_addr: `0x${(image + 0x1020).toString(16)}` }] }],
        modules: [{ type: "pe", debug_id: debugId, image_addr: `0x${image.toString(16)}`, image_size: 0x6000 }],
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json<{ stacktraces: { frames: Record<string, unknown>[] }[] }>();
    // main inlines point_sum, which inlines clamp_add (test/fixtures/src/main.c, util.h).
    expect(body.stacktraces[0]?.frames.map((f) => [f.function, f.filename, f.lineno])).toEqual([
      ["clamp_add", "util.h", 15],
      ["point_sum", "util.h", 21],
      ["main", "main.c", 18],
    ]);
  });

  it("uploads without --wait and reports the files as uploaded", async () => {
    const dir = corpusDir(["elf-x86_64-gcc-O2-nopie"]);
    dirs.push(dir);
    const run = await upload(dir, [], "nowait");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Uploaded 1 missing debug information file/);
    expect(run.stdout).toContain(debugIdOf("elf-x86_64-gcc-O2-nopie"));
  });

  it("shows the server's reason for a file it cannot use, without hanging", async () => {
    // sentry-cli reads this file's headers and uploads it; its compressed .debug_info is garbage,
    // so no symcache can be built, and the service says why.
    const dir = mkdtempSync(join(tmpdir(), "sentry-cli-upload-"));
    dirs.push(dir);
    const fixture = new Uint8Array(readFileSync(join(FIXTURES, "elf-x86_64-gcc-dw5-O2-pie.zstd.debug")));
    writeFileSync(join(dir, "broken.debug"), corruptElfSection(fixture, ".debug_info", 24));
    const run = await upload(dir, ["--wait"], "broken");
    expect(run.seconds).toBeLessThan(90);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("ERROR broken.debug");
    expect(run.stdout).toMatch(/The symcache could not be built: .*zstd/);
  });

  it("works with an sntrys_ org token alone: no --url, no --org", async () => {
    const orgToken = await mintToken(server, "acme", { format: "sntrys" });
    const dir = corpusDir(["elf-x86_64-clang19-dw4-O1"]);
    dirs.push(dir);
    const run = await sentryCli(["debug-files", "upload", "--project", "orgtoken", "--wait", dir], {
      env: { SENTRY_AUTH_TOKEN: orgToken },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`OK ${debugIdOf("elf-x86_64-clang19-dw4-O1")}`);
  });
});

describe("a restart of wrangler dev in the middle of an upload", () => {
  it("completes on rerun with one record and no half-written state", async () => {
    const dir = corpusDir(["elf-x86_64-cpp", "libfixture-x86_64.so"]);
    let server = await startDev();
    const persistDir = server.persistDir;
    const port = server.port;
    try {
      const token = await mintToken(server, "acme");
      const args = (url: string, extra: string[]) => uploadArgs({ url, token, project: "restart", extra, path: dir });
      // Upload without waiting, then kill the service at once: assembly is scheduled or running.
      const first = await sentryCli(args(server.url, []));
      expect(first.code, first.stdout + first.stderr).toBe(0);
      await server.stop("SIGKILL");
      server = await startDev({ persistDir, port });
      const rerun = await sentryCli(args(server.url, ["--wait"]));
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      const list = await fetch(`${server.url}/api/0/projects/acme/restart/files/dsyms/`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const files = await list.json<{ objectName: string }[]>();
      expect(files.map((f) => f.objectName).sort()).toEqual(["elf-x86_64-cpp", "libfixture-x86_64.so"]);
    } finally {
      await server.stop();
      removeDir(persistDir);
      removeDir(dir);
    }
  });
});
