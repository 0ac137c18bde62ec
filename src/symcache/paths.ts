/**
 * symbolic's path rules (symbolic-common `src/path.rs`: `join_path` / `clean_path`), so that
 * `abs_path` matches what Sentry shows for the same debug file.
 */

function isWindowsDriveAbsolute(path: string): boolean {
  return /^[A-Za-z]:(?:[\\/]|$)/.test(path);
}

function isUncPath(path: string): boolean {
  return path.startsWith("\\\\") || path.startsWith("//");
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || isWindowsDriveAbsolute(path) || isUncPath(path);
}

function looksWindows(path: string): boolean {
  return path.includes("\\") || isWindowsDriveAbsolute(path) || isUncPath(path);
}

/** Joins `other` onto `base`; an absolute `other` (or `<...>`) wins, `\x` keeps a base drive. */
export function joinPath(base: string, other: string): string {
  if (other.startsWith("<") && other.endsWith(">")) return other;
  if (base === "") return other;
  if (other === "") return base;
  if (other.startsWith("\\") && !other.startsWith("\\\\") && /^[A-Za-z]:/.test(base)) {
    return base.slice(0, 2) + other;
  }
  if (isAbsolute(other)) return other;
  const sep = looksWindows(base) || looksWindows(other) ? "\\" : "/";
  const trimmed = base.endsWith("/") || base.endsWith("\\") ? base.slice(0, -1) : base;
  return `${trimmed}${sep}${other}`;
}

/** Removes `.` and empty segments and resolves `..` where a parent segment exists. */
export function cleanPath(path: string): string {
  if (path === "") return path;
  const windows = looksWindows(path);
  const sep = windows ? "\\" : "/";
  let prefix = "";
  let rest = path;
  if (isUncPath(path)) {
    prefix = sep + sep;
    rest = path.slice(2);
  } else if (/^[A-Za-z]:/.test(path)) {
    prefix = path.slice(0, 2);
    rest = path.slice(2);
    if (rest.startsWith("\\") || rest.startsWith("/")) {
      prefix += sep;
      rest = rest.slice(1);
    }
  } else if (path.startsWith("/") || path.startsWith("\\")) {
    prefix = sep;
    rest = path.slice(1);
  }
  const out: string[] = [];
  for (const segment of windows ? rest.split(/[\\/]/) : rest.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      const last = out[out.length - 1];
      if (last !== undefined && last !== "..") out.pop();
      else if (prefix === "") out.push("..");
      continue;
    }
    out.push(segment);
  }
  const joined = prefix + out.join(sep);
  return joined === "" ? "." : joined;
}

/** The part after the last `/` or `\`. */
export function basename(path: string): string {
  const at = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return at < 0 ? path : path.slice(at + 1);
}
