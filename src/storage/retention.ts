/**
 * How long unreferenced data is kept. Chunks are shared across files and organizations, so a
 * chunk lives while any manifest names it; a chunk no manifest names is kept for CHUNK_GRACE_MS
 * after its R2 object was last written, so that chunks uploaded for an assembly that has not
 * happened yet are never swept. The chain that makes this safe without knowing every
 * organization:
 *
 *  - an organization's ownership of a chunk (the ledger, which lets an assemble skip the
 *    upload) counts only for OWNERSHIP_MS after it was granted;
 *  - a chunk is granted only after it is stored, and storing an existing chunk rewrites its
 *    object when the object is older than REFRESH_MS;
 *  - so while any organization may still assemble from a chunk without uploading it, its
 *    object is younger than REFRESH_MS + OWNERSHIP_MS plus one assembly (at most 25 minutes),
 *    well inside CHUNK_GRACE_MS.
 */
const DAY = 24 * 60 * 60 * 1000;

export const CHUNK_GRACE_MS = 7 * DAY;
export const OWNERSHIP_MS = 3 * DAY;
export const REFRESH_MS = 1 * DAY;
/** API tokens expire; mint a new one before (KV deletes the entry at its TTL). */
export const TOKEN_TTL_SECONDS = 365 * 24 * 60 * 60;
