/**
 * Builds in parts, through the whole service: this project runs the Worker with
 * SYMCACHE_FAST_BYTES=0 and SYMCACHE_UNIT_BYTES=1, so every symcache is planned, built unit by
 * unit (each compilation unit, each span of symbols and of Breakpad text its own queue message)
 * and merged. Each symcache must equal, byte for byte, the one the builder makes of the same file
 * in one piece; and nothing of the builds may be left in R2.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getLayout } from "../../src/storage/file-store";
import { buildPrefix, symcacheKey } from "../../src/storage/keys";
import type { DebugFileIdentity } from "../../src/identify/types";
import { buildFileSymcache } from "../../src/symcache/build-file";
import symcacheModule from "../../src/symcache/symcache.wasm";
import { assemble, fixture, mintToken, uploadFile, waitForFile } from "../worker/helpers";

const FILES = [
  "elf-x86_64-gcc-dw5-O2-pie",
  "elf-x86_64-gcc-dw5-O2-pie.debug",
  "elf-x86_64-gcc-dw5-O2-pie.zlib.debug",
  "elf-x86_64-gcc-dw5-O2-pie.zstd.debug",
  "elf-x86_64-cpp",
  "elf-x86_64-clang19-dw5-O2-lld",
  "elf-x86_64-gcc-O2-nopie",
  "libfixture-x86_64.so",
  "elf-mips64-be-static",
  "macho-x86_64.dwarf",
  "breakpad-inline.sym",
  "breakpad-linux.sym",
  "elf-x86_64-gcc-asm",
  "elf-x86_64-clang19-asm",
  "wasm32-dwarf-O2.wasm",
  "pe-i686-mingw.exe",
  // PDBs: one unit per module stream, then one for the publics.
  "pe-x86_64-o2.pdb",
  "pe-x86-o2.pdb",
  "pe-x86_64-o2-ghash.pdb",
  "pe-x86_64.pdb",
  "pe-x86.pdb",
  "pe-arm64.pdb",
];

describe("symcaches built in parts", () => {
  it.each(FILES)("%s equals its one-piece build", async (name) => {
    const token = await mintToken("acme");
    const bytes = fixture(name);
    const { checksum, entry } = await uploadFile(token, "acme", bytes, name);
    await assemble(token, "acme", "parts", { [checksum]: entry });
    const done = await waitForFile(token, "acme", "parts", checksum, entry, 60);
    expect(done.state, done.detail ?? "").toBe("ok");

    const stored = await env.BUCKET.get(symcacheKey("acme", "parts", checksum));
    expect(stored, "symcache").not.toBeNull();
    const parts = new Uint8Array(await (stored as R2ObjectBody).arrayBuffer());
    const identity = await getLayout<DebugFileIdentity>(env.BUCKET, "acme", "parts", checksum);
    const whole = await buildFileSymcache(
      symcacheModule,
      { main: bytes },
      name.endsWith(".sym") ? "breakpad" : name.endsWith(".pdb") ? "pdb" : "object",
      { debugId: done.dif?.debugId as string, arch: identity?.arch ?? "unknown" },
    );
    expect(whole.ok).toBe(true);
    expect(whole.ok && Buffer.from(parts).equals(Buffer.from(whole.symcache))).toBe(true);
    expect((await env.BUCKET.list({ prefix: buildPrefix("acme", "parts", checksum) })).objects).toEqual([]);
  });
});
