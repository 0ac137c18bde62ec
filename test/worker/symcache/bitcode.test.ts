/**
 * An App Store bitcode build, uploaded as sentry-cli uploads it (the dSYM, the UUID map from its
 * Contents/Resources and the BCSymbolMap, each under the UUID of its name): the dSYM's symcache
 * answers with the real names and paths, not `__hidden#N_`.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { assemble, BASE, mintToken, uploadFile, waitForFile, type FileState } from "../helpers";

const files = inject("bitcodeFixtures");
const bytes = (path: string) => Uint8Array.from(atob(files[path] ?? ""), (c) => c.charCodeAt(0));
const MAP = Object.keys(files).find((p) => p.endsWith(".bcsymbolmap")) ?? "";
const PLIST = Object.keys(files).find((p) => /Resources\/[0-9A-F-]{36}\.plist$/.test(p)) ?? "";
const DWARF = "StoreCheckout.dSYM/Contents/Resources/DWARF/StoreCheckout";
const uuidOf = (path: string) => (path.split("/").pop() ?? "").split(".")[0]!.toLowerCase();
const DSYM_ID = uuidOf(PLIST);
const ORIGINAL_ID = uuidOf(MAP);

/** Uploads like sentry-cli: the name is the file's base name, the debug id the UUID of it. */
async function start(token: string, org: string, project: string, path: string, content: Uint8Array = bytes(path)) {
  const name = path.split("/").pop() ?? path;
  const debugId = path === DWARF ? DSYM_ID : uuidOf(path);
  const { checksum, entry } = await uploadFile(token, org, content, name);
  const withId = { ...entry, debug_id: debugId };
  await assemble(token, org, project, { [checksum]: withId });
  return () => waitForFile(token, org, project, checksum, withId, 60);
}

async function upload(token: string, org: string, project: string, path: string): Promise<FileState> {
  return (await start(token, org, project, path))();
}

