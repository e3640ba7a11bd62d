/**
 * After `ksp dlq replay --partition-key K`: when the replay drained the queue and every record of
 * K succeeded, K leaves the quarantine of every shard holding it, so its later records flow again
 * behind the replayed ones.
 */
import type { Client } from '@temporalio/client';
import type { CompiledDlqReplayOptions } from '../config/replay-options';
import type { DlqReplayResult } from '../workflows/dlq-replay-messages';
import { releaseQuarantine } from './quarantine-control';

export async function releaseReplayedKeys(
  client: Client,
  options: CompiledDlqReplayOptions,
  result: DlqReplayResult,
): Promise<Array<{ workflowId: string; shardId: string; released: string[] }>> {
  const keys = options.filters.partitionKeys;
  const { progress } = result;
  const allSucceeded =
    result.end === 'queue-empty' &&
    progress.failed === 0 &&
    progress.parked === 0 &&
    progress.records.failed === 0;
  if (keys.length === 0 || options.dryRun || options.mode !== 'handler' || !allSucceeded) return [];
  return releaseQuarantine(client, { partitionKeys: keys });
}
