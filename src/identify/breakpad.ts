/**
 * Breakpad `.sym` identity, read the way symbolic's `BreakpadObject` reads it
 * (symbolic-debuginfo `src/breakpad.rs`, getsentry/symbolic).
 *
 * Layout (text, one record per line):
 *
 *   MODULE <os> <arch> <debug id> [<name>]       first line, within the first 320 bytes
 *   INFO CODE_ID <code id> [<file>]              optional, right after MODULE
 *   FILE / INLINE_ORIGIN / FUNC (+ line records) / PUBLIC ...
 *   STACK CFI INIT ... / STACK WIN ...           unwind records, always last
 *
 * Features follow symbolic's iterators: symtab = a `PUBLIC ` line before the first `STACK `
 * line, debug = a `FUNC ` line before the first `STACK ` line, unwind = any `STACK WIN` or
 * `STACK CFI INIT` line. Finding them means reading until the first STACK record, so the scan
 * looks only at the first bytes of each line, fed in pieces; memory stays at one piece whatever
 * the file's size. Assembly feeds it the chunks it streams anyway (no read of its own); alone,
 * it reads the file in 1 MiB windows.
 */
import { parseArchName } from "./arch";
import { normalizeCodeId, parseDebugId } from "./debug-id-parse";
import { readUpTo } from "./read-range";
import { identified, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { Feature } from "../common/debug-file";
import type { IdentifyResult } from "./types";

/** symbolic reads at most this many bytes for the MODULE line. */
const HEADER_CAP = 320;
/**
 * Scan window: large enough that a 2 GiB file takes ~2000 ranged reads (each one an R2 range
 * request), small enough to be irrelevant next to a Worker's 128 MB.
 */
const WINDOW = 1024 * 1024;
/** The longest prefix we test ("STACK CFI INIT"). */
const PREFIX = 16;
/** INFO records sit right after MODULE; we look for them in this much of the file. */
const INFO_SCAN = 4096;

const MODULE_LINE = /^MODULE +(\S+) +(\S+) +(\S+)(?: +(.*))?$/;

/** `records`: the record scan, when assembly already made it while streaming the file. */
export async function identifyBreakpad(reader: RangedReader, records?: BreakpadRecords): Promise<IdentifyResult> {
  const head = await readUpTo(reader, 0, HEADER_CAP);
  const text = decodeHeader(head);
  if (text === undefined) return malformed("the Breakpad MODULE line is not valid UTF-8");
  const firstLine = text.split("\n", 1)[0]!.trim();
  const m = MODULE_LINE.exec(firstLine);
  if (!m) return malformed("invalid Breakpad MODULE line (expected `MODULE <os> <arch> <id> [<name>]`)");
  const arch = parseArchName(m[2]!);
  if (!arch) return malformed(`unknown architecture "${m[2]}" in the Breakpad MODULE line`);
  const debugId = parseDebugId(m[3]!);
  if (!debugId) return malformed(`invalid debug id "${m[3]}" in the Breakpad MODULE line`);

  const codeId = await findCodeId(reader);
  records ??= await scanRecords(reader);
  const features: Feature[] = [];
  if (records.publicRecord) features.push("symtab");
  if (records.funcRecord) features.push("debug");
  if (records.stackRecord) features.push("unwind");

  return identified({
    format: "breakpad",
    debugId,
    codeId,
    arch,
    kind: "dbg",
    features,
    details: { os: m[1] ?? "", name: m[4] ?? null, bytesScanned: records.bytesScanned },
  });
}

/** Like symbolic: a UTF-8 sequence cut by the 320-byte cap is dropped, any other error fails. */
function decodeHeader(bytes: Uint8Array): string | undefined {
  for (let cut = 0; cut <= 3 && cut < bytes.byteLength; cut++) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
        bytes.subarray(0, bytes.byteLength - cut),
      );
    } catch {
      if (bytes.byteLength < HEADER_CAP) return undefined;
    }
  }
  return undefined;
}

