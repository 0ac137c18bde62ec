/**
 * Mach-O identity (thin files), read the way symbolic's `MachObject` reads it
 * (symbolic-debuginfo `src/macho/mod.rs`, getsentry/symbolic).
 *
 * Layout (byte order from the magic; 64-bit headers have one extra reserved word):
 *
 *   magic u32 | cputype i32 | cpusubtype i32 | filetype u32 | ncmds u32 | sizeofcmds u32 |
 *   flags u32 [| reserved u32]                                  = 28 / 32 bytes
 *   load commands: ncmds x { cmd u32, cmdsize u32, ... } packed in the next sizeofcmds bytes
 *     LC_SEGMENT (0x1) / LC_SEGMENT_64 (0x19): segname[16], vmaddr, vmsize, fileoff, filesize
 *       (u32 / u64), maxprot, initprot, nsects u32, flags u32, then nsects sections of
 *       68 / 80 bytes: sectname[16], segname[16], addr, size (u32 / u64), offset u32, ...
 *     LC_SYMTAB (0x2), LC_UUID (0x1b): uuid[16]
 *
 * Reads: the header and the load-command area, nothing else.
 *
 * Identity: LC_UUID is both the debug id (no byte swap) and the code id; arch from cputype and
 * cpusubtype without capability bits; symtab = an LC_SYMTAB exists; debug = `__debug_info` with
 * a file offset other than 0 (dsymutil leaves phantom headers with offset 0); unwind =
 * `__eh_frame`, `__debug_frame` or `__unwind_info`.
 */