async function frameAt(token: string, org: string, project: string, relative: number, codeId?: string) {
  const image = 0x100000000;
  const res = await exports.default.fetch(`${BASE}/api/0/projects/${org}/${project}/symbolicate/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      stacktraces: [{ frames: [{ instruction_addr: `0x${(image + relative).toString(16)}` }] }],
      modules: [
        {
          type: "macho",
          debug_id: DSYM_ID,
          ...(codeId ? { code_id: codeId } : {}),
          image_addr: `0x${image.toString(16)}`,
          image_size: 0x10000,
        },
      ],
    }),
  });
  const body = await res.json<{
    stacktraces: { frames: { function?: string; abs_path?: string; filename?: string; lineno?: number }[] }[];
  }>();
  return body.stacktraces[0]?.frames ?? [];
}

describe.skipIf(!MAP || !PLIST)("App Store bitcode builds", () => {
  it("store the UUID map and BCSymbolMap as Sentry does, and resolve the dSYM's hidden names through them", async () => {
    const token = await mintToken("bitcode");
    const plist = await upload(token, "bitcode", "ios", PLIST);
    expect(plist.state).toBe("ok");
    expect(plist.detail).toBe(`Stored; a UUID map points this dSYM UUID at the BCSymbolMap ${ORIGINAL_ID}`);
    expect(plist.dif).toMatchObject({ debugId: DSYM_ID, cpuName: "any", symbolType: "uuidmap" });
    expect(plist.dif?.headers).toEqual({ "Content-Type": "application/x-debugid-map" });
    const map = await upload(token, "bitcode", "ios", MAP);
    expect(map.state).toBe("ok");
    expect(map.dif).toMatchObject({ debugId: ORIGINAL_ID, symbolType: "bcsymbolmap", objectName: MAP });
    const dsym = await upload(token, "bitcode", "ios", DWARF);
    expect(dsym).toMatchObject({ state: "ok", detail: null });

    // llvm-symbolizer-19 on the dSYM before obfuscation: clampDiscountPercentage (line 6)
    // inlined into applyCheckoutDiscount (line 11), both in CheckoutViewController.c.
    const frames = await frameAt(token, "bitcode", "ios", 0x4004);
    const path = "/Users/engineer/Projects/StoreCheckoutApp/Sources/StoreCheckout/CheckoutViewController.c";
    expect(frames).toMatchObject([
      { function: "clampDiscountPercentage", abs_path: path, lineno: 6 },
      { function: "applyCheckoutDiscount", abs_path: path, lineno: 11 },
    ]);
    const cpp = await frameAt(token, "bitcode", "ios", 0x4128);
    expect(cpp[0]?.function).toBe("StoreCheckout::ShippingCostEstimator::estimateShippingForItems(int) const");

    // Listed and downloadable like any debug file.
    const list = await exports.default.fetch(
      `${BASE}/api/0/projects/bitcode/ios/files/dsyms/?debug_id=${ORIGINAL_ID}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const rows = await list.json<{ id: string; symbolType: string }[]>();
    expect(rows.map((r) => r.symbolType)).toEqual(["bcsymbolmap"]);
    const download = await exports.default.fetch(
      `${BASE}/api/0/projects/bitcode/ios/files/dsyms/?id=${rows[0]?.id ?? ""}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(new TextDecoder().decode(await download.arrayBuffer())).toBe(new TextDecoder().decode(bytes(MAP)));
  });

  it("wait a moment for a map that arrives after the dSYM in the same run", async () => {
    const token = await mintToken("bitcode-race");
    const dsym = await start(token, "bitcode-race", "ios", DWARF);
    expect((await upload(token, "bitcode-race", "ios", MAP)).state).toBe("ok");
    expect((await upload(token, "bitcode-race", "ios", PLIST)).state).toBe("ok");
    expect(await dsym()).toMatchObject({ state: "ok", detail: null });
    expect((await frameAt(token, "bitcode-race", "ios", 0x4004))[1]?.function).toBe("applyCheckoutDiscount");
  });

  it("build without one otherwise, keeping the hidden names, and say what is missing", async () => {
    const token = await mintToken("bitcode-alone");
    const dsym = await upload(token, "bitcode-alone", "ios", DWARF);
    expect(dsym.state).toBe("ok");
    expect(dsym.detail).toMatch(/^Built without a BCSymbolMap: .* __hidden#N_/);
    const frames = await frameAt(token, "bitcode-alone", "ios", 0x4004);
    expect(frames.map((f) => f.function)).toEqual([
      expect.stringMatching(/^__hidden#\d+_$/),
      expect.stringMatching(/^__hidden#\d+_$/),
    ]);

    // Deleted, and uploaded again once its map is there: a new symcache under the same R2 key.
    // The isolate that answered above must not read the new symcache through the old one's
    // cached index (symbolicate/symcache-pages.ts keys its caches by record, not by key alone).
    const auth = { authorization: `Bearer ${token}` };
    const list = `${BASE}/api/0/projects/bitcode-alone/ios/files/dsyms/`;
    const rows = await (
      await exports.default.fetch(`${list}?debug_id=${DSYM_ID}`, { headers: auth })
    ).json<{ id: string }[]>();
    expect(rows).toHaveLength(1);
    const deleted = await exports.default.fetch(`${list}?id=${rows[0]?.id ?? ""}`, { method: "DELETE", headers: auth });
    expect(deleted.status).toBe(204);
    expect((await upload(token, "bitcode-alone", "ios", PLIST)).state).toBe("ok");
    expect((await upload(token, "bitcode-alone", "ios", MAP)).state).toBe("ok");
    expect(await upload(token, "bitcode-alone", "ios", DWARF)).toMatchObject({ state: "ok", detail: null });
    // A module the isolate has not resolved in the last 10 s (the code id makes it another one),
    // so the new record is looked up: its symcache must be read afresh.
    const resolved = await frameAt(token, "bitcode-alone", "ios", 0x4004, DSYM_ID.replace(/-/g, ""));
    expect(resolved.map((f) => f.function)).toEqual(["clampDiscountPercentage", "applyCheckoutDiscount"]);
  });

  it("refuse a malformed map with the reason", async () => {
    const token = await mintToken("bitcode-bad");
    const broken = new TextEncoder().encode("BCSymbolMap Version: 1.0\n_main\n");
    const done = await (await start(token, "bitcode-bad", "ios", MAP, broken))();
    expect(done).toMatchObject({ state: "error" });
    expect(done.detail).toMatch(/BCSymbolMap: the first line must be "BCSymbolMap Version: 2.0"/);
  });
});
