import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import { BufferReader } from "../../../src/common/ranged-reader";

const BUNDLE = new URL("../../fixtures/files/elf-x86_64-gcc-dw5-O2-pie.src.zip", import.meta.url);

describe("source bundles", () => {
  it("identify the object they belong to from manifest.json, as sentry-cli does", async () => {
    const result = await identify(new BufferReader(new Uint8Array(readFileSync(BUNDLE))));
    expect(result).toEqual({
      ok: true,
      identity: {
        format: "sourcebundle",
        debugId: "ea12398f-3c5a-c7b2-4c56-17488bdb6729",
        codeId: "8f3912ea5a3cb2c74c5617488bdb67295a87868f",
        arch: "x86_64",
        kind: "src",
        features: ["sources"],
        details: { objectName: "elf-x86_64-gcc-dw5-O2-pie" },
      },
    });
  });

  it("fail with a reason when the archive is cut short or its manifest damaged", async () => {
    const bytes = new Uint8Array(readFileSync(BUNDLE));
    for (const cut of [100, bytes.byteLength - 30, bytes.byteLength - 1]) {
      const result = await identify(new BufferReader(bytes.subarray(0, cut)));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.failure.detail).toMatch(/^source bundle/);
    }
    const damaged = bytes.slice();
    for (let i = 40; i < 400; i++) damaged[i] = 0x55; // inside the first compressed member
    expect((await identify(new BufferReader(damaged))).ok).toBe(true); // the manifest is intact
  });
});
