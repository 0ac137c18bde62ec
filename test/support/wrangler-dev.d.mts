/** Types for wrangler-dev.mjs. */
import type { ChildProcess } from "node:child_process";

export const ROOT: string;
export const ADMIN_TOKEN: string;

export interface DevServer {
  url: string;
  port: number;
  /** Where wrangler's inspector listens (bench/load reads the Worker's heap through it). */
  inspectorPort: number;
  /** The process group of wrangler and its workerd children. */
  pgid: number;
  persistDir: string;
  log: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export interface StartOptions {
  /** Before wrangler's own flags, e.g. ["-c", "bench/upload/ceiling/wrangler.toml"]. */
  args?: string[];
  /** `--var NAME:value` each, after ADMIN_TOKEN (which they may override). */
  vars?: Record<string, string>;
  /** Default: a new temporary directory, which the caller removes. */
  persistDir?: string;
  /** Default: a free one. */
  port?: number;
  /** Where wrangler runs (its wrangler.toml); default the repository. */
  cwd?: string;
  /** Startup bound; default 90 s. */
  timeoutMs?: number;
  onSpawn?: (stop: (signal?: NodeJS.Signals) => Promise<void>) => void;
}

export function startDev(options?: StartOptions): Promise<DevServer>;
export function mintToken(
  server: { url: string },
  org: string,
  options?: { format?: "plain" | "sntrys"; adminToken?: string },
): Promise<string>;
export function freePort(): Promise<number>;
export function removeDir(dir: string): void;
export function stopGroup(child: ChildProcess, signal?: NodeJS.Signals): Promise<void>;
export function waitUntilUp(
  url: string,
  child: ChildProcess,
  log: () => string,
  options?: { what?: string; timeoutMs?: number },
): Promise<void>;
