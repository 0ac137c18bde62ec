/** ProjectCatalog queries the web page relies on: the org's projects, and pages going back. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FileFormat } from "../../../src/common/debug-file";
import { orgCatalogName, projectCatalogName } from "../../../src/storage/keys";
import { syntheticRecord } from "../helpers";

const record = (org: string, project: string, n: number, createdAt: string, format: FileFormat = "elf") =>
  syntheticRecord(org, project, n, { createdAt, format });

const catalogNamed = (name: string) => env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(name));

describe("ProjectCatalog", () => {
  describe("projects() over the org-wide index", () => {
    it("counts each project's files and names its newest upload, most recent project first", async () => {
      const index = catalogNamed(orgCatalogName("projects-org"));
      await index.register({ ...record("projects-org", "ios", 1, "2026-01-01T00:00:00.000Z"), id: "1" });
      await index.register({ ...record("projects-org", "android", 2, "2026-01-02T00:00:00.000Z"), id: "1" });
      await index.register({ ...record("projects-org", "ios", 3, "2026-01-03T00:00:00.000Z"), id: "2" });
      await index.register({ ...record("projects-org", "android", 4, "2026-01-04T00:00:00.000Z"), id: "2" });
      await index.register({ ...record("projects-org", "android", 5, "2026-01-05T00:00:00.000Z"), id: "3" });
      expect(await index.projects()).toEqual([
        { project: "android", files: 3, lastUpload: "2026-01-05T00:00:00.000Z" },
        { project: "ios", files: 2, lastUpload: "2026-01-03T00:00:00.000Z" },
      ]);
      await index.removeFile("android", (5).toString(16).padStart(40, "0"));
      expect(await index.projects()).toEqual([
        { project: "android", files: 2, lastUpload: "2026-01-04T00:00:00.000Z" },
        { project: "ios", files: 2, lastUpload: "2026-01-03T00:00:00.000Z" },
      ]);
    });

    it("is empty for an org without files", async () => {
      expect(await catalogNamed(orgCatalogName("empty-org")).projects()).toEqual([]);
    });
  });

  describe("list() going back (afterId)", () => {
    it("returns the rows just above the cursor, newest first, with the filters applied", async () => {
      const catalog = catalogNamed(projectCatalogName("back-org", "app"));
      for (let n = 1; n <= 10; n++) {
        await catalog.register(record("back-org", "app", n, "2026-01-01T00:00:00.000Z", n % 2 ? "elf" : "macho"));
      }
      const names = async (q: Parameters<typeof catalog.list>[0]) => (await catalog.list(q)).map((r) => r.objectName);
      expect(await names({ afterId: 4, limit: 3 })).toEqual(["lib7.so", "lib6.so", "lib5.so"]);
      expect(await names({ afterId: 8, limit: 5 })).toEqual(["lib10.so", "lib9.so"]);
      expect(await names({ afterId: 2, formats: ["macho"], limit: 2 })).toEqual(["lib6.so", "lib4.so"]);
      expect(await names({ beforeId: 4, limit: 5 })).toEqual(["lib3.so", "lib2.so", "lib1.so"]);
    });
  });
});