import { machoArch } from "./arch";
import { Cursor } from "./cursor";
import { formatDebugId } from "./debug-id";
import { bytesToHex } from "../common/hex";
import { readRange, readUpTo, MAX_TABLE_BYTES } from "./read-range";
import { identified, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { Feature, ObjectKind } from "../common/debug-file";
import type { IdentifyResult, MachDetails, MachSection } from "./types";

const LC_SEGMENT = 0x1;
const LC_SYMTAB = 0x2;
const LC_UUID = 0x1b;
const LC_SEGMENT_64 = 0x19;

const FILETYPE_KINDS: Record<number, ObjectKind> = {
  1: "rel", // MH_OBJECT
  2: "exe", // MH_EXECUTE
  3: "lib", // MH_FVMLIB
  4: "dump", // MH_CORE
  5: "exe", // MH_PRELOAD
  6: "lib", // MH_DYLIB
  7: "exe", // MH_DYLINKER
  8: "lib", // MH_BUNDLE
  10: "dbg", // MH_DSYM
  11: "lib", // MH_KEXT_BUNDLE
};

function fixedName(c: Cursor, offset: number): string {
  return c.cString(offset, 16) ?? "";
}

export async function identifyMacho(reader: RangedReader): Promise<IdentifyResult> {
  const head = await readUpTo(reader, 0, 32);
  const magic = head.byteLength >= 4 ? new Cursor(head, false).u32(0) : undefined;
  const le = magic === 0xcefaedfe || magic === 0xcffaedfe;
  const is64 = magic === 0xfeedfacf || magic === 0xcffaedfe;
  const c = new Cursor(head, le);
  const headerSize = is64 ? 32 : 28;
  const h = c.struct(0, {
    cputype: [4, "u32"],
    cpusubtype: [8, "u32"],
    filetype: [12, "u32"],
    ncmds: [16, "u32"],
    sizeofcmds: [20, "u32"],
  });
  if (!h || head.byteLength < headerSize) return malformed("truncated Mach-O header");

  if (h.sizeofcmds > MAX_TABLE_BYTES) {
    return malformed(`the Mach-O load commands claim ${h.sizeofcmds} bytes, more than any real file has`);
  }
  const area = await readRange(reader, headerSize, h.sizeofcmds);
  if (!area) return malformed("the Mach-O load commands extend past the end of the file");
  const lc = new Cursor(area, le);

  let uuid: Uint8Array | undefined;
  let hasSymtab = false;
  let strings: { offset: number; size: number } | undefined;
  let loadAddress = 0;
  const sections: MachSection[] = [];
  let offset = 0;
  // Each command is at least 8 bytes and the area is bounded, so the loop is bounded too, even
  // when ncmds lies.
  for (let i = 0; i < h.ncmds; i++) {
    const cmd = lc.struct(offset, { cmd: [0, "u32"], size: [4, "u32"] });
    if (!cmd) return malformed(`load command ${i} extends past the end of the load command area`);
    if (cmd.size < 8) return malformed(`load command ${i} has an invalid size (${cmd.size} bytes)`);
    const body = lc.slice(offset, cmd.size);
    if (!body) return malformed(`load command ${i} extends past the end of the load command area`);
    const b = new Cursor(body, le);

    if (cmd.cmd === LC_UUID && !uuid) {
      uuid = b.slice(8, 16);
      if (!uuid) return malformed(`load command ${i} (LC_UUID) is too short to hold a UUID`);
    } else if (cmd.cmd === LC_SYMTAB) {
      hasSymtab = true;
      const st = b.struct(0, { stroff: [16, "u32"], strsize: [20, "u32"] });
      if (st) strings = { offset: st.stroff, size: st.strsize };
    } else if (cmd.cmd === LC_SEGMENT || cmd.cmd === LC_SEGMENT_64) {
      const wide = cmd.cmd === LC_SEGMENT_64;
      const seg = wide
        ? b.struct(0, { vmaddr: [24, "u64"], fileoff: [40, "u64"], nsects: [64, "u32"] })
        : b.struct(0, { vmaddr: [24, "u32"], fileoff: [32, "u32"], nsects: [48, "u32"] });
      if (!seg) return malformed(`load command ${i} (a segment) is truncated`);
      const segname = fixedName(b, 8);
      if (segname === "__TEXT") loadAddress = seg.vmaddr;
      const sectSize = wide ? 80 : 68;
      const first = wide ? 72 : 56;
      if (seg.nsects > Math.floor((body.byteLength - first) / sectSize)) {
        return malformed(`load command ${i} declares ${seg.nsects} sections but does not hold them`);
      }
      for (let k = 0; k < seg.nsects; k++) {
        const at = first + k * sectSize;
        const s = wide
          ? b.struct(at, { addr: [32, "u64"], size: [40, "u64"], offset: [48, "u32"] })
          : b.struct(at, { addr: [32, "u32"], size: [36, "u32"], offset: [40, "u32"] });
        if (!s) return malformed(`load command ${i} (a segment) is truncated`);
        // 64-bit section offsets are 32 bits wide and wrap in files over 4 GiB; symbolic
        // recomputes them from the segment, and so do we.
        const rebased = wide && s.addr >= seg.vmaddr ? seg.fileoff + (s.addr - seg.vmaddr) : s.offset;
        sections.push({
          segment: fixedName(b, at + 16),
          name: fixedName(b, at),
          addr: s.addr,
          size: s.size,
          offset: s.offset === 0 ? 0 : rebased,
        });
      }
    }
    offset += cmd.size;
  }

  /** symbolic's raw_section: the first section with that name decides; offset 0 means absent. */
  const hasSection = (name: string): boolean => {
    const s = sections.find((x) => x.name === name);
    return s !== undefined && s.offset !== 0;
  };
  const features: Feature[] = [];
  if (hasSymtab) features.push("symtab");
  if (hasSection("__debug_info")) features.push("debug");
  if (hasSection("__eh_frame") || hasSection("__debug_frame") || hasSection("__unwind_info")) features.push("unwind");

  const details: MachDetails = { littleEndian: le, is64, loadAddress, sections };
  if (strings && (await namesHiddenSymbols(reader, strings))) details.hiddenNames = true;
  return identified({
    format: "macho",
    debugId: formatDebugId(uuid ?? new Uint8Array(16)),
    codeId: uuid ? bytesToHex(uuid) : null,
    arch: machoArch(h.cputype, h.cpusubtype),
    kind: FILETYPE_KINDS[h.filetype] ?? "other",
    features,
    details,
  });
}

/**
 * Whether the symbol names are an App Store bitcode build's `__hidden#N_` ones, which only a
 * BCSymbolMap resolves (symbolic's `requires_symbolmap`). Such a build hides every name, so the
 * first part of the string table tells: one read, of at most HIDDEN_SCAN_BYTES.
 */
const HIDDEN_SCAN_BYTES = 1 << 20;
const HIDDEN_PREFIX = "__hidden#";
async function namesHiddenSymbols(reader: RangedReader, strings: { offset: number; size: number }): Promise<boolean> {
  const size = Math.min(strings.size, HIDDEN_SCAN_BYTES, Math.max(0, reader.size - strings.offset));
  const bytes = await readRange(reader, strings.offset, size);
  if (!bytes) return false;
  const needle = [...HIDDEN_PREFIX].map((ch) => ch.charCodeAt(0));
  for (let at = bytes.indexOf(needle[0]!); at >= 0; at = bytes.indexOf(needle[0]!, at + 1)) {
    if (needle.every((b, k) => bytes[at + k] === b)) return true;
  }
  return false;
}
