import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../helpers";
import { get, store } from "../symbol-server-helpers";
import { asciiHeaderValue } from "../../../src/common/header-value";

const BUILD_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";
const UNICODE_NAME = "bibliothèque-ünïcødé 日本 100%.debug";

describe("header values of files with any name", () => {
  let token: string;
  beforeAll(async () => {
    token = await mintToken("acme");
    await store(token, "acme", "unicode", "elf-x86_64-gcc-dw5-O2-pie.debug", UNICODE_NAME);
  });

  it("sends X-DEBUGINFOD-FILE of a unicode name percent-encoded, in ASCII, decoding to the name", async () => {
    for (const path of ["debuginfo", "section/.debug_line"]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await get(token, `/debuginfod/acme/unicode/buildid/${BUILD_ID}/${path}`, {}, method);
        expect(res.status).toBe(200);
        const value = res.headers.get("x-debuginfod-file") ?? "";
        expect(value).toBe("biblioth%C3%A8que-%C3%BCn%C3%AFc%C3%B8d%C3%A9 %E6%97%A5%E6%9C%AC 100%25.debug");
        expect(value).toMatch(/^[\x20-\x7e]+$/);
        expect(decodeURIComponent(value)).toBe(UNICODE_NAME);
        await res.arrayBuffer();
      }
    }
  });

  it("leaves printable ASCII names as they are, except for %", () => {
    expect(asciiHeaderValue("libfoo.so.debug")).toBe("libfoo.so.debug");
    expect(asciiHeaderValue("/build/src/main (copy).c")).toBe("/build/src/main (copy).c");
    expect(asciiHeaderValue("50%.debug")).toBe("50%25.debug");
    expect(asciiHeaderValue("tab\there")).toBe("tab%09here");
    expect(asciiHeaderValue("lone \ud800 surrogate")).toBe("lone %EF%BF%BD surrogate");
  });
});
