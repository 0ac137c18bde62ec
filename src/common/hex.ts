/** Lowercase hex of bytes: SHA digests, build ids, UUIDs before hyphenation. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
