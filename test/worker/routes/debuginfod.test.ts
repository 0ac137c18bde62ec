import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../helpers";
import { bytesOf, get, mixedCase, store, type Stored } from "../symbol-server-helpers";

const BUILD_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";
const MACHO_UUID = "4c4c446555553144a1f90446a09abebb";

/** `.debug_info` of the zlib companion, as `eu-readelf -S` lists it: compressed, 0x260 bytes at 0x408. */
const ZLIB_DEBUG_INFO = { offset: 0x408, size: 0x260 };

describe("debuginfod", () => {
  let token: string;
  let stripped: Stored;
  let companion: Stored;

  beforeAll(async () => {
    token = await mintToken("acme");
    stripped = await store(token, "acme", "app", "elf-x86_64-gcc-dw5-O2-pie.stripped", "hello");
    companion = await store(token, "acme", "app", "elf-x86_64-gcc-dw5-O2-pie.debug", "hello.debug");
    await store(token, "acme", "mac", "macho-arm64.stripped", "macho-arm64");
    await store(token, "acme", "zlib", "elf-x86_64-gcc-dw5-O2-pie.zlib.debug", "hello.zlib.debug");
  });

  describe("debuginfo and executable", () => {
    for (const [casing, id] of [
      ["lower", BUILD_ID],
      ["upper", BUILD_ID.toUpperCase()],
      ["mixed", mixedCase(BUILD_ID)],
    ] as const) {
      it(`serves the companion as debuginfo and the stripped binary as executable (${casing} case id)`, async () => {
        const debuginfo = await get(token, `/debuginfod/acme/app/buildid/${id}/debuginfo`);
        expect(debuginfo.status).toBe(200);
        expect(await bytesOf(debuginfo)).toEqual(companion.bytes);
        const executable = await get(token, `/debuginfod/acme/app/buildid/${id}/executable`);
        expect(executable.status).toBe(200);
        expect(await bytesOf(executable)).toEqual(stripped.bytes);
      });
    }

    it("sends elfutils' headers, a strong ETag and Last-Modified", async () => {
      const res = await get(token, `/debuginfod/acme/app/buildid/${BUILD_ID}/debuginfo`);
      expect(res.headers.get("x-debuginfod-size")).toBe(String(companion.bytes.byteLength));
      expect(res.headers.get("x-debuginfod-file")).toBe("hello.debug");
      expect(res.headers.get("content-length")).toBe(String(companion.bytes.byteLength));
      expect(res.headers.get("etag")).toBe(`"${companion.checksum}"`);
      expect(Date.parse(res.headers.get("last-modified") ?? "")).toBeGreaterThan(0);
      await res.arrayBuffer();
    });

    it("serves the org-wide form from every project", async () => {
      const res = await get(token, `/debuginfod/acme/buildid/${BUILD_ID}/debuginfo`);
      expect(res.status).toBe(200);
      // The zlib companion (project zlib) is newer: the org-wide index answers newest first.
      expect(res.headers.get("x-debuginfod-file")).toBe("hello.zlib.debug");
      await res.arrayBuffer();
      const exe = await get(token, `/debuginfod/acme/buildid/${BUILD_ID}/executable`);
      expect(await bytesOf(exe)).toEqual(stripped.bytes);
    });

    it("finds Mach-O files by UUID", async () => {
      const res = await get(token, `/debuginfod/acme/mac/buildid/${MACHO_UUID.toUpperCase()}/executable`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect((await get(token, `/debuginfod/acme/mac/buildid/${MACHO_UUID}/debuginfo`)).status).toBe(404);
    });
  });

  describe("Range, HEAD, conditional requests", () => {
    const path = `/debuginfod/acme/app/buildid/${BUILD_ID}/debuginfo`;

    it("answers a range with 206 and exactly those bytes (across chunk boundaries)", async () => {
      const res = await get(token, path, { range: "bytes=4000-8199" });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes 4000-8199/${companion.bytes.byteLength}`);
      expect(res.headers.get("content-length")).toBe("4200");
      expect(await bytesOf(res)).toEqual(companion.bytes.subarray(4000, 8200));
      const tail = await get(token, path, { range: "bytes=-100" });
      expect(await bytesOf(tail)).toEqual(companion.bytes.subarray(companion.bytes.byteLength - 100));
    });

    it("answers an unsatisfiable range with 416 and the size", async () => {
      const res = await get(token, path, { range: `bytes=${companion.bytes.byteLength}-` });
      expect(res.status).toBe(416);
      expect(res.headers.get("content-range")).toBe(`bytes */${companion.bytes.byteLength}`);
    });

    it("answers HEAD with the headers and no body", async () => {
      const res = await get(token, path, {}, "HEAD");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-debuginfod-size")).toBe(String(companion.bytes.byteLength));
      expect(res.headers.get("etag")).toBe(`"${companion.checksum}"`);
      expect((await bytesOf(res)).byteLength).toBe(0);
    });

    it("answers If-None-Match with 304", async () => {
      const res = await get(token, path, { "if-none-match": `"${companion.checksum}"` });
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe(`"${companion.checksum}"`);
      expect((await bytesOf(res)).byteLength).toBe(0);
    });

    it("ignores a range whose If-Range names another version", async () => {
      const res = await get(token, path, { range: "bytes=0-9", "if-range": '"0000"' });
      expect(res.status).toBe(200);
      expect(await bytesOf(res)).toEqual(companion.bytes);
    });
  });

  describe("sections", () => {
    it("serves a section of the debuginfo with its size", async () => {
      const res = await get(token, `/debuginfod/acme/zlib/buildid/${BUILD_ID}/section/.debug_info`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-debuginfod-size")).toBe(String(ZLIB_DEBUG_INFO.size));
      // Compressed sections are served raw, as elfutils' debuginfod does.
      const zlib = (await store(token, "acme", "zlib", "elf-x86_64-gcc-dw5-O2-pie.zlib.debug", "hello.zlib.debug"))
        .bytes;
      expect(await bytesOf(res)).toEqual(
        zlib.subarray(ZLIB_DEBUG_INFO.offset, ZLIB_DEBUG_INFO.offset + ZLIB_DEBUG_INFO.size),
      );
    });

    it("falls back to the executable for sections the companion only lists as NOBITS", async () => {
      const res = await get(token, `/debuginfod/acme/app/buildid/${BUILD_ID}/section/.text`);
      expect(res.status).toBe(200);
      const body = await bytesOf(res);
      expect(body.byteLength).toBe(Number(res.headers.get("x-debuginfod-size")));
      expect(body.byteLength).toBeGreaterThan(0);
      expect(res.headers.get("x-debuginfod-file")).toBe("hello");
    });

    it("supports Range within a section and ETags per section", async () => {
      const full = await get(token, `/debuginfod/acme/app/buildid/${BUILD_ID}/section/.debug_info`);
      const all = await bytesOf(full);
      const part = await get(token, `/debuginfod/acme/app/buildid/${BUILD_ID}/section/.debug_info`, {
        range: "bytes=1-4",
      });
      expect(part.status).toBe(206);
      expect(await bytesOf(part)).toEqual(all.subarray(1, 5));
      expect(full.headers.get("etag")).not.toBe(`"${companion.checksum}"`);
    });

    it("answers 404 for sections no file has", async () => {
      expect((await get(token, `/debuginfod/acme/app/buildid/${BUILD_ID}/section/.no_such_section`)).status).toBe(404);
    });
  });

  describe("not found", () => {
    it("answers 404 for sources (not stored)", async () => {
      const res = await get(token, `/debuginfod/acme/app/buildid/${BUILD_ID}/source/build/src/calc.c`);
      expect(res.status).toBe(404);
    });

    it("answers unknown ids, malformed ids and a foreign org identically", async () => {
      const unknown = await get(token, `/debuginfod/acme/app/buildid/${"ab".repeat(20)}/debuginfo`);
      const malformed = await get(token, `/debuginfod/acme/app/buildid/xyz/debuginfo`);
      const other = await mintToken("other");
      const foreign = await get(other, `/debuginfod/acme/app/buildid/${BUILD_ID}/debuginfo`);
      const foreignOrgWide = await get(other, `/debuginfod/acme/buildid/${BUILD_ID}/debuginfo`);
      const bodies = await Promise.all([unknown, malformed, foreign, foreignOrgWide].map((r) => r.text()));
      expect([unknown.status, malformed.status, foreign.status, foreignOrgWide.status]).toEqual([404, 404, 404, 404]);
      expect(new Set(bodies).size).toBe(1);
    });

    it("requires a token", async () => {
      const res = await get("", `/debuginfod/acme/app/buildid/${BUILD_ID}/debuginfo`);
      expect(res.status).toBe(401);
    });
  });
});
