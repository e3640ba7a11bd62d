/**
 * Recorder of a shard whose stream workflow is gone (terminated or failed): its progress reports
 * and its shard-ended report find no workflow, and since the `report-to-missing-stream` patch the
 * shard logs them and reads on to its end. Recorded by
 * `KSP_RECORD_HISTORIES=shard-lost-stream npx jest test/replay`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import {
  MemoryDlq,
  MemoryShard,
  memoryShardInput,
  memoryShardWorker,
  memoryProcessBatch,
  poisonHandler,
} from '../helpers/memory-shard';

const { History } = temporal.api.history.v1;

export async function recordShardLostStreamHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-shard-lost-stream';
  const t0 = await env.currentTimeMs();
  const shard = new MemoryShard(30, () => new Date(t0));
  const worker = await memoryShardWorker(env, taskQueue, {
    processBatch: memoryProcessBatch(
      env,
      shard,
      new MemoryDlq(),
      poisonHandler(() => false, [], { partial: true }),
    ),
  });
  // One batch per activity, as recorded (not the maxActivityLifetime default).
  const input = memoryShardInput(
    { maxActivityLifetime: 0, batchSize: 10, progressInterval: '100ms' },
    { streamWorkflowId: 'ksp:orders:gone' },
  );
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  await worker.runUntil(handle.result());
  return History.encode(await handle.fetchHistory()).finish();
}
