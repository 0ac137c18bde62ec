import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, assemble, fixture, mintToken, uploadFile, waitForFile } from "../helpers";

const BUILD_ID = "8f3912ea5a3cb2c74c5617488bdb67295a87868f";

describe("debuginfod source/ from an uploaded source bundle", () => {
  it("serves each bundled source by its absolute path; unknown paths and ids are 404", async () => {
    const token = await mintToken("acme");
    const name = "elf-x86_64-gcc-dw5-O2-pie.src.zip";
    const { checksum, entry } = await uploadFile(token, "acme", fixture(name), name);
    await assemble(token, "acme", "src", { [checksum]: entry });
    const done = await waitForFile(token, "acme", "src", checksum, entry);
    expect(done.state).toBe("ok");
    expect(done.dif).toMatchObject({ symbolType: "sourcebundle", data: { type: "src", features: ["sources"] } });

    const get = (path: string, method = "GET") =>
      exports.default.fetch(`${BASE}/debuginfod/acme/src/buildid/${BUILD_ID}/source${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
    const res = await get("/build/src/calc.c");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^\/\* Two out-of-line functions with inlined helpers/);
    expect(text).toHaveLength(491);
    expect(res.headers.get("x-debuginfod-size")).toBe("491");

    const head = await get("/build/src/util.h", "HEAD");
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);

    expect((await get("/build/src/nope.c")).status).toBe(404);
    const orgWide = await exports.default.fetch(`${BASE}/debuginfod/acme/buildid/${BUILD_ID}/source/build/src/main.c`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(orgWide.status).toBe(200);
    const other = await exports.default.fetch(
      `${BASE}/debuginfod/acme/src/buildid/${"0".repeat(40)}/source/build/src/calc.c`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(other.status).toBe(404);
  });
});
