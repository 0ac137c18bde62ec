import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BufferReader } from "../../../src/common/ranged-reader";
import { originalUuid } from "../../../src/identify/apple-maps";
import { identify } from "../../../src/identify/index";

const text = (s: string) => new BufferReader(new TextEncoder().encode(s));
const MAP_ID = "0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9";
const DSYM_ID = "4c4c4465-5555-3144-a1f9-0446a09abebb";

const plist = (original: string, version = "1.0") => `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="${version}">
<dict>
	<key>DBGArchitecture</key>
	<string>arm64</string>
	<key>DBGOriginalUUID</key>
	<string>${original}</string>
</dict>
</plist>
`;

describe("BCSymbolMaps", () => {
  it("take the debug id of the upload (the UUID of their file name) and count their names", async () => {
    const result = await identify(
      text("BCSymbolMap Version: 2.0\n_main\nmain.c\n/build\n"),
      {},
      {
        name: "0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9.bcsymbolmap",
        debugId: MAP_ID.toUpperCase(),
      },
    );
    expect(result).toEqual({
      ok: true,
      identity: {
        format: "bcsymbolmap",
        debugId: MAP_ID,
        codeId: null,
        arch: "any",
        kind: "none",
        features: [],
        details: { names: 3 },
      },
    });
    const crlf = await identify(text("BCSymbolMap Version: 2.0\r\na\r\nb"), {}, { name: "x", debugId: MAP_ID });
    expect(crlf.ok && crlf.identity.details).toEqual({ names: 2 });
  });

  it("are refused with a reason when malformed or sent without a debug id", async () => {
    const cases: [string, string | undefined, RegExp][] = [
      ["BCSymbolMap Version: 1.0\n_main\n", MAP_ID, /first line must be "BCSymbolMap Version: 2.0"/],
      ["BCSymbolMap Version: 2.0 extra\n_main\n", MAP_ID, /first line must be/],
      [
        "BCSymbolMap Version: 2.0\n_main\n",
        undefined,
        /missing debug identifier: a BCSymbolMap is identified by the UUID/,
      ],
      ["BCSymbolMap Version: 2.0\n_main\n", "not-a-uuid", /missing debug identifier/],
    ];
    for (const [body, debugId, detail] of cases) {
      const result = await identify(text(body), {}, { name: "m.bcsymbolmap", ...(debugId ? { debugId } : {}) });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.failure.detail).toMatch(detail);
    }
    const bytes = new Uint8Array([...new TextEncoder().encode("BCSymbolMap Version: 2.0\n_ma"), 0xff, 0x0a]);
    const bad = await identify(new BufferReader(bytes), {}, { name: "m", debugId: MAP_ID });
    expect(!bad.ok && bad.failure).toEqual({
      reason: "malformed",
      detail: "BCSymbolMap: the file is not valid UTF-8 (near byte 0)",
    });
  });

  it("are refused beyond the 64 MiB a symcache build reads", async () => {
    const huge = {
      size: 65 * 2 ** 20,
      read: () => Promise.resolve(new TextEncoder().encode("BCSymbolMap Version: 2.0\n")),
    };
    const result = await identify(huge, {}, { name: "m", debugId: MAP_ID });
    expect(!result.ok && result.failure.detail).toBe(
      "BCSymbolMap: 65 MiB is more than the 64 MiB a symcache build reads",
    );
  });

  it("are read to the end in pieces (a large app's map is tens of megabytes)", async () => {
    const names = Array.from({ length: 150_000 }, (_, i) => `-[SentryClass${i} selectorWithLongName:]`);
    const result = await identify(
      text(`BCSymbolMap Version: 2.0\n${names.join("\n")}\n`),
      {},
      { name: "m", debugId: MAP_ID },
    );
    expect(result.ok && result.identity.details).toEqual({ names: 150_000 });
  });
});

describe("UUID maps (dSYM Contents/Resources/<UUID>.plist)", () => {
  it("take the dSYM's UUID from the upload, or from the file name, and read DBGOriginalUUID", async () => {
    const sent = await identify(text(plist(MAP_ID.toUpperCase())), {}, { name: "x.plist", debugId: DSYM_ID });
    expect(sent).toEqual({
      ok: true,
      identity: {
        format: "uuidmap",
        debugId: DSYM_ID,
        codeId: null,
        arch: "any",
        kind: "none",
        features: [],
        details: { originalUuid: MAP_ID },
      },
    });
    const named = await identify(text(plist(MAP_ID)), {}, { name: `Resources/${DSYM_ID.toUpperCase()}.plist` });
    expect(named.ok && named.identity.debugId).toBe(DSYM_ID);
  });

  it("are refused with a reason when they are not a version 1.0 plist with a DBGOriginalUUID", async () => {
    expect(originalUuid(plist(MAP_ID, "2.0"))).toEqual({ error: 'the <plist> is not version="1.0"' });
    expect(originalUuid(plist("not-a-uuid"))).toEqual({ error: 'DBGOriginalUUID "not-a-uuid" is not a UUID' });
    expect(originalUuid('<?xml version="1.0"?><html></html>')).toEqual({ error: "no <plist> element", notAMap: true });
    expect(
      originalUuid(
        '<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleName</key><string>x</string></dict></plist>',
      ),
    ).toEqual({
      error: "the property list has no DBGOriginalUUID",
      notAMap: true,
    });
    const noId = await identify(text(plist(MAP_ID)), {}, { name: "map.plist" });
    expect(!noId.ok && noId.failure.reason).toBe("missing_debug_id");
    const bad = await identify(text(plist("nope")), {}, { name: `${DSYM_ID}.plist` });
    expect(!bad.ok && bad.failure.detail).toBe('UUID map: DBGOriginalUUID "nope" is not a UUID');
  });
});

describe("dSYMs of bitcode builds", () => {
  const dir = new URL("../../fixtures/bitcode/", import.meta.url);
  const read = (name: string) => new BufferReader(new Uint8Array(readFileSync(new URL(name, dir))));

  it("are told by their __hidden#N_ symbol names, which only a BCSymbolMap resolves", async () => {
    const hidden = await identify(read("StoreCheckout.dSYM/Contents/Resources/DWARF/StoreCheckout"));
    const plain = await identify(read("StoreCheckout.plain.dwarf"));
    expect(hidden.ok && hidden.identity.format === "macho" && hidden.identity.details.hiddenNames).toBe(true);
    expect(plain.ok && plain.identity.format === "macho" && plain.identity.details.hiddenNames).toBeUndefined();
    // Same dSYM, same identity otherwise.
    expect(hidden.ok && plain.ok && hidden.identity.debugId).toBe(plain.ok && plain.identity.debugId);
  });
});
