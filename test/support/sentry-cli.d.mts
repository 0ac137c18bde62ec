/** Types for sentry-cli.mjs. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface CliOptions {
  /** Added to PATH, HOME and SENTRY_DISABLE_UPDATE_CHECK=1 (nothing else of this process's environment). */
  env?: Record<string, string>;
  /** Killed and rejected after this long; default 150 s. */
  timeoutMs?: number;
  onSpawn?: (kill: () => void) => void;
}

export function sentryCli(args: string[], options?: CliOptions): Promise<CliResult>;

export function uploadArgs(o: {
  url: string;
  token: string;
  project: string;
  path: string;
  /** Default "acme". */
  org?: string;
  wait?: boolean;
  global?: string[];
  extra?: string[];
}): string[];
