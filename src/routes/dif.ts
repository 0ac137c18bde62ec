/**
 * Sentry's serialized debug file (the `dif` object of assemble answers and the items of the
 * debug-files list). sentry-cli requires `objectName`, `cpuName` and `sha1`, and parses
 * `data.type` as one of symbolic's short kind names.
 */
import type { DebugFileRecord } from "../common/debug-file";

export interface SentryDif {
  id: string;
  uuid: string;
  debugId: string;
  codeId: string | null;
  cpuName: string;
  objectName: string;
  symbolType: string;
  headers: Record<string, string>;
  size: number;
  sha1: string;
  dateCreated: string;
  data: { type: string; features: string[] };
}

export function toSentryDif(record: DebugFileRecord): SentryDif {
  return {
    id: record.id,
    uuid: record.debugId.slice(0, 36),
    debugId: record.debugId,
    codeId: record.codeId,
    cpuName: record.arch,
    objectName: record.objectName,
    symbolType: record.format,
    headers: { "Content-Type": record.contentType },
    size: record.size,
    sha1: record.checksum,
    dateCreated: record.createdAt,
    data: { type: record.kind, features: record.features },
  };
}
