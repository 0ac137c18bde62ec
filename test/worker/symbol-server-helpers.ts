/** Uploading fixtures through the real routes and fetching them back over the symbol-server paths. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { assemble, BASE, fixture, uploadFile, waitForFile } from "./helpers";

export interface Stored {
  checksum: string;
  bytes: Uint8Array;
  id: string;
}

/** Uploads a fixture under `name` (small chunks: the download crosses chunk boundaries) and waits for `ok`. */
export async function store(
  token: string,
  org: string,
  project: string,
  fixtureName: string,
  name = fixtureName,
): Promise<Stored> {
  const bytes = fixture(fixtureName);
  const { checksum, entry } = await uploadFile(token, org, bytes, name, 4096);
  await assemble(token, org, project, { [checksum]: entry });
  const done = await waitForFile(token, org, project, checksum, entry);
  expect(done.state, done.detail ?? "").toBe("ok");
  return { checksum, bytes, id: String(done.dif?.id) };
}

export function get(
  token: string,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers } });
}

export async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** Mixed case: every other letter upper-cased. */
export function mixedCase(text: string): string {
  return [...text].map((ch, i) => (i % 2 ? ch.toUpperCase() : ch.toLowerCase())).join("");
}
