/**
 * A queue message asking for the symcache of one debug file. It names the file only: the file's
 * Durable Object holds everything else and says whether the job is still wanted, which is what
 * makes redelivery harmless.
 */
export interface SymcacheJob {
  org: string;
  project: string;
  checksum: string;
}
