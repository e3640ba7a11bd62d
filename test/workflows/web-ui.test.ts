/**
 * What the Web UI shows of a shard workflow, on the real time-skipping test server with the batch
 * activity scripted: the KspMillisBehind upserts follow the bounded-rate rule of lag-attribute.ts
 * over simulated minutes, each batch activity carries its summary, the Current Details (what the
 * UI's `__temporal_workflow_metadata` query returns) follow the state, and the starts made by
 * the `ksp` client and the shard starter carry their summary and details.
 */
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createShardStarter } from '../../src/activities/stream/shard-starter';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { startStream } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import { stopShardSignal } from '../../src/workflows/shard-messages';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, idle, result, testOptions } from '../helpers/fake-batches';
import { useTimeSkipping } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const { env, plainClient } = useTimeSkipping();
let queueCounter = 0;

async function withWorker<T>(
  script: (input: ProcessBatchInput, i: number) => ProcessBatchResult,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `web-ui-test-${++queueCounter}`;
  let n = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: { processBatch: async (input: ProcessBatchInput) => script(input, n++) },
  });
  return worker.runUntil(body(taskQueue));
}

function shardInput(options: Record<string, unknown> = {}): ShardWorkflowInput {
  return {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId: null,
    options: testOptions(options),
    startPosition: { type: 'TRIM_HORIZON' },
  };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A json/plain payload's value. */
function decode(payload: temporal.api.common.v1.IPayload | null | undefined): unknown {
  return payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;
}

/** The KspMillisBehind values the workflow upserted, with the workflow time (ms) of each. */
function lagUpserts(events: HistoryEvent[]): [number, unknown][] {
  const out: [number, unknown][] = [];
  for (const e of events) {
    const field =
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.KspMillisBehind;
    const ms = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    if (field) out.push([ms, decode(field)]);
  }
  return out;
}

test('KspMillisBehind follows the bounded-rate rule; each batch activity says what it reads', async () => {
  // Prepare: one poll every 45 s of workflow time (idle results wait out maxPollWait), with these lags.
  const lags = [0, 400, 5_000, 7_000, 70_000, 0, 20_000, 20_000, ...Array<number>(14).fill(25_000)];
  const { events } = await withWorker(
    (input, i) =>
      i < lags.length
        ? result({ ...idle(input), millisBehindLatest: lags[i] ?? 0 })
        : handled(10, 10, { shardEnded: true, millisBehindLatest: 0 }),
    async (taskQueue) => {
      const handle = await env.client.workflow.start<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>(
        'shardWorkflow',
        { taskQueue, workflowId: `web-ui-lag-${taskQueue}`, args: [shardInput({ maxPollWait: '45s' })] },
      );
      await handle.result();
      return { events: (await handle.fetchHistory()).events ?? [] };
    },
  );
  // Assess, by the poll each upsert followed (poll i runs at about 45·i s): 0 at once (poll 0);
  // 400 ms is 0; 5 s at 90 s, a bucket up (poll 2); 7 s same bucket; 70 s (poll 4); back to 0 at
  // once (poll 5); 20 s too soon after it (poll 6), so at poll 7; 25 s in the same bucket only
  // after the 10 min refresh (poll 21, 945 s); the shard's end reports 0 (poll 22).
  const upserts = lagUpserts(events);
  const start = upserts[0]?.[0] ?? 0;
  expect(upserts.map(([t, v]) => [Math.round((t - start) / 45_000), v])).toEqual([
    [0, 0],
    [2, 5_000],
    [4, 70_000],
    [5, 0],
    [7, 20_000],
    [21, 25_000],
    [22, 0],
  ]);
  const summaries = events
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => decode(e.userMetadata?.summary));
  expect(summaries).toHaveLength(lags.length + 1);
  expect(
    summaries.every((s) => s === 'processBatch shardId-000000000000 from TRIM_HORIZON, ≤100 records'),
  ).toBe(true);
});

