/**
 * A debug file as a download (the API's `…/files/dsyms/?id=` and the web page's download link):
 * streamed by serveStoredFile, named as Sentry names it.
 */
import type { Context } from "hono";
import type { DebugFileRecord } from "../common/debug-file";
import { serveStoredFile } from "./stored-file-response";

export function downloadDebugFile(c: Context, bucket: R2Bucket, record: DebugFileRecord): Promise<Response> {
  return serveStoredFile(c, bucket, {
    record,
    headers: { "Content-Disposition": `attachment; filename="${downloadName(record)}"` },
  });
}

/** Sentry names downloads after the debug id plus an extension for the format. */
export function downloadName(record: DebugFileRecord): string {
  const ext: Record<string, string> = {
    breakpad: ".sym",
    macho: record.kind === "exe" ? "" : ".dSYM",
    elf: record.kind === "exe" ? "" : ".debug",
    pe: record.kind === "lib" ? ".dll" : ".exe",
    pdb: ".pdb",
    portablepdb: ".pdb",
    sourcebundle: ".src.zip",
    wasm: ".wasm",
  };
  return `${record.debugId}${ext[record.format] ?? ""}`;
}
