/**
 * Recorders of the histories of workflows started by name with raw input (the --config JSON, as
 * `temporal workflow start` sends it), replayed by replay.test.ts: a stream that compiles its own
 * options and tags itself with KspStream (the `own-search-attributes` patch), stopped; a DLQ replay
 * stopped by its Update after one rejected by the validator.
 * Recorded by `KSP_RECORD_HISTORIES=stream-raw,dlq-replay-update npx jest test/replay`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { streamWorkflowId } from '../../src/constants';
import { emptyCounts } from '../../src/dlq/replay-contract';
import { stopDlqReplayUpdate } from '../../src/workflows/dlq-replay-messages';
import { shardProgressSignal, stopStreamSignal } from '../../src/workflows/stream-messages';
import { workflowBundlePath } from '../helpers/bundle';
import { shardStatus, standInStreamWorker } from '../helpers/stream-fixtures';
import { skipTime } from '../helpers/time';

const encode = (history: temporal.api.history.v1.IHistory): Uint8Array =>
  temporal.api.history.v1.History.encode(history).finish();

/** A stream started by name with raw options and no search attributes, then stopped. */
export async function recordStreamRawHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-stream-raw';
  const streamName = 'orders';
  const shardId = 'shardId-000000000000';
  const worker = await standInStreamWorker(env, taskQueue, streamName, () => [
    { shardId, parentShardIds: [], closed: false },
  ]);
  const handle = await env.client.workflow.start('streamWorkflow', {
    taskQueue,
    workflowId: streamWorkflowId(streamName),
    args: [
      {
        options: {
          streamName,
          dlqQueueUrl: 'http://127.0.0.1:1/000000000000/orders-dlq',
          progressInterval: '1s',
          retry: { maximumAttempts: 5 },
        },
        rediscoverInterval: '1m',
      },
    ],
  });
  await worker.runUntil(async () => {
    await skipTime(env, 10_000, 10_000);
    await handle.signal(stopStreamSignal);
    await skipTime(env, 10_000, 10_000);
    const stopped = shardStatus({
      streamName,
      shardId,
      state: 'stopped',
      checkpoint: { sequenceNumber: '10' },
    });
    await handle.signal(shardProgressSignal, stopped);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

/** A DLQ replay started by name with raw options, a rejected stop Update, then a stop Update. */
export async function recordDlqReplayUpdateHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-dlq-replay-update';
  let calls = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      replayDlqBatch: async () => {
        calls++;
        return { counts: emptyCounts(), held: [], retryAt: null, idleMs: 1_000, lastError: null };
      },
      releaseDlqMessages: async () => 0,
    },
  });
  const handle = await env.client.workflow.start('dlqReplayWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [
      {
        options: {
          queueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
          emptyGracePeriod: '1h',
          receiveWait: '1s',
        },
      },
    ],
  });
  await worker.runUntil(async () => {
    while (calls < 3) await new Promise((r) => setTimeout(r, 50));
    await handle.executeUpdate('stop', { args: ['now'] }).catch(() => undefined);
    await handle.executeUpdate(stopDlqReplayUpdate);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}
