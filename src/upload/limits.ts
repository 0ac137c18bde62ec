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
/**
 * Bounds on a chunk-upload body's framing. sentry-cli writes one short header block per part and
 * only chunk parts; the part count (form fields included) stops a body of thousands of empty
 * parts early.
 */
export const MAX_PART_HEADER_BYTES = 8 * 1024;
export const MAX_PARTS_PER_REQUEST = 2 * MAX_CHUNKS_PER_REQUEST;

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

/**
 * Bounds on the work one assemble request may cause. Each file of a request is one Durable
 * Object call (and that object's ledger lookups), so an unbounded body lets one client starve
 * the service: 100,000 entries held the route for minutes. sentry-cli sends one entry per
 * debug file it uploads (a basename and its chunk list), so these sit far above any real upload
 * and are answered at once, before any object is called.
 */
export const MAX_ASSEMBLE_BODY = 4 * 1024 * 1024;
export const MAX_FILES_PER_ASSEMBLE = 1000;
/** Chunk references across all files of one request: one 2 GiB file is 256 of 8 MiB. */
export const MAX_CHUNK_REFS_PER_ASSEMBLE = 16 * MAX_CHUNKS_PER_FILE;
/** The uploaded name is a basename (sentry-cli strips directories); Linux allows 255 bytes. */
export const MAX_NAME_LENGTH = 1024;
/**
 * How long a request body may take to arrive. A client that trickles its body holds a request
 * (and, for chunk uploads, a share of the memory budget) open: past these bounds it is cut off.
 * The idle bound is the gap between two reads; the total bound allows 32 MiB at ~1 Mbit/s.
 */
export const BODY_IDLE_MS = 30_000;
export const ASSEMBLE_BODY_DEADLINE_MS = 60_000;
export const CHUNK_BODY_DEADLINE_MS = 300_000;
