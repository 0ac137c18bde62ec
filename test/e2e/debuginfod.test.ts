/**
 * debuginfod against `wrangler dev` with the real clients: sentry-cli uploads a stripped ELF and
 * its `.debug` companion, then elfutils' debuginfod-find and gdb fetch them through
 * /debuginfod/{org}/{project} with the token in DEBUGINFOD_HEADERS_FILE, and llvm-symbolizer
 * resolves an address of the stripped binary through the same server.
 *
 * Each client is skipped when it is not installed (scripts/install-toolchain.sh installs them);
 * the upload and the plain HTTP checks always run, and so does a 256 MiB download through the
 * route with the RSS of both workerd processes sampled from /proc (about 20 s; the 1 GiB case and
 * the throughput comparison are in bench/download).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { rssMiB, uploadSynthetic, workerdProcesses } from "../../bench/download/synthetic-elf.mjs";
import { identifyElf } from "../../src/identify/elf";
import type { ElfDetails } from "../../src/identify/types";
import { BufferReader } from "../../src/common/ranged-reader";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { mintToken, removeDir } from "../support/wrangler-dev.mjs";
import { useDevServer } from "./dev-server";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "files");
const STRIPPED = join(FIXTURES, "elf-x86_64-gcc-dw5-O2-pie.stripped");
const DEBUG = join(FIXTURES, "elf-x86_64-gcc-dw5-O2-pie.debug");
const BUILD_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";

function installed(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

describe("debuginfod clients against wrangler dev", () => {
  const server = useDevServer();
  let token: string;
  let work: string;
  let clientEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    token = await mintToken(server, "acme");
    work = mkdtempSync(join(tmpdir(), "debuginfod-e2e-"));
    const upload = join(work, "upload");
    mkdirSync(upload, { recursive: true });
    mkdirSync(join(work, "cache"));
    copyFileSync(STRIPPED, join(upload, "hello"));
    copyFileSync(DEBUG, join(upload, "hello.debug"));
    const cli = await sentryCli(
      uploadArgs({ url: server.url, token, project: "app", extra: ["--wait"], path: upload }),
    );
    expect(cli.code, `${cli.stdout}\n${cli.stderr}`).toBe(0);
    const headers = join(work, "headers");
    writeFileSync(headers, `Authorization: Bearer ${token}\n`);
    clientEnv = {
      ...process.env,
      DEBUGINFOD_URLS: `${server.url}/debuginfod/acme/app`,
      DEBUGINFOD_HEADERS_FILE: headers,
      DEBUGINFOD_CACHE_PATH: join(work, "cache"),
      DEBUGINFOD_TIMEOUT: "30",
    };
  });

  afterAll(() => {
    if (work) removeDir(work);
  });

  it("serves both uploads over plain HTTP", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const debuginfo = await fetch(`${server.url}/debuginfod/acme/app/buildid/${BUILD_ID}/debuginfo`, { headers: auth });
    expect(debuginfo.status).toBe(200);
    expect(debuginfo.headers.get("content-length")).toBe(String(readFileSync(DEBUG).byteLength));
    expect(Buffer.from(await debuginfo.arrayBuffer()).equals(readFileSync(DEBUG))).toBe(true);
    const head = await fetch(`${server.url}/debuginfod/acme/buildid/${BUILD_ID}/executable`, {
      method: "HEAD",
      headers: auth,
    });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(readFileSync(STRIPPED).byteLength));
    expect(head.headers.get("x-debuginfod-size")).toBe(String(readFileSync(STRIPPED).byteLength));
  });

  describe.skipIf(!installed("debuginfod-find"))("debuginfod-find (elfutils)", () => {
    const find = (...args: string[]) =>
      execFileSync("debuginfod-find", args, { env: clientEnv, encoding: "utf8", timeout: 60_000 }).trim();

    it("fetches the debuginfo byte for byte", () => {
      expect(readFileSync(find("debuginfo", BUILD_ID)).equals(readFileSync(DEBUG))).toBe(true);
    });

    it("fetches the executable byte for byte", () => {
      expect(readFileSync(find("executable", BUILD_ID)).equals(readFileSync(STRIPPED))).toBe(true);
    });

    it("fetches a section's raw bytes", async () => {
      const bytes = readFileSync(DEBUG);
      const identified = await identifyElf(new BufferReader(new Uint8Array(bytes)));
      if (!identified.ok) throw new Error("fixture did not identify");
      const info = (identified.identity.details as unknown as ElfDetails).sections.find(
        (s) => s.name === ".debug_line",
      );
      if (!info) throw new Error("no .debug_line");
      const got = readFileSync(find("section", BUILD_ID, ".debug_line"));
      expect(got.equals(bytes.subarray(info.offset, info.offset + info.size))).toBe(true);
    });

    it("reports an unknown build id as not found", () => {
      const res = spawnSync("debuginfod-find", ["debuginfo", "ab".repeat(20)], { env: clientEnv, encoding: "utf8" });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(/No such file or directory|not found/i);
    });
  });

  describe.skipIf(!installed("gdb"))("gdb", () => {
    it("finds the line of a function of the stripped binary through debuginfod", () => {
      const cache = mkdtempSync(join(tmpdir(), "gdb-cache-"));
      try {
        const out = execFileSync(
          "gdb",
          ["-nx", "-batch", "-iex", "set debuginfod enabled on", "-ex", "info line compute", STRIPPED],
          { env: { ...clientEnv, DEBUGINFOD_CACHE_PATH: cache }, encoding: "utf8", timeout: 90_000 },
        );
        // `compute` is inlined code from util.h at its first address: any source line proves DWARF arrived.
        expect(out).toMatch(/Line \d+ of "[^"]+\.[ch]" starts at address 0x1170 <compute>/);
      } finally {
        removeDir(cache);
      }
    });
  });

  describe.skipIf(!installed("llvm-symbolizer-19"))("llvm-symbolizer-19", () => {
    it("resolves an address of the stripped binary through debuginfod", () => {
      const cache = mkdtempSync(join(tmpdir(), "llvm-cache-"));
      try {
        // `compute` starts at 0x1170 (nm of the unstripped build).
        const out = execFileSync("llvm-symbolizer-19", ["--obj", STRIPPED, "0x1170"], {
          env: { ...clientEnv, DEBUGINFOD_CACHE_PATH: cache, LLVM_DEBUGINFOD_CACHE_PATH: cache },
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(out).toMatch(/\.[ch]:\d+:\d+/);
        // Without the headers file the server refuses it, and only the symbol name is left: the
        // DWARF above came through our route, with the token.
        const anonymous = execFileSync("llvm-symbolizer-19", ["--obj", STRIPPED, "0x1170"], {
          env: {
            ...clientEnv,
            DEBUGINFOD_HEADERS_FILE: "",
            DEBUGINFOD_CACHE_PATH: join(cache, "anon"),
            LLVM_DEBUGINFOD_CACHE_PATH: join(cache, "anon"),
          },
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(anonymous).not.toMatch(/\.[ch]:\d+:\d+/);
      } finally {
        removeDir(cache);
      }
    });
  });
  // RSS comes from /proc: Linux only.
  describe.skipIf(!existsSync("/proc/self/status"))("a 256 MiB file", () => {
    const SIZE = 256 * 1024 * 1024;

    it("downloads through the route byte for byte while workerd's memory stays flat", async () => {
      // Uploaded in 8 MiB chunks through the HTTP API (about 15 s here: local R2 writes).
      const file = await uploadSynthetic(server, token, SIZE);
      const { worker, proxy } = workerdProcesses(server.port);
      const before = { worker: rssMiB(worker), proxy: rssMiB(proxy) };
      const peak = { ...before };
      const sampler = setInterval(() => {
        peak.worker = Math.max(peak.worker, rssMiB(worker));
        peak.proxy = Math.max(peak.proxy, rssMiB(proxy));
      }, 20);
      try {
        const res = await fetch(`${server.url}/debuginfod/acme/bench/buildid/${file.buildId}/executable`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-length")).toBe(String(SIZE));
        const hash = createHash("sha1");
        let bytes = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          bytes += chunk.byteLength;
        }
        expect(bytes).toBe(SIZE);
        expect(hash.digest("hex")).toBe(file.checksum);
      } finally {
        clearInterval(sampler);
      }
      // Flat: the download of 256 MiB may not grow either process by more than a few chunks' worth.
      expect(peak.worker - before.worker, `worker RSS ${before.worker} -> ${peak.worker} MiB`).toBeLessThan(48);
      expect(peak.proxy - before.proxy, `proxy RSS ${before.proxy} -> ${peak.proxy} MiB`).toBeLessThan(48);
    });
  });
});
