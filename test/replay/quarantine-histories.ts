/**
 * Recorder of the per-key quarantine history replayed by replay.test.ts: a child shard started
 * holding a key inherited from its parents (as the shard starter starts it), records of that key
 * dead-lettered as KeyQuarantined, a malformed and a valid release signal, and a key quarantined
 * by the read that ends the shard (since the `final-quarantine-count` patch its count is
 * published as the run ends). Recorded by `KSP_RECORD_HISTORIES=shard-quarantine npx jest test/replay`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { partitionKeyHash } from '../../src/activities/shard/key-hash';
import type { BatchHandler } from '../../src/handler/contract';
import { releaseKeysSignal } from '../../src/workflows/shard-quarantine-messages';
import { initialShardState } from '../../src/workflows/shard-state';
import {
  MemoryDlq,
  MemoryShard,
  indexOf,
  memoryProcessBatch,
  memoryShardInput,
  memoryShardWorker,
  poisonHandler,
} from '../helpers/memory-shard';

const { History } = temporal.api.history.v1;

export async function recordShardQuarantineHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-shard-quarantine';
  const t0 = await env.currentTimeMs();
  // 20 records of key-0…key-6; key-3 is inherited, 15 (key-1) is poison and read by the last read.
  const shard = new MemoryShard(20, () => new Date(t0));
  const poison = poisonHandler((i) => i === 15, [], { partial: true });
  const handle = env.client.workflow.getHandle(taskQueue);
  let released = false;
  const handler: BatchHandler = async (records, context) => {
    if (!released && records.some((r) => indexOf(r) >= 10)) {
      released = true; // while the second batch is in flight
      await handle.signal('releaseQuarantinedKeys', { keyHashes: 'key-3' });
      await handle.signal(releaseKeysSignal, { keyHashes: [partitionKeyHash('key-3')] });
    }
    return poison(records, context);
  };
  const worker = await memoryShardWorker(env, taskQueue, {
    processBatch: memoryProcessBatch(env, shard, new MemoryDlq(), handler),
  });
  // One batch per activity, as recorded (not the maxActivityLifetime default).
  const input = memoryShardInput(
    {
      maxActivityLifetime: 0,
      batchSize: 10,
      quarantineKeys: true,
      retry: { maximumAttempts: 2, initialInterval: '1s' },
    },
    { state: { ...initialShardState(), quarantinedKeys: [partitionKeyHash('key-3')] } },
  );
  await env.client.workflow.start('shardWorkflow', { taskQueue, workflowId: taskQueue, args: [input] });
  await worker.runUntil(handle.result());
  return History.encode(await handle.fetchHistory()).finish();
}
