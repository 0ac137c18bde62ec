/**
 * Portable PDB (.NET) files: the identity sentry-cli gives them (symbolic's `PortablePdbObject`).
 *
 * The debug id is the `#Pdb` stream's PDB id: from_guid_age(GUID, stamp); code id none, arch
 * `unknown`, kind "debug companion". Features: `debug` when the MethodDebugInformation table has
 * rows, `sources` when the file carries SourceLink JSON or embedded sources (custom debug
 * information of those kinds). The metadata is read stream by stream (portable-pdb-metadata.ts),
 * each with one bounded ranged read; the symcache builder reads the sequence points.
 */
import { debugIdFromGuidAge } from "./debug-id";
import { readRange, readUpTo } from "./read-range";
import { identified, malformed } from "./result";
import {
  EMBEDDED_SOURCE_KIND,
  METHOD_DEBUG_INFORMATION,
  parsePortablePdbMetadata,
  SOURCE_LINK_KIND,
  streamHeaders,
  type PortablePdbMetadata,
} from "./portable-pdb-metadata";
import type { Feature } from "../common/debug-file";
import type { RangedReader } from "../common/ranged-reader";
import type { IdentifyResult } from "./types";

/** The metadata root and its stream headers sit in the first few hundred bytes. */
const ROOT_BYTES = 4096;
const STREAMS_READ = new Set(["#Pdb", "#~", "#-", "#GUID"]);

export type PortablePdbRead = { ok: true; metadata: PortablePdbMetadata } | { ok: false; detail: string };

/** The metadata of a Portable PDB behind `reader` (the file, or an embedded one inflated). */
export async function readPortablePdb(reader: RangedReader): Promise<PortablePdbRead> {
  const headers = streamHeaders(await readUpTo(reader, 0, ROOT_BYTES));
  if (typeof headers === "string") return { ok: false, detail: headers };
  const streams = new Map<string, Uint8Array>();
  for (const h of headers) {
    if (!STREAMS_READ.has(h.name)) continue;
    const bytes = await readRange(reader, h.offset, h.size);
    if (!bytes) return { ok: false, detail: `the ${h.name} stream lies outside the file or is too large` };
    streams.set(h.name, bytes);
  }
  return parsePortablePdbMetadata(streams);
}

/** sentry-cli's features of a Portable PDB. */
export function portablePdbFeatures(metadata: PortablePdbMetadata): Feature[] {
  const features: Feature[] = [];
  if ((metadata.rows[METHOD_DEBUG_INFORMATION] ?? 0) > 0) features.push("debug");
  if (metadata.customDebugKinds.has(SOURCE_LINK_KIND) || metadata.customDebugKinds.has(EMBEDDED_SOURCE_KIND))
    features.push("sources");
  return features;
}

export function portablePdbDebugId(metadata: PortablePdbMetadata): string {
  const stamp = new DataView(metadata.pdbId.buffer, metadata.pdbId.byteOffset + 16, 4).getUint32(0, true);
  return debugIdFromGuidAge(metadata.pdbId.subarray(0, 16), stamp);
}

export async function identifyPortablePdb(reader: RangedReader): Promise<IdentifyResult> {
  const read = await readPortablePdb(reader);
  if (!read.ok) return malformed(`this Portable PDB cannot be read: ${read.detail}`);
  return identified({
    format: "portablepdb",
    debugId: portablePdbDebugId(read.metadata),
    codeId: null,
    arch: "unknown",
    kind: "dbg",
    features: portablePdbFeatures(read.metadata),
    details: {},
  });
}
