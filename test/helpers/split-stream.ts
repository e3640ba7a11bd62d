/**
 * A stream split once, for the whole-stream seek test and the history it records: the parent shard
 * written at t0…t0+9s (10 records) and closed with its child, written to from t0+20s on (5 records),
 * with t0 an hour ago. Its worker runs the stream workflow with the real shard starter, shard
 * workflows and batch activity over in-memory shards that honour start positions.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { BatchHandler } from '../../src/handler/contract';
import { MemoryDlq, memoryProcessBatch } from './memory-shard';
import { SeekableShard } from './seekable-shard';
import { memoryStreamWorker } from './stream-fixtures';

export const PARENT = 'shardId-000000000000';
export const CHILD = 'shardId-000000000001';

export interface SplitStream {
  worker: Worker;
  /** When the parent's first record arrived (ms). */
  t0: number;
}

export async function splitStreamWorker(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; streamName: string; client: Client; handler: BatchHandler },
): Promise<SplitStream> {
  const { taskQueue, streamName, client, handler } = options;
  const t0 = (await env.currentTimeMs()) - 3_600_000;
  const parent = new SeekableShard(10, (i) => new Date(t0 + i * 1_000));
  parent.closedWith = [CHILD];
  const child = new SeekableShard(5, (i) => new Date(t0 + 20_000 + i * 1_000));
  const worker = await memoryStreamWorker(env, {
    taskQueue,
    streamName,
    client,
    shards: [
      { shardId: PARENT, parentShardIds: [], closed: true },
      { shardId: CHILD, parentShardIds: [PARENT], closed: false },
    ],
    batches: {
      [PARENT]: memoryProcessBatch(env, parent, new MemoryDlq(), handler),
      [CHILD]: memoryProcessBatch(env, child, new MemoryDlq(), handler),
    },
  });
  return { worker, t0 };
}
