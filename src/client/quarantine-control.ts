/**
 * Per-key quarantine from the client side: which shard workflows hold quarantined keys (the
 * KspQuarantined search attribute), and releasing keys by name (hashed here, as the shards keep
 * them; see src/activities/shard/key-hash.ts).
 */
import type { Client } from '@temporalio/client';
import { partitionKeyHash } from '../activities/shard/key-hash';
import { type ShardStatus, shardStatusQuery } from '../workflows/shard-messages';
import { releaseKeysSignal } from '../workflows/shard-quarantine-messages';

export interface QuarantineHolder {
  workflowId: string;
  streamName: string;
  shardId: string;
  /** Hashes of the quarantined keys. */
  keyHashes: string[];
}

export { partitionKeyHash };

function holdersQuery(streamName?: string): string {
  const stream = streamName ? ` AND KspStream = '${streamName.replace(/'/g, '')}'` : '';
  return `KspQuarantined > 0 AND ExecutionStatus = 'Running'${stream}`;
}

/** Running shard workflows that hold quarantined keys, with the keys (hashes) each holds. */
export async function listQuarantine(client: Client, streamName?: string): Promise<QuarantineHolder[]> {
  const holders: QuarantineHolder[] = [];
  for await (const wf of client.workflow.list({ query: holdersQuery(streamName) })) {
    const status = await client.workflow.getHandle(wf.workflowId).query<ShardStatus>(shardStatusQuery);
    const keyHashes = status.quarantinedKeys ?? [];
    if (keyHashes.length === 0) continue;
    holders.push({
      workflowId: wf.workflowId,
      streamName: status.streamName,
      shardId: status.shardId,
      keyHashes,
    });
  }
  return holders;
}

/**
 * Releases keys (given as keys or as hashes) in every running shard workflow that holds one of
 * them; returns the shards told and the hashes each released.
 */
export async function releaseQuarantine(
  client: Client,
  keys: { partitionKeys?: readonly string[]; keyHashes?: readonly string[] },
  streamName?: string,
): Promise<Array<{ workflowId: string; shardId: string; released: string[] }>> {
  const hashes = new Set([...(keys.keyHashes ?? []), ...(keys.partitionKeys ?? []).map(partitionKeyHash)]);
  const told: Array<{ workflowId: string; shardId: string; released: string[] }> = [];
  for (const holder of await listQuarantine(client, streamName)) {
    const released = holder.keyHashes.filter((h) => hashes.has(h));
    if (released.length === 0) continue;
    await client.workflow.getHandle(holder.workflowId).signal(releaseKeysSignal, { keyHashes: released });
    told.push({ workflowId: holder.workflowId, shardId: holder.shardId, released });
  }
  return told;
}
