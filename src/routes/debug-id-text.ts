/**
 * Debug ids as people and tools type them: hyphenated or not, any case, with or without the age
 * appendix (Breakpad writes 32 uppercase hex digits plus the age). The canonical form is the
 * lowercase hyphenated UUID, followed by `-<age hex>` only when the age is not zero.
 */
export function parseDebugId(text: string): string | null {
  const compact = text.trim().toLowerCase().replace(/-/g, "");
  if (!/^[0-9a-f]{32}[0-9a-f]{0,8}$/.test(compact)) return null;
  const uuid = compact.slice(0, 32);
  const age = parseInt(compact.slice(32) || "0", 16);
  const hyphenated = `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`;
  return age > 0 ? `${hyphenated}-${age.toString(16)}` : hyphenated;
}
