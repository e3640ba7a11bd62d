/**
 * Recorder of a shard whose stream workflow is gone (terminated or failed): its progress reports
 * and its shard-ended report find no workflow, and since the `report-to-missing-stream` patch the
 * shard logs them and reads on to its end. Recorded by
 * `KSP_RECORD_HISTORIES=shard-lost-stream npx jest test/replay`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { ShardWorkflowInput } from '../../src/workflows/shard';
import { workflowBundlePath } from '../helpers/bundle';
import { testOptions } from '../helpers/fake-batches';
import { MemoryDlq, MemoryShard, SHARD, memoryProcessBatch, poisonHandler } from '../helpers/memory-shard';

const { History } = temporal.api.history.v1;

export async function recordShardLostStreamHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-shard-lost-stream';
  const t0 = await env.currentTimeMs();
  const shard = new MemoryShard(30, () => new Date(t0));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      processBatch: memoryProcessBatch(
        env,
        shard,
        new MemoryDlq(),
        poisonHandler(() => false, [], { partial: true }),
      ),
    },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: SHARD,
    streamWorkflowId: 'ksp:orders:gone',
    // One batch per activity, as recorded (not the maxActivityLifetime default).
    options: testOptions({ maxActivityLifetime: 0, batchSize: 10, progressInterval: '100ms' }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  await worker.runUntil(handle.result());
  return History.encode(await handle.fetchHistory()).finish();
}
