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

const SHA1 = /^[0-9a-f]{40}$/;
const DEBUG_ID = /^[A-Fa-f0-9-]+$/;

export type ParseResult = { ok: true; files: AssembleFileRequest[] } | { ok: false; error: string };

export function parseAssembleRequest(text: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: "Invalid json body" };
  }
  if (!isObject(body)) return { ok: false, error: `${pyRepr(body)} is not of type 'object'` };
  const files: AssembleFileRequest[] = [];
  for (const [checksum, value] of Object.entries(body)) {
    if (!SHA1.test(checksum)) {
      return { ok: false, error: `Additional properties are not allowed (${pyRepr(checksum)} was unexpected)` };
    }
    if (!isObject(value)) return { ok: false, error: `${pyRepr(value)} is not of type 'object'` };
    for (const required of ["name", "chunks"]) {
      if (!(required in value)) return { ok: false, error: `'${required}' is a required property` };
    }
    const { name, chunks, debug_id: debugId } = value;
    if (typeof name !== "string") return { ok: false, error: `${pyRepr(name)} is not of type 'string'` };
    if (!Array.isArray(chunks)) return { ok: false, error: `${pyRepr(chunks)} is not of type 'array'` };
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

/** Python's repr(), which jsonschema uses to quote the offending value. */
export function pyRepr(value: unknown): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(", ")}}`;
  }
  return value === undefined ? "None" : typeof value === "bigint" ? value.toString() : "?";
}
