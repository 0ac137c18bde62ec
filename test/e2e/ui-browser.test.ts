/**
 * The web page in a real browser: Debian's chromium driven by playwright-core against
 * `wrangler dev`, with uploads by the real sentry-cli. Sign in with the keyboard, watch an upload
 * appear and turn ready without a reload, search, open, delete, an uploaded name that is HTML,
 * another organization's token, a read-only token, sign out; axe-core on every page; phone
 * width. Screenshots go to test-artifacts/ui/. Skipped, with the reason printed, where chromium
 * is not installed (scripts/install-toolchain.sh installs it).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentryCli, uploadArgs } from "../support/sentry-cli.mjs";
import { ADMIN_TOKEN, mintToken, removeDir, type DevServer } from "../support/wrangler-dev.mjs";
import { useDevServer } from "./dev-server";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "files");
const ARTIFACTS = join(ROOT, "test-artifacts", "ui");
const XSS_NAME = "<img src=x onerror=alert(1)>.debug";
const DEBUG_ID = "ea12398f-3c5a-c7b2-4c56-17488bdb6729";

const available = existsSync(CHROMIUM);
if (!available) console.log(`ui-browser: skipped, ${CHROMIUM} is not installed (apt-get install chromium)`);

/** Every page is scanned; serious and critical violations fail the test. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, which the page's CSP does not govern (an injected
  // <script> would be refused, rightly).
  await page.evaluate(readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8"));
  // A string, run in the page: this file is type-checked without the DOM library.
  const results = await page.evaluate<AxeResults>(
    "axe.run(document).then((r) => ({ violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })) }))",
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

interface AxeResults {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

async function mintReadOnly(server: DevServer, org: string): Promise<string> {
  const res = await fetch(`${server.url}/api/0/admin/tokens/`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ org, scopes: ["project:read"] }),
  });
  return (await res.json<{ token: string }>()).token;
}

describe.skipIf(!available)("the web page in chromium", () => {
  const server = useDevServer();
  let token: string;
  let context: BrowserContext;
  let page: Page;
  const dirs: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    token = await mintToken(server, "acme");
    const profile = mkdtempSync(join(tmpdir(), "ui-chromium-"));
    dirs.push(profile);
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    console.log(`chromium up in ${Date.now() - started} ms`);
    // An alert would mean an uploaded name ran as HTML; a CSP report means the page broke its own policy.
    page.on("dialog", (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on("console", (m) => {
      // The 404 and 403 pages this test asks for are logged as failed loads: expected.
      if (
        m.type() === "error" &&
        !m.text().startsWith("Failed to load resource: the server responded with a status of 40")
      ) {
        problems.push(`console: ${m.text()}`);
      }
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await context?.close();
    dirs.forEach(removeDir);
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function signIn(text: string) {
    await page.goto(`${server.url}/ui/`);
    await page.waitForURL(/\/ui\/login/);
    await page.locator("#token").fill(text);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/ui\/orgs\/[^/]+\/$/);
  }

  it("signs in with the keyboard and shows an empty organization as such", async () => {
    await page.goto(`${server.url}/ui/`);
    await page.waitForURL(/\/ui\/login$/);
    await shot("login");
    // The stylesheet arrived as CSS (a bundling slip would serve an empty one).
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('main')).maxWidth")).toBe("1216px");
    expect(await axeViolations(page)).toEqual([]);
    // The token field has focus on arrival; Enter submits.
    await page.keyboard.type(token);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/ui\/orgs\/acme\/$/);
    await page.getByRole("heading", { name: "No debug files yet" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it("shows files uploaded by sentry-cli appear and turn ready without a reload", async () => {
    await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    await page.getByRole("heading", { name: "No debug files yet" }).waitFor();
    await shot("files-empty");
    await page.evaluate("window.marker = 42");

    const dir = mkdtempSync(join(tmpdir(), "ui-upload-"));
    dirs.push(dir);
    for (const name of [
      "elf-x86_64-gcc-dw5-O2-pie.stripped",
      "elf-x86_64-gcc-dw5-O2-pie.debug",
      "breakpad-inline.sym",
      "pe-x86_64.pdb",
    ]) {
      copyFileSync(join(FIXTURES, name), join(dir, name));
    }
    copyFileSync(join(FIXTURES, "elf-x86_64-gcc-dw4-O0-pie"), join(dir, XSS_NAME));
    const upload = await sentryCli(
      uploadArgs({ url: server.url, token, project: "app", path: dir, extra: ["--wait"] }),
    );
    expect(upload.code, upload.stdout + upload.stderr).toBe(0);

    // File rows link their names; rows of uploads in flight do not.
    const files = page.locator("#live td a.name");
    await expect.poll(() => files.count(), { timeout: 30_000 }).toBe(5);
    await expect.poll(() => page.locator("#live .badge", { hasText: "Ready" }).count(), { timeout: 30_000 }).toBe(5);
    expect(await page.evaluate("window.marker")).toBe(42);
    expect(await page.locator("#live td a.name").allTextContents()).toContain(XSS_NAME);
    expect(await page.locator("#live img").count()).toBe(0);
    await shot("files");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("searches by debug id and format", async () => {
    await page.locator("#query").fill(DEBUG_ID.toUpperCase().replace(/-/g, ""));
    await page.keyboard.press("Enter");
    await page.waitForURL(/query=/);
    expect((await page.locator("#live td a.name").allTextContents()).sort()).toEqual([
      "elf-x86_64-gcc-dw5-O2-pie.debug",
      "elf-x86_64-gcc-dw5-O2-pie.stripped",
    ]);
    await page.getByRole("link", { name: "Clear" }).click();
    await page.locator("#format").selectOption("pdb");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/format=pdb/);
    expect(await page.locator("#live td a.name").allTextContents()).toEqual(["pe-x86_64.pdb"]);
    await page.locator("#query").fill("no-such-file");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "No matching debug files" }).waitFor();
    await shot("files-no-match");
  });

  it("opens a file from the list with the keyboard, with its symbol-server URLs and download", async () => {
    await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    // Tab order starts with the skip link.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
    await page.locator("#live a.name", { hasText: "elf-x86_64-gcc-dw5-O2-pie.debug" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/files\/\d+\/$/);
    await page.getByRole("heading", { name: "elf-x86_64-gcc-dw5-O2-pie.debug" }).waitFor();
    const urls = await page.locator('td[data-label="URL"] code').allTextContents();
    expect(urls).toContain(
      `${server.url}/debuginfod/acme/app/buildid/8f3912ea5a3cb2c74c5617488bdb67295a87868f/debuginfo`,
    );
    const download = await page.request.get(
      await page
        .getByRole("link", { name: /Download/ })
        .getAttribute("href")
        .then((h) => `${server.url}${h}`),
    );
    expect(download.status()).toBe(200);
    expect((await download.body()).equals(readFileSync(join(FIXTURES, "elf-x86_64-gcc-dw5-O2-pie.debug")))).toBe(true);
    await shot("file");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("symbolicates addresses of an uploaded file with the inline chain", async () => {
    await page.goto(`${server.url}/ui/orgs/acme/projects/app/symbolicate/?module=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`);
    await page.locator("#addresses").fill("0x1018");
    await page.getByRole("button", { name: "Symbolicate" }).first().click();
    await page.getByRole("heading", { name: "Result" }).waitFor();
    expect(await page.locator(".frames strong").allTextContents()).toEqual(["clamp_add", "point_sum", "compute"]);
    await shot("symbolicate");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("deletes a file after a confirmation", async () => {
    await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    await page.locator("#live a.name", { hasText: XSS_NAME }).click();
    await page.getByRole("link", { name: "Delete…" }).click();
    await page.getByRole("heading", { name: `Delete ${XSS_NAME}?` }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Delete the file" }).click();
    await page.waitForURL(/deleted=/);
    await page.getByText("Deleted the debug file").waitFor();
    expect(await page.locator("#live td a.name").allTextContents()).not.toContain(XSS_NAME);
  });

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ["/ui/orgs/acme/projects/app/", "/ui/orgs/acme/setup/?project=app", "/ui/orgs/acme/"]) {
      await page.goto(`${server.url}${path}`);
      const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
      const wide = await page.evaluate<string[]>(
        "[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
      );
      expect(overflow, `${path}: ${wide.join(", ")}`).toBeLessThanOrEqual(0);
    }
    await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    await shot("files-phone");
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("signs out, and another organization's token sees none of acme", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    const back = await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    expect(page.url()).toContain("/ui/login?next=");
    expect(back?.status()).toBe(200);

    await signIn(await mintToken(server, "rival"));
    const foreign = await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    expect(foreign?.status()).toBe(404);
    expect(await page.content()).not.toContain("elf-x86_64");
    await page.goto(`${server.url}/ui/orgs/rival/projects/app/`);
    await page.getByRole("heading", { name: "No debug files yet" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
  });

  it("gives a read-only token no delete button", async () => {
    await signIn(await mintReadOnly(server, "acme"));
    await page.goto(`${server.url}/ui/orgs/acme/projects/app/`);
    await page.locator("#live a.name", { hasText: "pe-x86_64.pdb" }).click();
    await page.getByRole("heading", { name: "pe-x86_64.pdb" }).waitFor();
    expect(await page.getByRole("link", { name: "Delete…" }).count()).toBe(0);
    const refused = await page.goto(`${page.url()}delete`);
    expect(refused?.status()).toBe(403);
    await shot("read-only-refused");
  });

  it("ran without an alert, a script error or a CSP violation", () => {
    expect(problems.join("\n")).toBe("");
  });
});
