/** Test helpers that talk to the Worker exactly as sentry-cli does. */
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
import type { Scope } from "../../src/auth/tokens";
import type { NewDebugFileRecord } from "../../src/common/debug-file";

export const BASE = "http://127.0.0.1:8787";

export async function mintToken(
  org: string,
  scopes: Scope[] = ["project:read", "project:write"],
  format = "plain",
): Promise<string> {
  const res = await exports.default.fetch(`${BASE}/api/0/admin/tokens/`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ org, scopes, format }),
  });
  if (res.status !== 201) throw new Error(`mint failed: ${res.status} ${await res.text()}`);
  return (await res.json<{ token: string }>()).token;
}

export async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `size` random bytes (getRandomValues fills at most 64 KiB a call). */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  return bytes;
}

/** The pieces one after another, in one array. */
export function concatBytes(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface Part {
  field?: "file" | "file_gzip";
  name: string;
  body: Uint8Array;
}

export function chunkForm(parts: Part[]): FormData {
  const form = new FormData();
  for (const p of parts) form.append(p.field ?? "file", new Blob([p.body]), p.name);
  return form;
}

export async function postChunks(token: string, org: string, form: FormData): Promise<Response> {
  // Serialize first so the request carries a Content-Length, as sentry-cli's does.
  const request = new Request(`${BASE}/api/0/organizations/${org}/chunk-upload/`, { method: "POST", body: form });
  const body = new Uint8Array(await request.arrayBuffer());
  return exports.default.fetch(request.url, {
    method: "POST",
    body,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": request.headers.get("content-type") as string,
      "content-length": String(body.byteLength),
    },
  });
}

export async function assemble(token: string, org: string, project: string, body: unknown): Promise<Response> {
  return exports.default.fetch(`${BASE}/api/0/projects/${org}/${project}/files/difs/assemble/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface FileState {
  state: string;
  missingChunks: string[];
  detail?: string | null;
  dif?: Record<string, unknown> & { data: { type: string; features: string[] } };
}

/** Splits bytes into chunks and uploads them all, returning the assemble entry for the file. */
export async function uploadFile(
  token: string,
  org: string,
  bytes: Uint8Array,
  name: string,
  chunkSize = 8 * 1024 * 1024,
) {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength || at === 0; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  const sums = await Promise.all(chunks.map(sha1Hex));
  // Batches as sentry-cli cuts them: at most 64 chunks and 32 MiB of raw bytes per request.
  for (let i = 0; i < chunks.length;) {
    const batch: Part[] = [];
    let bytes = 0;
    while (
      i < chunks.length &&
      batch.length < 64 &&
      (batch.length === 0 || bytes + (chunks[i] as Uint8Array).byteLength <= 32 * 1024 * 1024)
    ) {
      bytes += (chunks[i] as Uint8Array).byteLength;
      batch.push({ name: sums[i] as string, body: chunks[i] as Uint8Array });
      i++;
    }
    const res = await postChunks(token, org, chunkForm(batch));
    if (res.status !== 200) throw new Error(`chunk upload failed: ${res.status} ${await res.text()}`);
  }
  const checksum = await sha1Hex(bytes);
  return { checksum, entry: { name, chunks: sums } };
}

/** Polls assemble once a second (as sentry-cli --wait does) until ok or error. */
export async function waitForFile(
  token: string,
  org: string,
  project: string,
  checksum: string,
  entry: unknown,
  seconds = 20,
): Promise<FileState> {
  for (let i = 0; i < seconds * 10; i++) {
    const res = await assemble(token, org, project, { [checksum]: entry });
    const state = (await res.json<Record<string, FileState>>())[checksum] as FileState;
    if (state.state === "ok" || state.state === "error") return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`file ${checksum} did not finish within ${seconds} s`);
}

/** Uploads `bytes` as `name` into org acme's `project` and waits for the outcome, as `sentry-cli --wait` does. */
export async function uploadAndWait(
  token: string,
  project: string,
  bytes: Uint8Array,
  name: string,
): Promise<FileState> {
  const { checksum, entry } = await uploadFile(token, "acme", bytes, name);
  await assemble(token, "acme", project, { [checksum]: entry });
  return waitForFile(token, "acme", project, checksum, entry, 60);
}

export function fixture(name: string): Uint8Array {
  const b64 = inject("fixtures")[name];
  if (!b64) throw new Error(`fixture ${name} missing: run npm run fixtures`);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function fixtureNames(): string[] {
  return Object.keys(inject("fixtures"));
}

/** A catalog record of a made-up file `lib<n>.so` (for tests that need many rows without uploads). */
export function syntheticRecord(
  org: string,
  project: string,
  n: number,
  over: Partial<NewDebugFileRecord> = {},
): NewDebugFileRecord {
  return {
    org,
    project,
    checksum: n.toString(16).padStart(40, "0"),
    objectName: `lib${n}.so`,
    debugId: `${n.toString(16).padStart(8, "0")}-0000-0000-0000-000000000000`,
    codeId: null,
    arch: "x86_64",
    kind: "lib",
    format: "elf",
    features: ["symtab"],
    size: 1,
    contentType: "application/x-elf-binary",
    createdAt: new Date().toISOString(),
    symcache: { status: "unsupported" },
    ...over,
  };
}
