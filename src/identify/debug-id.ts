/**
 * Debug id and code id spellings, as the `debugid` crate prints them (crate `debugid` 0.8, `DebugId`/`CodeId` Display).
 *
 * A debug id is 16 UUID bytes in "network" (printed) order plus an appendix (the PDB age).
 * Canonical text: lowercase hyphenated UUID, then `-<age hex>` only when the age is > 0.
 * Microsoft tools store the first three GUID fields little-endian, so ids taken from PE, PDB
 * and little-endian ELF files have those fields byte-swapped before printing.
 */
import { bytesToHex } from "../common/hex";

/** Canonical debug id text from 16 UUID-order bytes and an appendix. */
export function formatDebugId(uuid: Uint8Array, appendix = 0): string {
  const h = bytesToHex(uuid.subarray(0, 16)).padEnd(32, "0");
  const base = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return appendix > 0 ? `${base}-${(appendix >>> 0).toString(16)}` : base;
}

/**
 * Reorders a Microsoft GUID (fields 1-3 little-endian) into UUID byte order: reverse bytes 0-3,
 * swap 4-5, swap 6-7, keep 8-15. The same swap turns a little-endian ELF build id into the id
 * Breakpad and Sentry expect.
 */
export function swapGuidFields(guid: Uint8Array): Uint8Array {
  const b = padTo16(guid);
  return Uint8Array.of(b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8, 16));
}

/** `DebugId::from_guid_age`: a GUID as stored by Microsoft tools plus its age. */
export function debugIdFromGuidAge(guid: Uint8Array, age: number): string {
  return formatDebugId(swapGuidFields(guid), age);
}

/** The first 16 bytes of `bytes`, zero-padded when shorter. */
export function padTo16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(bytes.subarray(0, 16));
  return out;
}

export function isNilUuid(uuid: Uint8Array): boolean {
  return uuid.every((b) => b === 0);
}

/** The debug id of an all-zero UUID, which sentry-cli reports as "missing debug identifier". */
export const NIL_DEBUG_ID = "00000000-0000-0000-0000-000000000000";

/**
 * ELF debug id from a build id (or the `.text` hash): first 16 bytes, zero-padded, with the GUID
 * swap for little-endian files so the id matches what Breakpad's processor computes.
 */
export function elfDebugId(identifier: Uint8Array, littleEndian: boolean): string {
  const bytes = padTo16(identifier);
  return formatDebugId(littleEndian ? swapGuidFields(bytes) : bytes);
}
