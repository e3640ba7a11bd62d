/**
 * What the stream workflow's tests feed it: shard reports and ledger entries as shards and the
 * reshard workflow send them, a stand-in for the discovery activity, a worker whose shard
 * workflows are stand-ins, and one whose shard workflows are real over in-memory shards.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import type { ShardInfo } from '../../src/activities/stream/discovery';
import {
  type StartShardInput,
  type StartShardResult,
  createShardStarter,
  shardStartActivities,
} from '../../src/activities/stream/shard-starter';
import { streamWorkflowId } from '../../src/constants';
import type { ReshardLedgerEntry } from '../../src/workflows/stream-messages';
import type { StreamWorkflowInput } from '../../src/workflows/stream';
import type { ShardStatus } from '../../src/workflows/shard-messages';
import { workflowBundlePath } from './bundle';
import { testOptions } from './fake-batches';

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
      ...shardStartActivities(async (input: StartShardInput): Promise<StartShardResult> => {
        await onStart(input);
        return { state: 'running', status: null };
      }),
    },
  });
}

/**
 * A worker for stream workflows on `taskQueue` with the real shard starter (over `client`, a
 * plain one: see time-skipping.ts) and real shard workflows: discovery lists `shards`, and each
 * shard's batches go to its own activity (memoryProcessBatch over its in-memory shard).
 */
export function memoryStreamWorker(
  env: TestWorkflowEnvironment,
  opts: {
    taskQueue: string;
    streamName: string;
    client: Client;
    shards: ShardInfo[];
    batches: Record<string, (input: ProcessBatchInput) => Promise<ProcessBatchResult>>;
  },
): Promise<Worker> {
  const { taskQueue, client, batches } = opts;
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      describeStream: describeStreamStandIn(opts.streamName, () => opts.shards),
      ...shardStartActivities(createShardStarter({ client: () => client, taskQueue: () => taskQueue })),
      processBatch: (input: ProcessBatchInput) => {
        const processBatch = batches[input.shardId];
        if (!processBatch) throw new Error(`memoryStreamWorker: no batches for shard ${input.shardId}`);
        return processBatch(input);
      },
      streamRetention: async () => ({ retentionPeriodHours: 24 }),
    },
  });
}

/** Starts `streamName`'s stream workflow on `taskQueue`: test options, rediscovery every minute. */
export function startStreamWorkflow(client: Client, taskQueue: string, streamName: string) {
  const input: StreamWorkflowInput = { options: testOptions({ streamName }), rediscoverIntervalMs: 60_000 };
  return client.workflow.start('streamWorkflow', {
    taskQueue,
    workflowId: streamWorkflowId(streamName),
    args: [input],
  });
}
