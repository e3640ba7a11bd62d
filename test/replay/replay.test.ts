/**
 * Replay tests (DESIGN.md rule 9): recorded histories of the shard and stream workflows must replay
 * on the current workflow code without non-determinism. A change that breaks them needs
 * `patched()` (or a new workflow type) before it ships, and a new recording afterwards.
 *
 * Record new fixtures on purpose only: `KSP_RECORD_HISTORIES=1 npx jest test/replay`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/process-batch';
import { createShardStarter } from '../../src/activities/shard-starter';
import { shardWorkflowId, streamWorkflowId } from '../../src/constants';
import { pauseShardSignal, resumeShardSignal, stopStreamSignal } from '../../src/workflows/messages';
import type { ShardWorkflowInput } from '../../src/workflows/shard';
import type { StreamWorkflowInput } from '../../src/workflows/stream';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, idle, result, testOptions } from '../helpers/fake-batches';
import { skipTime } from '../helpers/time';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');
const SHARD = path.join(FIXTURES, 'shard-workflow-v1.binpb');
const STREAM = path.join(FIXTURES, 'stream-workflow-v1.binpb');

const { History } = temporal.api.history.v1;

/** Histories are stored as binary protobuf: exact, and independent of JSON-mapping quirks. */
function encode(history: temporal.api.history.v1.IHistory): Uint8Array {
  return History.encode(history).finish();
}

/** A shard run that exercises every branch worth guarding: batches, retry, DLQ, pause, idle, continue-as-new. */
async function recordShardHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-shard';
  let calls = 0;
  const script = (i: ProcessBatchInput): ProcessBatchResult => {
    calls++;
    if (calls <= 2) return handled(calls * 10);
    if (calls <= 4 && !i.deadLetterOnFailure)
      return result({
        outcome: 'retry',
        checkpoint: i.checkpoint,
        fetched: 5,
        error: { type: 'Error', message: 'boom' },
      });
    if (i.deadLetterOnFailure)
      return result({
        outcome: 'dead-lettered',
        checkpoint: { sequenceNumber: `4959${'0'.repeat(50)}35` },
        fetched: 5,
        handled: 4,
        deadLettered: 1,
        error: { type: 'Error', message: 'boom' },
      });
    return calls < 9
      ? idle(i, 0)
      : handled(90, 10, { shardEnded: true, childShardIds: ['shardId-000000000009'] });
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: { processBatch: async (i: ProcessBatchInput) => script(i) },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId: null,
    options: testOptions({ retry: { maximumAttempts: 3, initialInterval: '1s' } }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: 'record-shard',
    args: [input],
  });
  await worker.runUntil(async () => {
    await skipTime(env, 60_000, 10_000);
    await handle.signal(pauseShardSignal, { reason: 'recording' });
    await skipTime(env, 60_000, 10_000);
    await handle.signal(resumeShardSignal);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

async function recordStreamHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-stream';
  const streamName = 'orders';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      describeStream: async () => ({
        streamName,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
        status: 'ACTIVE',
        shards: [
          { shardId: 'shardId-000000000000', parentShardIds: [], closed: true },
          { shardId: 'shardId-000000000001', parentShardIds: ['shardId-000000000000'], closed: false },
        ],
      }),
      startShardWorkflow: createShardStarter({ client: () => env.client, taskQueue: () => taskQueue }),
      processBatch: async (i: ProcessBatchInput) =>
        i.shardId.endsWith('0')
          ? handled(10, 10, { shardEnded: true })
          : i.checkpoint
            ? idle(i, 0)
            : handled(10),
    },
  });
  const input: StreamWorkflowInput = { options: testOptions({ streamName }), rediscoverIntervalMs: 60_000 };
  const handle = await env.client.workflow.start('streamWorkflow', {
    taskQueue,
    workflowId: streamWorkflowId(streamName),
    args: [input],
  });
  await worker.runUntil(async () => {
    await skipTime(env, 10 * 60_000, 60_000);
    await handle.signal(stopStreamSignal);
    await handle.result();
    await env.client.workflow.getHandle(shardWorkflowId(streamName, 'shardId-000000000001')).result();
  });
  return encode(await handle.fetchHistory());
}

describe('recorded histories replay on the current workflow code', () => {
  if (process.env.KSP_RECORD_HISTORIES === '1') {
    test('record fixtures', async () => {
      const env = await createTimeSkippingEnv();
      try {
        writeFileSync(SHARD, await recordShardHistory(env));
        writeFileSync(STREAM, await recordStreamHistory(env));
      } finally {
        await env.teardown();
      }
    });
    return;
  }

  test.each([
    ['shard workflow', SHARD, 'record-shard'],
    ['stream workflow', STREAM, streamWorkflowId('orders')],
  ])('%s', async (_name, file, workflowId) => {
    expect(existsSync(file)).toBe(true);
    const history = History.decode(readFileSync(file));
    expect(history.events?.length ?? 0).toBeGreaterThan(20);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: workflowBundlePath() } },
      history,
      workflowId,
    );
  });
});
