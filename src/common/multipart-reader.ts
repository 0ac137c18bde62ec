/**
 * A `multipart/form-data` body read as a stream, one part at a time (RFC 7578 over RFC 2046
 * §5.1), so a part's bytes can be hashed and stored while the rest of the body is still on the
 * wire instead of the whole body being buffered first.
 *
 * The body is a preamble, then parts, each introduced by a delimiter line `--boundary` (after a
 * CRLF that belongs to the delimiter, not to the previous part), then `--boundary--` and an
 * epilogue. The preamble and epilogue are ignored; a body that ends before the closing delimiter
 * is an error. A part's content is opaque bytes: a nested `multipart/mixed` is not descended into.
 */
import { Buffer } from "node:buffer";

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const SPACE = 0x20;
const TAB = 0x09;
const CRLF = new Uint8Array([CR, LF]);
const HEADER_END = new Uint8Array([CR, LF, CR, LF]);
/** RFC 2046 allows "transport padding" (spaces, tabs) after a delimiter; bound it. */
const MAX_PADDING = 256;

export class MultipartError extends Error {}

export interface MultipartLimits {
  /** Bytes of one part's header block. */
  maxHeaderBytes: number;
  /** Parts of any kind in one body. */
  maxParts: number;
}

export interface PartHeaders {
  /** The Content-Disposition `name` parameter (the form field), if any. */
  name: string | null;
  /** The Content-Disposition `filename` parameter, if any: present means a file part. */
  filename: string | null;
  contentType: string | null;
}

/** The boundary of a `multipart/form-data` Content-Type, or null if it is not one. */
export function formDataBoundary(contentType: string | null): string | null {
  if (!contentType) return null;
  const [type, ...params] = splitParameters(contentType);
  if (type?.toLowerCase() !== "multipart/form-data") return null;
  const boundary = params.find((p) => p.key === "boundary")?.value;
  // RFC 2046 §5.1.1: 1 to 70 characters.
  return boundary && boundary.length <= 70 ? boundary : null;
}

type State = "preamble" | "delimiter" | "body" | "end";

export class MultipartReader {
  private buffered: Uint8Array;
  /** The source piece `buffered` is a view of, until the reader moves past it. */
  private current: Uint8Array | null = null;
  private sourceDone = false;
  private state: State = "preamble";
  private parts = 0;
  private readonly delimiter: Uint8Array;

  constructor(
    private readonly source: ReadableStreamDefaultReader<Uint8Array>,
    boundary: string,
    private readonly limits: MultipartLimits,
    /**
     * Called once for every piece read from `source`, when the reader no longer looks at it (a
     * pooled buffer can then be read into again: common/piece-pool.ts). A caller that keeps a
     * piece from nextBodyPiece beyond its next call must hold it first.
     */
    private readonly release: (piece: Uint8Array) => void = () => undefined,
  ) {
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    this.buffered = new Uint8Array(0);
  }

  /**
   * Advances to the next part and returns its headers, or null after the closing delimiter.
   * Whatever the caller left unread of the current part is skipped.
   */
  async nextPart(): Promise<PartHeaders | null> {
    while (this.state === "body") await this.nextBodyPiece();
    if (this.state === "preamble") await this.skipPreamble();
    if (this.state === "end") return null;
    if (await this.readDelimiterEnd()) return null;
    if (++this.parts > this.limits.maxParts) throw new MultipartError("too many parts");
    const headers = await this.readHeaderBlock();
    this.state = "body";
    return parsePartHeaders(headers);
  }

  /**
   * The next bytes of the current part's content, or null at its end: a view of a source piece,
   * released (see `release`) during a later call. A delimiter split across reads is held back
   * until it is complete.
   */
  async nextBodyPiece(): Promise<Uint8Array | null> {
    if (this.state !== "body") return null;
    for (;;) {
      const at = indexOf(this.buffered, this.delimiter, 0);
      if (at >= 0) {
        const piece = this.buffered.subarray(0, at);
        this.buffered = this.buffered.subarray(at + this.delimiter.byteLength);
        this.state = "delimiter";
        return piece.byteLength > 0 ? piece : null;
      }
      const held = partialMatchStart(this.buffered, this.delimiter);
      if (held > 0) {
        const piece = this.buffered.subarray(0, held);
        this.buffered = this.buffered.subarray(held);
        return piece;
      }
      if (!(await this.fill())) throw new MultipartError("the body ends inside a part, without a closing boundary");
    }
  }

  /**
   * Reads the rest of the body and drops it: a client is let finish sending before it is
   * answered (the source's own bounds limit how long that may take).
   */
  async skipRest(): Promise<void> {
    this.state = "end";
    this.buffered = new Uint8Array(0);
    this.moveOn();
    while (!this.sourceDone) {
      const next = await this.source.read();
      if (next.done) this.sourceDone = true;
      else this.release(next.value);
    }
  }

