import { describe, expect, it } from "vitest";
import { debugIdFromGuidAge, elfDebugId, formatDebugId } from "../../../src/identify/debug-id";
import { normalizeCodeId, parseDebugId } from "../../../src/identify/debug-id-parse";

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

describe("debug ids", () => {
  describe("canonical text", () => {
    it("is a lowercase hyphenated UUID, with -age only when the age is > 0", () => {
      const uuid = fromHex("3249D99D0C4049318610F4E4FB0B6936");
      expect(formatDebugId(uuid)).toBe("3249d99d-0c40-4931-8610-f4e4fb0b6936");
      expect(formatDebugId(uuid, 1)).toBe("3249d99d-0c40-4931-8610-f4e4fb0b6936-1");
      expect(formatDebugId(uuid, 0xabc)).toBe("3249d99d-0c40-4931-8610-f4e4fb0b6936-abc");
    });
  });

  describe("from_guid_age", () => {
    it("reverses bytes 0-3 and swaps 4-5 and 6-7 of a Microsoft GUID", () => {
      // The bytes lld-link writes for GUID {743D73D2-F2C1-1715-4C4C-44205044422E}.
      expect(debugIdFromGuidAge(fromHex("d2733d74c1f215174c4c44205044422e"), 1)).toBe(
        "743d73d2-f2c1-1715-4c4c-44205044422e-1",
      );
    });
  });

  describe("ELF build id", () => {
    it("is truncated to 16 bytes and swapped for little-endian files", () => {
      const buildId = fromHex("1e74cd11cf0cbb65f38c517aa4d5fb6ed9ed18cc");
      expect(elfDebugId(buildId, true)).toBe("11cd741e-0ccf-65bb-f38c-517aa4d5fb6e");
      expect(elfDebugId(buildId, false)).toBe("1e74cd11-cf0c-bb65-f38c-517aa4d5fb6e");
    });
    it("is zero-padded when shorter than 16 bytes", () => {
      expect(elfDebugId(fromHex("01020304"), false)).toBe("01020304-0000-0000-0000-000000000000");
    });
  });

  describe("parsing (Breakpad MODULE ids)", () => {
    it("accepts the Breakpad form with the age always written", () => {
      expect(parseDebugId("D3096ED481217FD4C16B29CD9BC208BA0")).toBe("d3096ed4-8121-7fd4-c16b-29cd9bc208ba");
      expect(parseDebugId("D3096ED481217FD4C16B29CD9BC208BA1a")).toBe("d3096ed4-8121-7fd4-c16b-29cd9bc208ba-1a");
    });
    it("accepts the hyphenated form", () => {
      expect(parseDebugId("d3096ed4-8121-7fd4-c16b-29cd9bc208ba-2")).toBe("d3096ed4-8121-7fd4-c16b-29cd9bc208ba-2");
    });
    it("rejects anything else", () => {
      expect(parseDebugId("xyz")).toBeUndefined();
    });
  });

  describe("code ids", () => {
    it("keep only hex digits, lowercased", () => {
      expect(normalizeCodeId("AB-cd:EF")).toBe("abcdef");
    });
  });
});
