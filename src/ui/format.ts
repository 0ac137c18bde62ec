/** How the page writes sizes, times and the service's own words. Pure. */
import type { FileFormat, ObjectKind } from "../common/debug-file";

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date: short enough for a table cell. */
export function timeAgo(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "unknown";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 30) return `${days} day${days === 1 ? "" : "s"} ago`;
  return iso.slice(0, 10);
}

/** "2026-01-05 14:03 UTC": the exact time, for titles and the file page. */
export function utcTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** symbolic's format names as people say them. */
export const FORMAT_LABEL: Record<FileFormat, string> = {
  elf: "ELF",
  macho: "Mach-O",
  pe: "PE",
  pdb: "PDB",
  breakpad: "Breakpad",
  wasm: "WebAssembly",
  portablepdb: "Portable PDB",
  sourcebundle: "Source bundle",
  bcsymbolmap: "BCSymbolMap",
  uuidmap: "UUID map",
};

/** sentry-cli's words for an object kind ("debug companion", "library"...). */
export const KIND_LABEL: Record<ObjectKind, string> = {
  none: "unknown",
  rel: "object file",
  exe: "executable",
  lib: "library",
  dump: "core dump",
  dbg: "debug companion",
  src: "source bundle",
  other: "other",
};

export const FEATURE_LABEL: Record<string, string> = {
  symtab: "symbols",
  debug: "debug info",
  unwind: "unwind",
  sources: "sources",
};

/** The first 8 characters of an id, for narrow cells (the whole id is in the title and the file page). */
export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}
