/**
 * Which parser a file goes to, decided from its first bytes exactly as symbolic's
 * `Archive::peek` does (symbolic-debuginfo `src/object.rs`): files under 16 bytes are unknown, then the magic
 * tests run in a fixed order and the first match wins.
 *
 * | order | format       | test                                                             |
 * |-------|--------------|------------------------------------------------------------------|
 * | 1     | elf          | `7F 45 4C 46`                                                    |
 * | 2     | pe           | `MZ` (nothing else is checked here)                              |
 * | 3     | pdb          | the 32-byte MSF 7.00 magic                                       |
 * | 4     | sourcebundle | `SYSB`                                                           |
 * | 5     | breakpad     | `MODULE ` (with the space)                                       |
 * | 6     | wasm         | `\0asm`                                                          |
 * | 7     | portablepdb  | `BSJB`                                                           |
 * | 8     | macho        | FEEDFACE/CEFAEDFE/FEEDFACF/CFFAEDFE, or CAFEBABE with nfat < 45  |
 *
 * Sentry tells Apple bitcode builds' auxiliary files apart first (`determine_dif_kind` in
 * `src/sentry/models/debugfile.py`): text starting `BCSymbolMap` is a BCSymbolMap, `<?xml` a
 * UUID map property list. Neither prefix can start an object file, so the order does not matter.
 *
 * CAFEBABE with a count of 45 or more is a Java class file (the bytes are its version), and
 * CAFEBABF (64-bit fat) is not recognised by symbolic either.
 */

export type Sniffed =
  | "elf"
  | "pe"
  | "pdb"
  | "sourcebundle"
  | "breakpad"
  | "wasm"
  | "portablepdb"
  | "macho"
  | "macho-fat"
  | "bcsymbolmap"
  | "uuidmap"
  | "unknown";

/** How many leading bytes `sniff` needs. */
export const SNIFF_BYTES = 32;

const MSF_7_MAGIC = "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0";

/** Java class files reuse CAFEBABE; their "count" is the class version, which starts at 45. */
const MAX_FAT_ARCHES = 45;

function startsWith(head: Uint8Array, ascii: string): boolean {
  if (head.byteLength < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (head[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

function beU32(head: Uint8Array, offset: number): number {
  return (
    (((head[offset] ?? 0) << 24) |
      ((head[offset + 1] ?? 0) << 16) |
      ((head[offset + 2] ?? 0) << 8) |
      (head[offset + 3] ?? 0)) >>>
    0
  );
}

/** `fileSize` is the whole file's size; `head` its first bytes (up to SNIFF_BYTES). */
export function sniff(head: Uint8Array, fileSize: number): Sniffed {
  if (startsWith(head, "BCSymbolMap")) return "bcsymbolmap";
  if (startsWith(head, "<?xml")) return "uuidmap";
  if (fileSize < 16 || head.byteLength < 16) return "unknown";
  if (startsWith(head, "\x7fELF")) return "elf";
  if (startsWith(head, "MZ")) return "pe";
  if (startsWith(head, MSF_7_MAGIC)) return "pdb";
  if (startsWith(head, "SYSB")) return "sourcebundle";
  if (startsWith(head, "MODULE ")) return "breakpad";
  if (startsWith(head, "\0asm")) return "wasm";
  if (startsWith(head, "BSJB")) return "portablepdb";
  switch (beU32(head, 0)) {
    case 0xfeedface:
    case 0xcefaedfe:
    case 0xfeedfacf:
    case 0xcffaedfe:
      return "macho";
    case 0xcafebabe:
      return beU32(head, 4) < MAX_FAT_ARCHES ? "macho-fat" : "unknown";
    default:
      return "unknown";
  }
}
