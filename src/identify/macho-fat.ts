/**
 * Universal ("fat") Mach-O files: refused with the list of architectures they contain.
 *
 * Layout (always big-endian): magic CAFEBABE | nfat_arch u32 | nfat_arch x { cputype i32,
 * cpusubtype i32, offset u32, size u32, align u32 }.
 *
 * Why refuse: Sentry's server stores one debug file per upload and rejects multi-object
 * archives; sentry-cli splits universal binaries before uploading. A fat file reaching us was
 * uploaded by something else, and the fix is on the client side, so the detail says so.
 */
import { machoArch } from "./arch";
import { Cursor } from "./cursor";
import { readRange } from "./read-range";
import { failed, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { IdentifyResult } from "./types";

export async function identifyFatMacho(reader: RangedReader): Promise<IdentifyResult> {
  const head = await readRange(reader, 0, 8);
  const count = head && new Cursor(head, false).u32(4);
  if (count === undefined) return malformed("truncated universal (fat) Mach-O header");
  // sniff() only sends counts below 45 here, so this read is at most 908 bytes.
  const table = await readRange(reader, 8, count * 20);
  if (!table) return malformed("the universal (fat) Mach-O architecture table extends past the end of the file");
  const c = new Cursor(table, false);
  const arches: string[] = [];
  for (let i = 0; i < count; i++) {
    arches.push(machoArch(c.u32(i * 20) ?? 0, c.u32(i * 20 + 4) ?? 0));
  }
  const noun = count === 1 ? "architecture" : "architectures";
  return failed(
    "fat_archive",
    `fat Mach-O archives must be split by the client (found ${count} ${noun}: ${arches.join(", ") || "none"}); ` +
      "upload each architecture as its own file, as sentry-cli does",
  );
}
