/** Types for synthetic-elf.mjs (used by test/e2e/debuginfod.test.ts). */
export interface Server {
  url: string;
}
export interface UploadedSynthetic {
  buildId: string;
  checksum: string;
  keys: string[];
  uploaded: number;
  assembled: number;
}
/** Uploads a synthetic ELF of `size` bytes to acme/bench; writes it to `path` too when given. */
export function uploadSynthetic(
  server: Server,
  token: string,
  size: number,
  path?: string | null,
): Promise<UploadedSynthetic>;
/** The workerd processes of the `wrangler dev` listening on `port`: the proxy and the one running the Worker. */
export function workerdProcesses(port: number): { proxy: number; worker: number };
/** Resident set size of a process in MiB (from /proc). */
export function rssMiB(pid: number): number;