async function findCodeId(reader: RangedReader): Promise<string | null> {
  const bytes = await readUpTo(reader, 0, INFO_SCAN);
  const lines = new TextDecoder("utf-8").decode(bytes).split("\n");
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    if (line.startsWith("MODULE ")) continue;
    if (!line.startsWith("INFO ")) break;
    const m = /^INFO +CODE_ID +(\S+)/.exec(line);
    if (m) {
      const codeId = normalizeCodeId(m[1]!);
      if (codeId !== "") return codeId;
    }
  }
  return null;
}

export interface BreakpadRecords {
  publicRecord: boolean;
  funcRecord: boolean;
  stackRecord: boolean;
  bytesScanned: number;
}

function startsWithAscii(bytes: Uint8Array, at: number, ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) if (bytes[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/**
 * The record scan, fed the file's bytes in order in pieces of any size: by the ranged reads of
 * `scanRecords`, or by assembly, which streams every byte once anyway to verify the checksum
 * (then identification reads nothing more). Holds at most one line prefix between pieces.
 */
export class BreakpadRecordScanner {
  private readonly scan: BreakpadRecords = {
    publicRecord: false,
    funcRecord: false,
    stackRecord: false,
    bytesScanned: 0,
  };
  private seenStack = false;
  private atLineStart = true;
  /** The start of a line whose prefix was cut by the end of the previous piece. */
  private carry: Uint8Array = new Uint8Array(0);
  /** True once the answer is final (an unwind record after every PUBLIC/FUNC that counts). */
  done = false;

  push(piece: Uint8Array): void {
    if (this.done || piece.byteLength === 0) return;
    this.scan.bytesScanned += piece.byteLength;
    let bytes = piece;
    if (this.carry.byteLength > 0) {
      bytes = new Uint8Array(this.carry.byteLength + piece.byteLength);
      bytes.set(this.carry);
      bytes.set(piece, this.carry.byteLength);
      this.carry = new Uint8Array(0);
    }
    this.consume(bytes, false);
  }

  /** The answer once every byte was pushed (or `done`). */
  finish(): BreakpadRecords {
    if (!this.done && this.carry.byteLength > 0) {
      const rest = this.carry;
      this.carry = new Uint8Array(0);
      this.consume(rest, true);
    }
    return { ...this.scan };
  }

  private consume(bytes: Uint8Array, eof: boolean): void {
    let i = 0;
    for (;;) {
      if (this.atLineStart) {
        // Keep a line start whose prefix is cut by the piece's end for the next piece.
        if (!eof && i + PREFIX > bytes.byteLength && bytes.indexOf(0x0a, i) < 0) {
          this.carry = bytes.slice(i);
          return;
        }
        this.classify(bytes, i);
        if (this.done) return;
      }
      const nl = bytes.indexOf(0x0a, i);
      if (nl < 0) return;
      i = nl + 1;
      this.atLineStart = true;
    }
  }

  private classify(bytes: Uint8Array, i: number): void {
    const scan = this.scan;
    if (startsWithAscii(bytes, i, "STACK ")) {
      this.seenStack = true;
      if (startsWithAscii(bytes, i, "STACK WIN") || startsWithAscii(bytes, i, "STACK CFI INIT"))
        scan.stackRecord = true;
    } else if (!this.seenStack) {
      if (startsWithAscii(bytes, i, "PUBLIC ")) scan.publicRecord = true;
      else if (startsWithAscii(bytes, i, "FUNC ")) scan.funcRecord = true;
    }
    this.atLineStart = false;
    // Once a STACK line is seen, PUBLIC/FUNC answers are final; stop at the first unwind record.
    if (this.seenStack && scan.stackRecord) this.done = true;
  }
}

async function scanRecords(reader: RangedReader): Promise<BreakpadRecords> {
  const scanner = new BreakpadRecordScanner();
  for (let pos = 0; pos < reader.size && !scanner.done;) {
    const win = await readUpTo(reader, pos, WINDOW);
    if (win.byteLength === 0) break;
    scanner.push(win);
    pos += win.byteLength;
  }
  return scanner.finish();
}
