/**
 * No signal payload wedges the stream workflow (DESIGN.md rule 10, issue 15 finding 1): each bad
 * payload is sent by signal NAME through a raw client handle, as `temporal workflow signal --name
 * … --input …` would send it. The workflow logs and drops it: no workflow task fails, `status`
 * answers, nothing malformed reaches its state, and `stop` still completes the run.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { StartShardInput } from '../../src/activities/stream/shard-starter';
import { streamWorkflowId } from '../../src/constants';
import { ErrorType } from '../../src/errors';
import type { StreamStatus } from '../../src/workflows/stream-messages';
import type { ShardStatus } from '../../src/workflows/shard-messages';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { workflowBundlePath } from '../helpers/bundle';
import { testOptions } from '../helpers/fake-batches';
import { shardStatus, standInStreamWorker } from '../helpers/stream-fixtures';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const { EventType } = temporal.api.enums.v1;
const SHARD = 'shardId-000000000000';

let env: TestWorkflowEnvironment;
let n = 0;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});

afterAll(async () => {
  await env?.teardown();
});

function progress(over: Partial<ShardStatus> = {}): ShardStatus {
  return shardStatus({
    streamName: 'x',
    shardId: SHARD,
    checkpoint: { sequenceNumber: '1' },
    handled: 1,
    ...over,
  });
}

/**
 * One stream of `shardIds` (one by default; their workflows stand-ins that report nothing by
 * themselves); `body` sends signals by name through an untyped handle. Afterwards: no failed
 * workflow task in the history, and `stop` (plus each shard's stopped report) completes the run.
 */
async function withStream(
  body: (t: {
    signal: (name: string, ...args: unknown[]) => Promise<void>;
    status: () => Promise<StreamStatus>;
    started: StartShardInput[];
  }) => Promise<void>,
  shardIds: string[] = [SHARD],
): Promise<StreamWorkflowResult> {
  const id = ++n;
  const streamName = `bad-signals-${id}`;
  const taskQueue = `stream-bad-signals-${id}`;
  const started: StartShardInput[] = [];
  const listed = shardIds.map((shardId) => ({ shardId, parentShardIds: [], closed: false }));
  const worker = await standInStreamWorker(
    env,
    taskQueue,
    streamName,
    () => listed,
    (i) => {
      started.push(i);
    },
  );
  return worker.runUntil(async () => {
    const workflowId = streamWorkflowId(streamName);
    await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
      'streamWorkflow',
      {
        taskQueue,
        workflowId,
        args: [{ options: testOptions({ streamName }), rediscoverIntervalMs: 3_600_000 }],
      },
    );
    // Untyped on purpose: what a user of the Temporal CLI can send.
    const raw = env.client.workflow.getHandle(workflowId);
    const status = (): Promise<StreamStatus> => raw.query<StreamStatus>('status');
    await waitFor(() => started.length === shardIds.length, { what: 'the shard workflows started' });
    try {
      await body({ signal: (name, ...args) => raw.signal(name, ...args), status, started });
      const failedTasks = (await raw.fetchHistory()).events?.filter(
        (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      );
      expect(failedTasks).toEqual([]);
      await raw.signal('stop');
      for (const shardId of shardIds)
        await raw.signal('shardProgress', progress({ shardId, state: 'stopped' }));
      const out = (await raw.result()) as StreamWorkflowResult;
      expect(Object.values(out.shards).map((s) => s.state)).toEqual(shardIds.map(() => 'stopped'));
      return out;
    } finally {
      const { status: closed } = await raw.describe();
      if (closed.name === 'RUNNING') await raw.terminate('test over');
    }
  });
}

test.each<[string, string, unknown[]]>([
  ['shardProgress with null', 'shardProgress', [null]],
  ['shardProgress with garbage', 'shardProgress', [{ shardId: SHARD, state: 'exploded', handled: 'many' }]],
  ['shardProgress with a bad checkpoint', 'shardProgress', [progress({ checkpoint: 'x' as never })]],
  ['shardEnded with null', 'shardEnded', [null]],
  [
    'shardEnded with children that are not a list',
    'shardEnded',
    [{ shardId: SHARD, checkpoint: null, childShardIds: 'abc' }],
  ],
  ['reshardCompleted with null', 'reshardCompleted', [null]],
  [
    'reshardCompleted with a bad date',
    'reshardCompleted',
    [{ at: 'soon', from: 1, to: 2, kind: 'count', method: 'UpdateShardCount', workflowId: 'w' }],
  ],
  ['pause with an object for a reason', 'pause', [{ reason: { a: 1 } }]],
  ['rediscover with arguments', 'rediscover', [{ now: true }, 42]],
])(
  '%s is logged and dropped: the workflow keeps running, status answers, stop completes',
  async (_name, signal, args) => {
    await withStream(async ({ signal: send, status }) => {
      await send(signal, ...args);
      const answer = await status();
      expect(answer.state).toBe('running');
      expect(answer.shards).toEqual([{ shardId: SHARD, state: 'running', parentShardIds: [] }]);
      expect(answer.reshards).toEqual([]);
      // The next good message still applies.
      await send('shardProgress', progress({ handled: 5 }));
      expect((await status()).totals.handled).toBe(5);
    });
  },
);

test('a pause whose reason is not a string is dropped; one with a string reason pauses', async () => {
  await withStream(async ({ signal, status }) => {
    await signal('pause', { reason: { a: 1 } });
    await signal('pause', 'maintenance');
    expect((await status()).state).toBe('running');
    await signal('pause', { reason: 'maintenance' });
    expect((await status()).state).toBe('paused');
  });
});

test('error messages are stored capped: two shards reporting 1.2 MB each in one batch leave status small', async () => {
  const shardIds = [SHARD, 'shardId-000000000001'];
  const failing = (shardId: string): ShardStatus =>
    progress({
      shardId,
      attempt: 2,
      lastError: { type: 'Error', message: 'x'.repeat(1_200_000), at: '2026-12-01T00:00:00.000Z' },
    });
  await withStream(async ({ signal, status }) => {
    await Promise.all(shardIds.map((shardId) => signal('shardProgress', failing(shardId))));
    const answer = await status();
    expect(JSON.stringify(answer).length).toBeLessThan(10_000);
    for (const shard of answer.shards as ShardStatus[]) {
      expect(shard.lastError?.type).toBe('Error');
      expect(shard.lastError?.message).toHaveLength(2048);
      expect(shard.lastError?.message.startsWith('xxxx')).toBe(true);
    }
  }, shardIds);
});

test('a start input of the wrong shape fails the run at once, naming the field, instead of wedging it', async () => {
  const taskQueue = `stream-bad-input-${++n}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {},
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('streamWorkflow', {
      taskQueue,
      workflowId: `bad-input-${n}`,
      args: [{ options: { streamName: 'orders' } }],
    });
    const failure = await handle.result().then(
      () => null,
      (err: unknown) => (err instanceof WorkflowFailedError ? err.cause : err),
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(ErrorType.Config);
    // Raw options (as in --config) are compiled by the workflow: records would be lost without a DLQ.
    expect((failure as ApplicationFailure).message).toContain(
      'streamWorkflow input: options.dlqQueueUrl: is missing while retry.maximumAttempts is 3',
    );
  });
});
