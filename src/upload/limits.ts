/**
 * The upload limits, advertised to sentry-cli by the chunk-upload options and enforced by the
 * chunk-upload and assemble routes. Values are Sentry's (getsentry/sentry `src/sentry/api/endpoints/chunk.py`).
 */
export const CHUNK_SIZE = 8 * 1024 * 1024; // a power of two: sentry-cli <= 2.39.1 requires it
export const MAX_CHUNKS_PER_REQUEST = 64;
export const MAX_REQUEST_SIZE = 32 * 1024 * 1024; // uncompressed bytes per request
export const MAX_FILE_SIZE = 2 * 1024 * 1024 * 1024;
export const CONCURRENCY = 8;
/** A compliant client cuts a 2 GiB file into 256 chunks; allow smaller chunk sizes, bounded. */
export const MAX_CHUNKS_PER_FILE = 4096;
/**
 * The multipart body may exceed MAX_REQUEST_SIZE (incompressible data plus framing): allow for
 * that, and refuse anything larger before reading it.
 */
export const MAX_REQUEST_BODY = MAX_REQUEST_SIZE + MAX_CHUNKS_PER_REQUEST * 4096 + 1024 * 1024;

/** Capability list for sentry-cli 2.x, which gates file kinds on it (3.x ignores it). */
export const ACCEPT = [
  "debug_files",
  "release_files",
  "pdbs",
  "sources",
  "bcsymbolmaps",
  "il2cpp",
  "portablepdbs",
  "artifact_bundles",
  "artifact_bundles_v2",
  "proguard",
];

/** How long sentry-cli may poll (its own default is also 300 s). */
export const MAX_WAIT_SECONDS = 300;
