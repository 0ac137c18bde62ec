/**
 * The debug-files list as Symbolicator's `sentry` source and sentry-cli read it:
 * `?debug_id=&code_id=` lookups (debug-id matches win, code-id matches otherwise), `query`,
 * `file_formats`, 20 per page by default, `per_page` up to 100, cursors in a `Link` header, and
 * the download by `?id=`.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { projectCatalogName } from "../../../src/storage/keys";
import type { NewDebugFileRecord } from "../../../src/common/debug-file";
import { mintToken } from "../helpers";
import { bytesOf, get, store, type Stored } from "../symbol-server-helpers";

const ELF_DEBUG_ID = "ea12398f-3c5a-c7b2-4c56-17488bdb6729";
const ELF_CODE_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";
const PDB_DEBUG_ID = "f17a7fb0-e420-3a7d-4c4c-44205044422e-1";
const LIST = "/api/0/projects/acme/app/files/dsyms/";

interface Dif {
  id: string;
  debugId: string;
  codeId: string | null;
  objectName: string;
  symbolType: string;
  sha1: string;
}

async function list(token: string, query: string): Promise<{ items: Dif[]; link: string }> {
  const res = await get(token, `${LIST}?${query}`);
  expect(res.status).toBe(200);
  return { items: await res.json<Dif[]>(), link: res.headers.get("link") ?? "" };
}

function nextCursor(link: string): { cursor: string; results: boolean } {
  const m = /rel="next"; results="(true|false)"; cursor="([^"]+)"/.exec(link);
  if (!m) throw new Error(`no next link in ${link}`);
  return { results: m[1] === "true", cursor: m[2] as string };
}

describe("debug-files list", () => {
  let token: string;
  const files: Record<string, Stored> = {};

  beforeAll(async () => {
    token = await mintToken("acme");
    files.stripped = await store(token, "acme", "app", "elf-x86_64-gcc-dw5-O2-pie.stripped", "hello");
    files.debug = await store(token, "acme", "app", "elf-x86_64-gcc-dw5-O2-pie.debug", "hello.debug");
    files.exe = await store(token, "acme", "app", "pe-x86_64.exe");
    files.pdb = await store(token, "acme", "app", "pe-x86_64.pdb");
  });

  describe("Symbolicator's sentry source lookups", () => {
    it("finds every file of a debug id, newest first", async () => {
      const { items } = await list(token, `debug_id=${ELF_DEBUG_ID}`);
      expect(items.map((d) => d.sha1)).toEqual([files.debug?.checksum, files.stripped?.checksum]);
    });

    it("accepts the debug id in Breakpad form and any case", async () => {
      const { items } = await list(token, `debug_id=F17A7FB0E4203A7D4C4C44205044422E1`);
      expect(items.map((d) => d.sha1).sort()).toEqual([files.exe?.checksum, files.pdb?.checksum].sort());
    });

    it("finds files by code id in any case", async () => {
      const { items } = await list(token, `code_id=${ELF_CODE_ID.toUpperCase()}`);
      expect(items).toHaveLength(2);
    });

    it("prefers debug-id matches when both ids are given, and falls back to the code id", async () => {
      const both = await list(token, `debug_id=${PDB_DEBUG_ID}&code_id=${ELF_CODE_ID}`);
      expect(both.items.every((d) => d.debugId === PDB_DEBUG_ID)).toBe(true);
      const fallback = await list(token, `debug_id=00000000-0000-0000-0000-000000000001&code_id=${ELF_CODE_ID}`);
      expect(fallback.items.map((d) => d.codeId)).toEqual([ELF_CODE_ID, ELF_CODE_ID]);
    });

    it("downloads a listed file by id, byte for byte", async () => {
      const { items } = await list(token, `debug_id=${PDB_DEBUG_ID}&code_id=defb115c5000`);
      const pdb = items.find((d) => d.symbolType === "pdb") as Dif;
      const res = await get(token, `${LIST}?id=${pdb.id}`);
      expect(res.status).toBe(200);
      expect(await bytesOf(res)).toEqual(files.pdb?.bytes);
    });
  });

  describe("filters", () => {
    it("filters by file_formats (repeated, ORed)", async () => {
      const pdb = await list(token, "file_formats=pdb");
      expect(pdb.items.map((d) => d.symbolType)).toEqual(["pdb"]);
      const two = await list(token, "file_formats=pe&file_formats=pdb");
      expect(two.items.map((d) => d.symbolType).sort()).toEqual(["pdb", "pe"]);
    });

    it("searches object names case-insensitively with query", async () => {
      const { items } = await list(token, "query=HELLO.DEB");
      expect(items.map((d) => d.objectName)).toEqual(["hello.debug"]);
    });

    it("treats a query that reads as a debug id as a debug-id lookup", async () => {
      const { items } = await list(token, `query=${ELF_DEBUG_ID.toUpperCase()}`);
      expect(items).toHaveLength(2);
    });

    it("finds nothing for an unparseable debug id", async () => {
      expect((await list(token, "debug_id=not-an-id")).items).toEqual([]);
    });
  });

  describe("pagination", () => {
    const total = 105;

    beforeAll(async () => {
      const catalog = env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(projectCatalogName("acme", "many")));
      for (let i = 0; i < total; i++) {
        const record: NewDebugFileRecord = {
          org: "acme",
          project: "many",
          checksum: i.toString(16).padStart(40, "0"),
          objectName: `lib${i}.so`,
          debugId: `${i.toString(16).padStart(8, "0")}-0000-0000-0000-000000000000`,
          codeId: null,
          arch: "x86_64",
          kind: "lib",
          format: "elf",
          features: ["symtab"],
          size: 1,
          contentType: "application/x-elf-binary",
          createdAt: new Date().toISOString(),
          symcache: { status: "unsupported" },
        };
        await catalog.register(record);
      }
    });

    async function walk(perPage: string | null): Promise<number[]> {
      const sizes: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const params = new URLSearchParams();
        if (perPage) params.set("per_page", perPage);
        if (cursor) params.set("cursor", cursor);
        const res = await get(token, `/api/0/projects/acme/many/files/dsyms/?${params.toString()}`);
        sizes.push((await res.json<Dif[]>()).length);
        const next = nextCursor(res.headers.get("link") ?? "");
        if (!next.results) return sizes;
        cursor = next.cursor;
      }
      throw new Error("pagination did not end");
    }

    it("pages 20 at a time and walks every file exactly once via the Link header", async () => {
      expect(await walk(null)).toEqual([20, 20, 20, 20, 20, 5]);
    });

    it("takes per_page up to 100, and clamps larger values", async () => {
      expect(await walk("50")).toEqual([50, 50, 5]);
      expect(await walk("1000")).toEqual([100, 5]);
    });

    it("lists each file once across pages, newest first", async () => {
      const seen: string[] = [];
      let url = `/api/0/projects/acme/many/files/dsyms/?per_page=30`;
      for (;;) {
        const res = await get(token, url);
        seen.push(...(await res.json<Dif[]>()).map((d) => d.objectName));
        const next = nextCursor(res.headers.get("link") ?? "");
        if (!next.results) break;
        url = `/api/0/projects/acme/many/files/dsyms/?per_page=30&cursor=${encodeURIComponent(next.cursor)}`;
      }
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      expect(seen[0]).toBe(`lib${total - 1}.so`);
    });

    it("walks back with the previous cursor to exactly the pages it came from", async () => {
      const pages: string[][] = [];
      let url = `/api/0/projects/acme/many/files/dsyms/?per_page=30`;
      let link = "";
      for (let i = 0; i < 3; i++) {
        const res = await get(token, url);
        pages.push((await res.json<Dif[]>()).map((d) => d.objectName));
        link = res.headers.get("link") ?? "";
        url = `/api/0/projects/acme/many/files/dsyms/?per_page=30&cursor=${encodeURIComponent(nextCursor(link).cursor)}`;
      }
      const back: string[][] = [];
      for (;;) {
        const previous = /rel="previous"; results="(true|false)"; cursor="([^"]+)"/.exec(link);
        if (previous?.[1] !== "true") break;
        const res = await get(
          token,
          `/api/0/projects/acme/many/files/dsyms/?per_page=30&cursor=${encodeURIComponent(previous[2] as string)}`,
        );
        back.push((await res.json<Dif[]>()).map((d) => d.objectName));
        link = res.headers.get("link") ?? "";
      }
      expect(back).toEqual([pages[1], pages[0]]);
      // The first page reached going back links forward again.
      expect(nextCursor(link).results).toBe(true);
    });

    it("writes Sentry's Link header: previous and next with results and cursor", async () => {
      const res = await get(token, `/api/0/projects/acme/many/files/dsyms/`);
      const link = res.headers.get("link") ?? "";
      expect(link).toMatch(
        /^<http[^>]+cursor=[^>]+>; rel="previous"; results="false"; cursor="[^"]+", <http[^>]+>; rel="next"; results="true"; cursor="[^"]+"$/,
      );
    });
  });
});
