/**
 * Validation of the assemble request body, with the messages Sentry's JSON-schema validation
 * produces (getsentry/sentry `src/sentry/api/endpoints/debug_files.py`, `DifAssembleEndpoint`): sentry-cli prints them verbatim.
 *
 *   { "<file sha1>": { "name": string, "debug_id"?: string, "chunks": [<chunk sha1>...] } }
 */
export interface AssembleFileRequest {
  checksum: string;
  name: string;
  debugId?: string;
  chunks: string[];
}

import { MAX_CHUNK_REFS_PER_ASSEMBLE, MAX_CHUNKS_PER_FILE, MAX_FILES_PER_ASSEMBLE, MAX_NAME_LENGTH } from "./limits";

const SHA1 = /^[0-9a-f]{40}$/;
/**
 * What a name may not contain: C0/C1 controls (NUL included: they end up in headers and logs),
 * the Unicode bidirectional controls that make `gol.exe` read as `exe.log` (Trojan Source,
 * CVE-2021-42574), and `..` path segments (a basename has none).
 */
const UNSAFE_NAME = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|(^|[\\/])\.\.([\\/]|$)/u;
const DEBUG_ID = /^[A-Fa-f0-9-]+$/;

export type ParseResult = { ok: true; files: AssembleFileRequest[] } | { ok: false; error: string };

/** `body` is the request's parsed JSON (routes/bounded-request.ts answers a body that is not JSON). */
export function parseAssembleRequest(body: unknown): ParseResult {
  if (!isObject(body)) return { ok: false, error: `${pyRepr(body)} is not of type 'object'` };
  const entries = Object.entries(body);
  if (entries.length > MAX_FILES_PER_ASSEMBLE) {
    return { ok: false, error: `Too many files in one request (${entries.length} > ${MAX_FILES_PER_ASSEMBLE})` };
  }
  const files: AssembleFileRequest[] = [];
  let chunkRefs = 0;
  for (const [checksum, value] of entries) {
    if (!SHA1.test(checksum)) {
      return { ok: false, error: `Additional properties are not allowed (${pyRepr(checksum)} was unexpected)` };
    }
    if (!isObject(value)) return { ok: false, error: `${pyRepr(value)} is not of type 'object'` };
    for (const required of ["name", "chunks"]) {
      if (!(required in value)) return { ok: false, error: `'${required}' is a required property` };
    }
    const { name, chunks, debug_id: debugId } = value;
    if (typeof name !== "string") return { ok: false, error: `${pyRepr(name)} is not of type 'string'` };
    if (name.length > MAX_NAME_LENGTH)
      return { ok: false, error: `'name' is too long (at most ${MAX_NAME_LENGTH} characters)` };
    if (UNSAFE_NAME.test(name)) {
      return {
        ok: false,
        error: "'name' must be a file name without control characters, bidirectional overrides or '..'",
      };
    }
    if (!Array.isArray(chunks)) return { ok: false, error: `${pyRepr(chunks)} is not of type 'array'` };
    if (chunks.length > MAX_CHUNKS_PER_FILE) {
      return { ok: false, error: `Too many chunks for one file (${chunks.length} > ${MAX_CHUNKS_PER_FILE})` };
    }
    chunkRefs += chunks.length;
    if (chunkRefs > MAX_CHUNK_REFS_PER_ASSEMBLE) {
      return { ok: false, error: `Too many chunks in one request (more than ${MAX_CHUNK_REFS_PER_ASSEMBLE})` };
    }
    for (const chunk of chunks) {
      if (typeof chunk !== "string") return { ok: false, error: `${pyRepr(chunk)} is not of type 'string'` };
      if (!SHA1.test(chunk)) return { ok: false, error: `${pyRepr(chunk)} does not match '^[0-9a-f]{40}$'` };
    }
    if (debugId !== undefined) {
      if (typeof debugId !== "string") return { ok: false, error: `${pyRepr(debugId)} is not of type 'string'` };
      if (!DEBUG_ID.test(debugId)) return { ok: false, error: `${pyRepr(debugId)} does not match '^[A-Fa-f0-9-]+$'` };
    }
    files.push({ checksum, name, chunks: chunks as string[], ...(debugId !== undefined ? { debugId } : {}) });
  }
  return { ok: true, files };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Python's repr(), which jsonschema uses to quote the offending value, cut to a few hundred
 * characters and three levels: a hostile body may nest or repeat without end.
 */
export function pyRepr(value: unknown): string {
  const text = reprAt(value, 0);
  return text.length > MAX_REPR ? `${text.slice(0, MAX_REPR)}...` : text;
}

const MAX_REPR = 200;
const MAX_REPR_DEPTH = 3;

function reprAt(value: unknown, depth: number): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") {
    const shown = value.length > MAX_REPR ? value.slice(0, MAX_REPR) : value;
    return `'${shown.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  }
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) {
    if (depth >= MAX_REPR_DEPTH) return "[...]";
    return `[${value
      .slice(0, 10)
      .map((v) => reprAt(v, depth + 1))
      .join(", ")}${value.length > 10 ? ", ..." : ""}]`;
  }
  if (typeof value === "object") {
    if (depth >= MAX_REPR_DEPTH) return "{...}";
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries
      .slice(0, 10)
      .map(([k, v]) => `${reprAt(k, depth + 1)}: ${reprAt(v, depth + 1)}`)
      .join(", ")}${entries.length > 10 ? ", ..." : ""}}`;
  }
  return value === undefined ? "None" : typeof value === "bigint" ? value.toString() : "?";
}