  private async skipPreamble(): Promise<void> {
    // The first delimiter line may open the body, without the CRLF that comes before it elsewhere.
    const opening = this.delimiter.subarray(CRLF.byteLength);
    while (this.buffered.byteLength < opening.byteLength && (await this.fill()));
    if (indexOf(this.buffered.subarray(0, opening.byteLength), opening, 0) === 0) {
      this.buffered = this.buffered.subarray(opening.byteLength);
      this.state = "delimiter";
      return;
    }
    for (;;) {
      const at = indexOf(this.buffered, this.delimiter, 0);
      if (at >= 0) {
        this.buffered = this.buffered.subarray(at + this.delimiter.byteLength);
        this.state = "delimiter";
        return;
      }
      this.buffered = this.buffered.subarray(partialMatchStart(this.buffered, this.delimiter));
      if (!(await this.fill())) throw new MultipartError("no multipart boundary in the body");
    }
  }

  /** After a delimiter: `--` closes the body (true), padding and CRLF open a part (false). */
  private async readDelimiterEnd(): Promise<boolean> {
    for (;;) {
      const b = this.buffered;
      if (b.byteLength >= 2 && b[0] === DASH && b[1] === DASH) {
        await this.skipRest(); // the epilogue is ignored
        return true;
      }
      let i = 0;
      while (i < b.byteLength && (b[i] === SPACE || b[i] === TAB)) i++;
      if (i > MAX_PADDING) throw new MultipartError("malformed boundary line");
      if (b.byteLength >= i + 2) {
        if (b[i] !== CR || b[i + 1] !== LF) throw new MultipartError("malformed boundary line");
        this.buffered = b.subarray(i + 2);
        return false;
      }
      if (!(await this.fill())) throw new MultipartError("the body ends inside a boundary line");
    }
  }

  private async readHeaderBlock(): Promise<string> {
    for (;;) {
      const b = this.buffered;
      // No headers at all: the blank line follows the delimiter line at once.
      if (b.byteLength >= 2 && b[0] === CR && b[1] === LF) {
        this.buffered = b.subarray(2);
        return "";
      }
      const end = indexOf(b, HEADER_END, 0);
      if (end >= 0 && end <= this.limits.maxHeaderBytes) {
        this.buffered = b.subarray(end + HEADER_END.byteLength);
        return new TextDecoder().decode(b.subarray(0, end));
      }
      if (end >= 0 || b.byteLength > this.limits.maxHeaderBytes + HEADER_END.byteLength) {
        throw new MultipartError("part headers too large");
      }
      if (!(await this.fill())) throw new MultipartError("the body ends inside part headers");
    }
  }

  private async fill(): Promise<boolean> {
    if (this.sourceDone) return false;
    const next = await this.source.read();
    if (next.done) {
      this.sourceDone = true;
      return false;
    }
    if (this.buffered.byteLength === 0) {
      this.moveOn();
      this.buffered = next.value;
      this.current = next.value;
    } else {
      // Rare (a delimiter or header block across two reads): both are copied into one.
      this.buffered = concat(this.buffered, next.value);
      this.moveOn();
      this.release(next.value);
    }
    return true;
  }

  /** The reader is done with its current source piece. */
  private moveOn(): void {
    if (this.current) this.release(this.current);
    this.current = null;
  }
}

function parsePartHeaders(block: string): PartHeaders {
  const headers: PartHeaders = { name: null, filename: null, contentType: null };
  if (block === "") return headers;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError("malformed part header");
    const field = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === "content-type") headers.contentType = value;
    if (field !== "content-disposition") continue;
    const [disposition, ...params] = splitParameters(value);
    if (disposition?.toLowerCase() !== "form-data") continue;
    headers.name = params.find((p) => p.key === "name")?.value ?? null;
    headers.filename = params.find((p) => p.key === "filename")?.value ?? null;
  }
  return headers;
}

/**
 * `type; key=value; key="quoted; value"` split into the leading value and its parameters (keys
 * lowercased). Quoted strings may hold `;` and backslash escapes (RFC 9110 §5.6.4).
 */
function splitParameters(header: string): [string | undefined, ...{ key: string; value: string }[]] {
  const items: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i];
    if (quoted && ch === "\\" && i + 1 < header.length) {
      current += ch + header[++i];
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === ";" && !quoted) {
      items.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  items.push(current);
  const [first, ...rest] = items.map((s) => s.trim());
  const params = rest.flatMap((item) => {
    const eq = item.indexOf("=");
    if (eq <= 0) return [];
    let value = item.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    return [{ key: item.slice(0, eq).trim().toLowerCase(), value }];
  });
  return [first, ...params];
}

/**
 * Where `needle` first occurs in `haystack` at or after `from`, or -1: Buffer's native search
 * (node:buffer, nodejs_compat) over the same memory, no copy. Every byte of a chunk upload passes
 * through here, and a search in JavaScript (TypedArray.indexOf of the first byte, then a compare)
 * stops at every CR, about once per 256 bytes of binary data: a million calls per 256 MiB, on the
 * thread that also serves the upload.
 */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, from);
}

/**
 * Where a delimiter might begin in the tail of `buffered` (a proper prefix of it running to the
 * end), or the length if nowhere: everything before it is safe to hand out.
 */
function partialMatchStart(buffered: Uint8Array, delimiter: Uint8Array): number {
  const len = buffered.byteLength;
  for (let start = Math.max(0, len - delimiter.byteLength + 1); start < len; start++) {
    if (buffered[start] !== delimiter[0]) continue;
    let j = 1;
    while (start + j < len && buffered[start + j] === delimiter[j]) j++;
    if (start + j === len) return start;
  }
  return len;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
