/**
 * What the stream workflow's tests feed it: shard reports and ledger entries as shards and the
 * reshard workflow send them, a stand-in for the discovery activity, and a worker whose shard
 * workflows are stand-ins.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ShardInfo } from '../../src/activities/stream/discovery';
import type { StartShardInput, StartShardResult } from '../../src/activities/stream/shard-starter';
import type { ReshardLedgerEntry } from '../../src/workflows/stream-messages';
import type { ShardStatus } from '../../src/workflows/shard-messages';
import { workflowBundlePath } from './bundle';

/** A shard's progress report: shard 0 of `orders`, running, 10 records handled. */
export function shardStatus(over: Partial<ShardStatus> = {}): ShardStatus {
  return {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    state: 'running',
    checkpoint: { sequenceNumber: '49590000000000000000000000000000000000000000000000000010' },
    attempt: 1,
    millisBehindLatest: 0,
    lastArrival: null,
    handled: 10,
    deadLettered: 0,
    batches: 1,
    bytes: 1000,
    lastError: null,
    pauseReason: null,
    run: 1,
    updatedAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

/** One completed count change, as the reshard workflow reports it. */
export function ledgerEntry(over: Partial<ReshardLedgerEntry> = {}): ReshardLedgerEntry {
  return {
    at: '2026-12-01T00:00:00.000Z',
    from: 1,
    to: 2,
    kind: 'count',
    method: 'UpdateShardCount',
    workflowId: 'ksp-reshard:orders:1',
    ...over,
  };
}

/** The describeStream activity of a stream whose ListShards answers `shards()`. */
export function describeStreamStandIn(streamName: string, shards: () => ShardInfo[]) {
  return async () => ({
    streamName,
    streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`,
    status: 'ACTIVE',
    shards: shards(),
  });
}

/**
 * A worker for stream workflows on `taskQueue`: discovery lists `shards()`, and starting a shard
 * workflow only calls `onStart` and reports the shard running (no shard workflow exists).
 */
export function standInStreamWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  streamName: string,
  shards: () => ShardInfo[],
  onStart: (input: StartShardInput) => void | Promise<void> = () => undefined,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      describeStream: describeStreamStandIn(streamName, shards),
      startShardWorkflow: async (input: StartShardInput): Promise<StartShardResult> => {
        await onStart(input);
        return { state: 'running', status: null };
      },
    },
  });
}
