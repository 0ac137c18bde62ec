/** Fans ownership reads and grants out to an organization's ledger shards. */
import type { Env } from "../env";
import type { OwnedChunk } from "./chunk-ledger";
import { chunkLedger } from "../durable-objects";
import { ledgerShard } from "./keys";

function byShard<T>(items: T[], sha1Of: (item: T) => string): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = ledgerShard(sha1Of(item));
    const group = groups.get(shard);
    if (group) group.push(item);
    else groups.set(shard, [item]);
  }
  return groups;
}

export async function grantOwnership(env: Env, org: string, chunks: OwnedChunk[]): Promise<void> {
  await Promise.all(
    [...byShard(chunks, (c) => c.sha1)].map(([shard, group]) => chunkLedger(env, org, shard).grant(group)),
  );
}

/** Map from chunk SHA-1 to size, for the chunks (of the unique set given) that `org` owns. */
export async function ownedChunkSizes(env: Env, org: string, sha1s: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(sha1s)];
  const answers = await Promise.all(
    [...byShard(unique, (s) => s)].map(([shard, group]) => chunkLedger(env, org, shard).owned(group)),
  );
  return new Map(answers.flat().map((c) => [c.sha1, c.size]));
}
