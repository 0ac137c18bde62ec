/** `GET/HEAD …/files/dsyms/?id=`: the download answers Range, If-None-Match and HEAD as the symbol-server routes do (docs/symbol-servers.md). */
import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../helpers";
import { bytesOf, get, store, type Stored } from "../symbol-server-helpers";

describe("debug file download by id", () => {
  let token: string;
  let file: Stored;
  const url = () => `/api/0/projects/acme/downloads/files/dsyms/?id=${file.id}`;

  beforeAll(async () => {
    token = await mintToken("acme");
    file = await store(token, "acme", "downloads", "elf-x86_64-gcc-dw5-O2-pie.debug");
  });

  it("sends the file with a strong ETag, Accept-Ranges and Content-Length", async () => {
    const res = await get(token, url());
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${file.checksum}"`);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-length")).toBe(String(file.bytes.byteLength));
    expect(await bytesOf(res)).toEqual(file.bytes);
  });

  it("answers a range with 206, an unchanged ETag with 304, and HEAD without a body", async () => {
    const ranged = await get(token, url(), { range: "bytes=16-31" });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 16-31/${file.bytes.byteLength}`);
    expect(await bytesOf(ranged)).toEqual(file.bytes.subarray(16, 32));

    const unchanged = await get(token, url(), { "if-none-match": `"${file.checksum}"` });
    expect(unchanged.status).toBe(304);
    await unchanged.arrayBuffer();

    const head = await get(token, url(), {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(file.bytes.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});
