/**
 * A bitcode dSYM built in parts (every unit a queue message) reads its BCSymbolMap in every unit:
 * the symcache equals, byte for byte, the one-piece build of the dSYM before obfuscation.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { buildPrefix, symcacheKey } from "../../src/storage/keys";
import { buildFileSymcache } from "../../src/symcache/build-file";
import symcacheModule from "../../src/symcache/symcache.wasm";
import { assemble, mintToken, uploadFile, waitForFile } from "../worker/helpers";

const files = inject("bitcodeFixtures");
const bytes = (path: string) => Uint8Array.from(atob(files[path] ?? ""), (c) => c.charCodeAt(0));
const MAP = Object.keys(files).find((p) => p.endsWith(".bcsymbolmap")) ?? "";
const PLIST = Object.keys(files).find((p) => /Resources\/[0-9A-F-]{36}\.plist$/.test(p)) ?? "";
const DWARF = "StoreCheckout.dSYM/Contents/Resources/DWARF/StoreCheckout";
const DSYM_ID = (PLIST.split("/").pop() ?? "").slice(0, 36).toLowerCase();

async function upload(token: string, content: Uint8Array, name: string, debugId: string) {
  const { checksum, entry } = await uploadFile(token, "acme", content, name);
  const sent = { ...entry, debug_id: debugId };
  await assemble(token, "acme", "bitcode-parts", { [checksum]: sent });
  return { checksum, done: await waitForFile(token, "acme", "bitcode-parts", checksum, sent, 60) };
}

describe.skipIf(!MAP || !PLIST)("a bitcode dSYM built in parts", () => {
  it("resolves its hidden names in every unit", async () => {
    const token = await mintToken("acme");
    // No UUID map this time: a BCSymbolMap under the dSYM's own UUID is taken.
    const map = await upload(token, bytes(MAP), `${DSYM_ID.toUpperCase()}.bcsymbolmap`, DSYM_ID);
    expect(map.done.state).toBe("ok");
    const dsym = await upload(token, bytes(DWARF), "StoreCheckout", DSYM_ID);
    expect(dsym.done).toMatchObject({ state: "ok", detail: null });

    const stored = await env.BUCKET.get(symcacheKey("acme", "bitcode-parts", dsym.checksum));
    expect(stored, "symcache").not.toBeNull();
    const parts = new Uint8Array(await (stored as R2ObjectBody).arrayBuffer());
    const plain = await buildFileSymcache(symcacheModule, { main: bytes("StoreCheckout.plain.dwarf") }, "object", {
      debugId: DSYM_ID,
      arch: "arm64",
    });
    expect(plain.ok).toBe(true);
    expect(plain.ok && Buffer.from(parts).equals(Buffer.from(plain.symcache))).toBe(true);
    expect((await env.BUCKET.list({ prefix: buildPrefix("acme", "bitcode-parts", dsym.checksum) })).objects).toEqual(
      [],
    );
  });
});
