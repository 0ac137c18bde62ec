/**
 * The web page's contents over real uploads: the list and its live region, names as text,
 * organization isolation, read-only tokens, deleting with the CSRF token, downloads, the
 * symbol-server URLs a file page shows, and the symbolicate tool.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { mirrorStatus } from "../../../src/assembly/status-mirror";
import { projectCatalogName } from "../../../src/storage/keys";
import { BASE, mintToken, sha1Hex, syntheticRecord } from "../helpers";
import { bytesOf, get, store, type Stored } from "../symbol-server-helpers";
import { attributes, signIn, texts, type Browser } from "./helpers";

const XSS = "<img src=x onerror=alert(1)>.debug";
const FILES = "/ui/orgs/pages-org/projects/app/";

describe("web page over real uploads", () => {
  let token: string;
  let browser: Browser;
  const files: Record<string, Stored> = {};

  beforeAll(async () => {
    token = await mintToken("pages-org");
    browser = await signIn(token);
    files.stripped = await store(token, "pages-org", "app", "elf-x86_64-gcc-dw5-O2-pie.stripped", "hello");
    files.debug = await store(token, "pages-org", "app", "elf-x86_64-gcc-dw5-O2-pie.debug", "hello.debug");
    files.xss = await store(token, "pages-org", "app", "elf-x86_64-gcc-dw4-O0-pie", XSS);
    files.pdb = await store(token, "pages-org", "app", "pe-x86_64.pdb");
    files.exe = await store(token, "pages-org", "app", "pe-x86_64.exe");
    files.breakpad = await store(token, "pages-org", "app", "breakpad-inline.sym");
  });

  it("lists the project's files newest first with their identity and symcache state", async () => {
    const res = await browser.get(FILES);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(await texts(html, "td a.name")).toEqual([
      "breakpad-inline",
      "pe-x86_64.exe",
      "pe-x86_64.pdb",
      XSS,
      "hello.debug",
      "hello",
    ]);
    expect(html).toContain("ea12398f-3c5a-c7b2-4c56-17488bdb6729");
    expect(await texts(html, ".badge")).toEqual(["Ready", "Not built", "Ready", "Ready", "Ready", "Ready"]);
    expect(html).toContain("the file has neither symbols nor debug information");
  });

  it("renders an uploaded name as text, never as HTML", async () => {
    for (const path of [FILES, `${FILES}files/${files.xss?.id}/`, `${FILES}?query=${encodeURIComponent("onerror")}`]) {
      const html = await (await browser.get(path)).text();
      expect(html, path).toContain("&lt;img src=x onerror=alert(1)&gt;.debug");
      expect(html, path).not.toContain("<img");
    }
  });

  it("searches by name, debug id (any spelling) and code id, and filters by format", async () => {
    const names = async (qs: string) => texts(await (await browser.get(`${FILES}?${qs}`)).text(), "td a.name");
    expect(await names("query=hello")).toEqual(["hello.debug", "hello"]);
    expect(await names("query=EA12398F3C5AC7B24C5617488BDB6729")).toEqual(["hello.debug", "hello"]);
    expect(await names("query=8f3912ea5a3cb2c7")).toEqual(["hello.debug", "hello"]);
    expect(await names("format=pdb")).toEqual(["pe-x86_64.pdb"]);
    expect(await names("format=breakpad&query=hello")).toEqual([]);
    const none = await (await browser.get(`${FILES}?query=nothing-like-this`)).text();
    expect(none).toContain("No matching debug files");
    expect(none).toContain("nothing-like-this");
  });

  it("shows an empty project with the upload command for this service", async () => {
    const html = await (await browser.get("/ui/orgs/pages-org/projects/empty/")).text();
    expect(html).toContain("No debug files yet");
    expect(html).toContain(
      `sentry-cli --url ${BASE} --auth-token &quot;$TOKEN&quot; debug-files upload --org pages-org --project empty --wait build/`,
    );
  });

  it("lists the org's projects with file counts", async () => {
    const html = await (await browser.get("/ui/orgs/pages-org/")).text();
    expect(await texts(html, "td a.name")).toContain("app");
    expect(await texts(html, 'td[data-label="Debug files"]')).toContain("6");
  });

  it("shows uploads in flight from the status mirror, with the reason of a failure", async () => {
    const sha = "f".repeat(40);
    await mirrorStatus(env.ASSEMBLE_STATUS, "pages-org", "inflight", sha, {
      state: "error",
      detail: "Reported checksum mismatch",
      name: XSS,
    });
    await mirrorStatus(env.ASSEMBLE_STATUS, "pages-org", "inflight", "e".repeat(40), {
      state: "assembling",
      detail: null,
      name: "libbig.so",
      step: "symcache",
    });
    const html = await (await browser.get("/ui/orgs/pages-org/projects/inflight/")).text();
    expect(await texts(html, "section span.name")).toEqual(["libbig.so", XSS]);
    expect(await texts(html, "section .badge")).toEqual(["Building symcache", "Failed"]);
    expect(html).toContain("Reported checksum mismatch");
    expect(html).toContain("data-pending");
    const projects = await (await browser.get("/ui/orgs/pages-org/")).text();
    expect(await texts(projects, ".badge")).toEqual(expect.arrayContaining(["1 uploading", "1 failed"]));
  });

  it("answers the live region with an ETag, 304 while nothing changed, and the new state after an upload", async () => {
    const first = await browser.get("/ui/orgs/pages-org/projects/live/live");
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^"[0-9a-f]{8}"$/);
    expect((await browser.get("/ui/orgs/pages-org/projects/live/live", { "if-none-match": etag })).status).toBe(304);
    const page = await (await browser.get("/ui/orgs/pages-org/projects/live/")).text();
    expect(await attributes(page, "#live", "data-etag")).toEqual([etag]);
    await store(token, "pages-org", "live", "breakpad-linux.sym");
    const after = await browser.get("/ui/orgs/pages-org/projects/live/live", { "if-none-match": etag });
    expect(after.status).toBe(200);
    expect(await texts(await after.text(), "td a.name")).toEqual(["breakpad-linux"]);
  });

  it("downloads a file through the session, byte for byte", async () => {
    const res = await browser.get(`${FILES}files/${files.debug?.id}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="ea12398f-3c5a-c7b2-4c56-17488bdb6729.debug"',
    );
    expect(await sha1Hex(await bytesOf(res))).toBe(files.debug?.checksum);
  });

  it("shows on a file's page only symbol-server URLs that answer, each with the file it answers with", async () => {
    for (const key of ["stripped", "debug", "pdb", "exe", "breakpad"]) {
      const stored = files[key] as Stored;
      const html = await (await browser.get(`${FILES}files/${stored.id}/`)).text();
      const urls = await texts(html, 'td[data-label="URL"] code');
      expect(urls.length, key).toBeGreaterThan(0);
      for (const url of urls) {
        const res = await get(token, new URL(url).pathname);
        expect(res.status, url).toBe(200);
        const served = await sha1Hex(await bytesOf(res));
        // Either this file, or the other file of the same id that the page names.
        const named = html.includes(`answered by`) ? Object.values(files).map((f) => f.checksum) : [stored.checksum];
        expect(named, url).toContain(served);
      }
    }
    const stripped = await (await browser.get(`${FILES}files/${files.stripped?.id}/`)).text();
    expect(stripped).toContain("/debuginfod/pages-org/app/buildid/8f3912ea5a3cb2c74c5617488bdb67295a87868f/debuginfo");
    expect(await texts(stripped, 'td[data-label="URL"] .second a')).toEqual(["hello.debug"]);
  });

  it("symbolicates a module and addresses with inline chains, as the API does", async () => {
    const csrf = await browser.csrf("/ui/orgs/pages-org/projects/app/symbolicate/");
    const res = await browser.post("/ui/orgs/pages-org/projects/app/symbolicate/", {
      csrf,
      mode: "addresses",
      module: "0F1E2D3C4B5A69788796A5B4C3D2E1F0",
      image_addr: "0",
      addresses: "0x1018\n0x5000",
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(await texts(html, ".frames strong")).toEqual(["clamp_add", "point_sum", "compute"]);
    expect(html).toContain("util.h:14");
    expect(html).toContain("inlined into");
    const bad = await browser.post("/ui/orgs/pages-org/projects/app/symbolicate/", {
      csrf,
      mode: "json",
      json: "{nope",
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("The request is not valid JSON");
    const forged = await browser.post("/ui/orgs/pages-org/projects/app/symbolicate/", { mode: "json", json: "{}" });
    expect(forged.status).toBe(403);
  });

  it("prints the setup commands for this deployment", async () => {
    const html = await (await browser.get("/ui/orgs/pages-org/setup/?project=app")).text();
    for (const text of [
      `sentry-cli --url ${BASE} --auth-token`,
      "debug-files upload --org pages-org --project app --wait build/",
      `DEBUGINFOD_URLS=&quot;${BASE}/debuginfod/pages-org/app&quot;`,
      "set debuginfod enabled on",
      `srv*C:\\symbols*${BASE}/symstore/pages-org/app`,
      "&quot;format&quot;: &quot;sntrys&quot;",
    ]) {
      expect(html).toContain(text);
    }
  });

  describe("organizations", () => {
    it("never shows another organization's projects or files, by any URL", async () => {
      const other = await signIn(await mintToken("pages-rival"));
      for (const path of [
        "/ui/orgs/pages-org/",
        FILES,
        `${FILES}files/${files.debug?.id}/`,
        `${FILES}files/${files.debug?.id}/download`,
        `${FILES}live`,
        "/ui/orgs/pages-org/setup/",
      ]) {
        const res = await other.get(path);
        expect(res.status, path).toBe(404);
        expect(await res.text()).not.toContain("hello.debug");
      }
      // Its own project of the same name is empty.
      const own = await (await other.get("/ui/orgs/pages-rival/projects/app/")).text();
      expect(own).toContain("No debug files yet");
      expect(await texts(own, "td a.name")).toEqual([]);
    });
  });

  describe("a read-only token", () => {
    it("sees no delete button, and the delete route refuses it", async () => {
      const reader = await signIn(await mintToken("pages-org", ["project:read"]));
      const page = await (await reader.get(`${FILES}files/${files.pdb?.id}/`)).text();
      expect(page).not.toContain("Delete");
      expect(page).toContain("read-only");
      expect((await reader.get(`${FILES}files/${files.pdb?.id}/delete`)).status).toBe(403);
      const csrf = await reader.csrf(FILES);
      const refused = await reader.post(`${FILES}files/${files.pdb?.id}/delete`, { csrf });
      expect(refused.status).toBe(403);
      expect((await get(token, `/api/0/projects/pages-org/app/files/dsyms/?id=${files.pdb?.id}`)).status).toBe(200);
    });
  });

  describe("deleting", () => {
    it("asks for confirmation, needs the CSRF token, then removes the file everywhere", async () => {
      const victim = await store(token, "pages-org", "doomed", "breakpad-linux.sym");
      const base = "/ui/orgs/pages-org/projects/doomed/";
      const confirm = await browser.get(`${base}files/${victim.id}/delete`);
      expect(confirm.status).toBe(200);
      const html = await confirm.text();
      expect(html).toContain("Delete breakpad-linux?");
      const csrf = (await attributes(html, 'form[action$="/delete"] input[name="csrf"]', "value"))[0] as string;

      expect((await browser.post(`${base}files/${victim.id}/delete`, { csrf: "0".repeat(64) })).status).toBe(403);
      expect(
        (await browser.post(`${base}files/${victim.id}/delete`, { csrf }, { origin: "https://evil.example" })).status,
      ).toBe(403);
      expect((await get(token, `/api/0/projects/pages-org/doomed/files/dsyms/?id=${victim.id}`)).status).toBe(200);

      const done = await browser.post(`${base}files/${victim.id}/delete`, { csrf });
      expect(done.status).toBe(303);
      const location = done.headers.get("location") as string;
      expect(location).toMatch(/^\/ui\/orgs\/pages-org\/projects\/doomed\/\?deleted=/);
      const after = await (await browser.get(location)).text();
      expect(after).toContain("Deleted the debug file");
      expect(after).toContain("No debug files yet");
      expect((await get(token, `/api/0/projects/pages-org/doomed/files/dsyms/?id=${victim.id}`)).status).toBe(404);
      expect((await browser.get(`${base}files/${victim.id}/`)).status).toBe(404);
    });
  });

  describe("pagination", () => {
    beforeAll(async () => {
      const catalog = env.PROJECT_CATALOG.get(env.PROJECT_CATALOG.idFromName(projectCatalogName("pages-org", "many")));
      for (let i = 0; i < 60; i++) await catalog.register(syntheticRecord("pages-org", "many", i));
    });

    it("pages 25 at a time with Next and Previous, the API's cursors", async () => {
      const seen: string[][] = [];
      let path: string | undefined = "/ui/orgs/pages-org/projects/many/";
      let html = "";
      while (path) {
        html = await (await browser.get(path)).text();
        seen.push(await texts(html, "td a.name"));
        path = (await attributes(html, 'a[rel="next"]', "href"))[0];
      }
      expect(seen.map((p) => p.length)).toEqual([25, 25, 10]);
      expect(seen.flat()[0]).toBe("lib59.so");
      expect(new Set(seen.flat()).size).toBe(60);
      const previous = (await attributes(html, 'a[rel="prev"]', "href"))[0] as string;
      expect(previous).toMatch(/cursor=\d+%3A0%3A1$/);
      const back = await (await browser.get(previous)).text();
      expect(await texts(back, "td a.name")).toEqual(seen[1]);
    });
  });
});
