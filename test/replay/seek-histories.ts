/**
 * Recorders of the live-seek histories replayed by replay.test.ts: a shard workflow operated by
 * Updates (pause, seek while paused, resume, a rewind, a refused seek, stop), and a stream
 * workflow whose whole-stream seek re-reads a closed parent before its child.
 * Recorded by `KSP_RECORD_HISTORIES=shard-seek,stream-seek npx jest test/replay`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { plainClient } from '../helpers/time-skipping';
import {
  pauseShardUpdate,
  resumeShardUpdate,
  seekShardUpdate,
  stopShardUpdate,
} from '../../src/workflows/shard-messages';
import {
  pauseStreamUpdate,
  resumeStreamUpdate,
  seekStreamUpdate,
  stopStreamUpdate,
} from '../../src/workflows/stream-messages';
import { seq } from '../helpers/fake-batches';
import {
  MemoryDlq,
  memoryShardInput,
  memoryShardWorker,
  memoryProcessBatch,
  poisonHandler,
} from '../helpers/memory-shard';
import { SeekableShard } from '../helpers/seekable-shard';
import { CHILD, splitStreamWorker } from '../helpers/split-stream';
import { startStreamWorkflow } from '../helpers/stream-fixtures';

const { History } = temporal.api.history.v1;
const encode = (h: temporal.api.history.v1.IHistory): Uint8Array => History.encode(h).finish();
const ignore = (): null => null;

export async function recordShardSeekHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const t0 = (await env.currentTimeMs()) - 120_000;
  const shard = new SeekableShard(30, (i) => new Date(t0 + i * 1_000));
  const handler = poisonHandler((i) => i === 25, [], { throws: () => new Error('poison') });
  const taskQueue = 'record-shard-seek';
  const worker = await memoryShardWorker(env, taskQueue, {
    processBatch: memoryProcessBatch(env, shard, new MemoryDlq(), handler),
    streamRetention: async () => ({ retentionPeriodHours: 24 }),
  });
  // One batch per activity, as recorded (not the maxActivityLifetime default).
  const input = memoryShardInput({
    maxActivityLifetime: 0,
    batchSize: 10,
    retry: { maximumAttempts: 0, initialInterval: '10s' },
  });
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  await worker.runUntil(async () => {
    await env.sleep('1m'); // 0–19 handled, 20–29 failing on 25
    await handle.executeUpdate(seekShardUpdate, {
      args: [{ position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(25) } }],
    });
    await env.sleep('30s');
    await handle.executeUpdate(pauseShardUpdate, { args: [{ reason: 'recording' }] });
    await handle.executeUpdate(seekShardUpdate, {
      args: [{ position: { type: 'AT_TIMESTAMP', timestamp: new Date(t0 + 3_000).toISOString() } }],
    });
    const old = new Date(t0 - 48 * 3_600_000).toISOString();
    await handle
      .executeUpdate(seekShardUpdate, { args: [{ position: { type: 'AT_TIMESTAMP', timestamp: old } }] })
      .catch(ignore);
    await handle.executeUpdate('seek', { args: [{ position: { type: 'NOWHERE' } }] }).catch(ignore);
    await handle.executeUpdate(resumeShardUpdate);
    await env.sleep('30s');
    await handle.executeUpdate(seekShardUpdate, { args: [{ position: { type: 'LATEST' } }] });
    await env.sleep('10s');
    await handle.executeUpdate(stopShardUpdate);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

export async function recordStreamSeekHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-stream-seek';
  const streamName = 'orders';
  const handler = poisonHandler(() => false, [], { throws: () => new Error('never') });
  const { worker, t0 } = await splitStreamWorker(env, {
    taskQueue,
    streamName,
    client: plainClient(env),
    handler,
  });
  const handle = await startStreamWorkflow(env.client, taskQueue, streamName);
  await worker.runUntil(async () => {
    await env.sleep('30s');
    await handle.executeUpdate(pauseStreamUpdate, { args: [{ reason: 'recording' }] });
    await handle.executeUpdate(seekStreamUpdate, {
      args: [{ position: { type: 'AT_TIMESTAMP', timestamp: new Date(t0 + 5_000).toISOString() } }],
    });
    await handle
      .executeUpdate('seek', { args: [{ position: { type: 'LATEST' }, shardId: 'nope' }] })
      .catch(ignore);
    await env.sleep('10s');
    await handle.executeUpdate(resumeStreamUpdate);
    await env.sleep('1m');
    await handle.executeUpdate(seekStreamUpdate, {
      args: [{ position: { type: 'TRIM_HORIZON' }, shardId: CHILD }],
    });
    await env.sleep('10s');
    await handle.executeUpdate(stopStreamUpdate);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}