test('a shard read to its end clears its lag, so lag queries stop listing it', async () => {
  const events = await withWorker(
    (input, i) =>
      i === 0
        ? result({ ...idle(input), millisBehindLatest: 30_000 })
        : handled(10, 10, { shardEnded: true, millisBehindLatest: 30_000 }),
    async (taskQueue) => {
      const handle = await env.client.workflow.start<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>(
        'shardWorkflow',
        { taskQueue, workflowId: `web-ui-end-${taskQueue}`, args: [shardInput({ maxPollWait: '45s' })] },
      );
      await handle.result();
      return (await handle.fetchHistory()).events ?? [];
    },
  );
  expect(lagUpserts(events).map(([, v]) => v)).toEqual([30_000, 0]);
});

test('the Current Details follow the shard: lag and counts after a batch, then the retry and its error', async () => {
  const options = { retry: { maximumAttempts: 5, initialInterval: '1h', maximumInterval: '1h' } };
  await withWorker(
    (input, i) =>
      i === 0
        ? handled(10, 10, { millisBehindLatest: 12_000 })
        : result({
            outcome: 'retry',
            checkpoint: input.checkpoint,
            fetched: 3,
            failure: 'batch',
            error: { type: 'Error', message: 'sink unavailable' },
            millisBehindLatest: 12_000,
          }),
    async (taskQueue) => {
      const handle = await plainClient.workflow.start('shardWorkflow', {
        taskQueue,
        workflowId: `web-ui-details-${taskQueue}`,
        args: [shardInput(options)],
      });
      // The UI's own query; time does not skip here, so the workflow waits in its 1 h backoff.
      const details = await waitFor(
        async () => {
          const metadata = await handle.query<temporal.api.sdk.v1.IWorkflowMetadata>(
            '__temporal_workflow_metadata',
          );
          return metadata.currentDetails?.includes('**Last error**') ? metadata.currentDetails : null;
        },
        { timeoutMs: 20_000, what: 'the retry in the Current Details' },
      );
      expect(details.split('\n')).toEqual([
        '**running** · **12s behind** the tip (12000 ms)',
        expect.stringMatching(/^\*\*Checkpoint\*\* `4959\d+`, moved /),
        '**Handled** 10 · dead-lettered 0 · filtered out 0 · 2 batches · 1000 bytes',
        '**Retrying**: attempt 2 of the record after the checkpoint',
        expect.stringMatching(/^\*\*Last error\*\* \(.*\): `Error`: sink unavailable$/),
      ]);
      const history = (await handle.fetchHistory()).events ?? [];
      const summaries = history
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => decode(e.userMetadata?.summary));
      expect(summaries[1]).toMatch(/^processBatch shardId-000000000000 after 4959\d+, ≤100 records$/);
      await handle.signal(stopShardSignal);
      await env.client.workflow.getHandle(handle.workflowId).result();
    },
  );
});

test('starts by the ksp client and by the shard starter carry a summary and markdown details', async () => {
  const options = testOptions({ streamName: 'web-ui-orders' });
  const { handle } = await startStream(plainClient, 'no-worker-queue', { options });
  const stream = await handle.describe();
  expect(await stream.staticSummary()).toBe(
    'Kinesis stream web-ui-orders: one shard workflow per shard, from TRIM_HORIZON',
  );
  expect(await stream.staticDetails()).toContain(
    '**Handler**: the `KSP_HANDLER` module of the workers on task queue `no-worker-queue`',
  );

  const startShard = createShardStarter({
    client: () => plainClient,
    taskQueue: () => 'no-worker-queue',
    handlerName: './dist/my-handler.js (native)',
  });
  await startShard({
    streamName: 'web-ui-orders',
    shardId: 'shardId-000000000003',
    options,
    startPosition: { type: 'LATEST' },
    paused: false,
    pauseReason: null,
  });
  const shard = await plainClient.workflow
    .getHandle(shardWorkflowId('web-ui-orders', 'shardId-000000000003'))
    .describe();
  expect(await shard.staticSummary()).toBe(
    'Kinesis web-ui-orders / shardId-000000000003: handler ./dist/my-handler.js (native), from LATEST',
  );
  expect(await shard.staticDetails()).toContain('**Shard** `shardId-000000000003` of stream `web-ui-orders`');
  await Promise.all([handle.terminate(), plainClient.workflow.getHandle(shard.workflowId).terminate()]);
});
