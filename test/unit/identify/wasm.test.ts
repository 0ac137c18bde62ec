import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import { identifyWasm } from "../../../src/identify/wasm";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader } from "../../../src/common/ranged-reader";
import { counting, fixture } from "./helpers";

function ok(result: IdentifyResult) {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.detail}`);
  return result.identity;
}

/** A module from raw sections: [id, payload] pairs (payload sizes below 128 bytes). */
function module(...sections: [number, number[]][]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  for (const [id, payload] of sections) out.push(id, payload.length, ...payload);
  return Uint8Array.from(out);
}
const custom = (name: string, data: number[]): [number, number[]] => [0, [name.length, ...Buffer.from(name), ...data]];
const uuidBuildId = [0x10, ...Array.from({ length: 16 }, (_, i) => i + 1)];

describe("WebAssembly identification", () => {
  describe("build id (sentry-cli 3.8.0's length-byte quirk, reproduced)", () => {
    it("includes the vector length byte in the code id and the debug id", async () => {
      const id = ok(await identifyWasm(new BufferReader(fixture("wasm-buildid-fixed16.wasm"))));
      expect(id.codeId).toBe("1000112233445566778899aabbccddeeff");
      expect(id.debugId).toBe("10001122-3344-5566-7788-99aabbccddee");
      expect(id.details).toEqual({ buildIdWithoutLength: "00112233445566778899aabbccddeeff" });
    });
    it("has a nil debug id when the section is shorter than 16 bytes", async () => {
      const result = await identify(new BufferReader(module(custom("build_id", [4, 1, 2, 3, 4]), [3, [1, 0]])));
      expect(result).toMatchObject({ ok: false, failure: { reason: "missing_debug_id" } });
    });
  });

  describe("kind and features", () => {
    it("is a library when the function section declares functions, a debug companion otherwise", async () => {
      expect(ok(await identifyWasm(new BufferReader(module(custom("build_id", uuidBuildId), [3, [1, 0]])))).kind).toBe(
        "lib",
      );
      expect(ok(await identifyWasm(new BufferReader(module(custom("build_id", uuidBuildId), [3, [0]])))).kind).toBe(
        "dbg",
      );
      expect(ok(await identifyWasm(new BufferReader(fixture("wasm-buildid-sha1.debug.wasm")))).kind).toBe("dbg");
    });
    it("always has symtab; debug and unwind follow the .debug_info / .debug_frame sections", async () => {
      const id = ok(
        await identifyWasm(
          new BufferReader(
            module(custom("build_id", uuidBuildId), custom(".debug_info", [0]), custom(".debug_frame", [0])),
          ),
        ),
      );
      expect(id.features).toEqual(["symtab", "debug", "unwind"]);
    });
    it("reads section headers only", async () => {
      const reader = counting(fixture("wasm-buildid-sha1.wasm"));
      ok(await identifyWasm(reader));
      expect(reader.bytesRead).toBeLessThan(1024);
    });
  });

  describe("broken modules", () => {
    it("reports a section running past the end of the file", async () => {
      const bytes = module(custom("build_id", uuidBuildId)).slice(0, 20);
      expect(await identifyWasm(new BufferReader(bytes))).toMatchObject({
        ok: false,
        failure: { detail: "WebAssembly section 0 extends past the end of the file" },
      });
    });
    it("reports an unsupported binary version", async () => {
      const bytes = module();
      bytes[4] = 0x0d;
      expect(await identifyWasm(new BufferReader(bytes))).toMatchObject({
        ok: false,
        failure: { reason: "malformed" },
      });
    });
  });
});
