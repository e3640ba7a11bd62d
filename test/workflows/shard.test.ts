/**
 * Shard workflow logic on the real time-skipping test server, with the batch activity scripted.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import {
  DEFAULT_PAUSE_REASON,
  MAX_PAUSE_REASON_LENGTH,
  type ShardStatus,
  pauseShardSignal,
  resumeShardSignal,
  shardStatusQuery,
  stopShardSignal,
} from '../../src/workflows/shard-messages';
import { workflowBundlePath } from '../helpers/bundle';
import { deadLetteredOne, handled, idle, result, seq, testOptions } from '../helpers/fake-batches';
import { useTimeSkipping } from '../helpers/time-skipping';
import { skipTime } from '../helpers/time';

const { env } = useTimeSkipping();
let queueCounter = 0;

interface Call {
  input: ProcessBatchInput;
  at: number;
}

/** Runs a worker whose processBatch answers from `script` (called with the input and call index). */
async function withWorker<T>(
  script: (input: ProcessBatchInput, i: number) => ProcessBatchResult | Promise<ProcessBatchResult>,
  body: (taskQueue: string, calls: Call[]) => Promise<T>,
): Promise<T> {
  const taskQueue = `shard-test-${++queueCounter}`;
  const calls: Call[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      processBatch: async (input: ProcessBatchInput) => {
        calls.push({ input, at: await env.currentTimeMs() });
        return script(input, calls.length - 1);
      },
    },
  });
  return worker.runUntil(body(taskQueue, calls));
}

function input(
  over: Partial<ShardWorkflowInput> = {},
  options: Record<string, unknown> = {},
): ShardWorkflowInput {
  return {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId: null,
    options: testOptions(options),
    startPosition: { type: 'TRIM_HORIZON' },
    ...over,
  };
}

async function start(taskQueue: string, args: ShardWorkflowInput) {
  return env.client.workflow.start<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>('shardWorkflow', {
    taskQueue,
    workflowId: `shard-${taskQueue}`,
    args: [args],
  });
}

test('the checkpoint advances batch by batch and the shard end completes the workflow', async () => {
  // Prepare
  const script = [
    handled(10),
    handled(20),
    handled(30, 10, { shardEnded: true, childShardIds: ['shardId-000000000004'] }),
  ];
  // Act
  const { out, calls } = await withWorker(
    (_, i) => script[i] ?? result({ outcome: 'idle' }),
    async (tq, calls) => ({ out: await (await start(tq, input())).result(), calls }),
  );
  // Assess
  expect(calls.map((c) => c.input.checkpoint)).toEqual([
    null,
    { sequenceNumber: seq(10) },
    { sequenceNumber: seq(20) },
  ]);
  expect(out.reason).toBe('shard-ended');
  expect(out.status).toMatchObject({
    state: 'finished',
    checkpoint: { sequenceNumber: seq(30) },
    handled: 30,
    batches: 3,
  });
});

test('a stream workflow that is gone does not fail its shards: reports are logged, the shard reads to its end', async () => {
  // Prepare: the shard reports to a stream workflow that does not exist (terminated, or failed)
  const script = [
    handled(10),
    handled(20, 10, { shardEnded: true, childShardIds: ['shardId-000000000004'] }),
  ];
  // Act
  const { out, calls } = await withWorker(
    (_, i) => script[i] ?? result({ outcome: 'idle' }),
    async (tq, calls) => ({
      out: await (
        await start(tq, input({ streamWorkflowId: `no-such-stream-${tq}` }, { progressInterval: '100ms' }))
      ).result(),
      calls,
    }),
  );
  // Assess
  expect(calls).toHaveLength(2);
  expect(out).toMatchObject({ reason: 'shard-ended', status: { state: 'finished', handled: 20 } });
});

test('a failing batch is retried with exponential backoff, then dead-lettered on the last attempt', async () => {
  // Prepare: maximumAttempts 3, backoff 1s ×2
  const options = {
    retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  };
  const failing = (i: ProcessBatchInput): ProcessBatchResult =>
    i.deadLetterOnFailure
      ? deadLetteredOne(10)
      : result({
          outcome: 'retry',
          checkpoint: i.checkpoint,
          fetched: 10,
          error: { type: 'Error', message: 'poison' },
        });
  // Act
  const { out, calls } = await withWorker(
    (i, n) => (n < 3 ? failing(i) : handled(20, 10, { shardEnded: true })),
    async (tq, calls) => ({ out: await (await start(tq, input({}, options))).result(), calls }),
  );
  // Assess
  expect(calls.map((c) => [c.input.attempt, c.input.deadLetterOnFailure])).toEqual([
    [1, false],
    [2, false],
    [3, true],
    [1, false],
  ]);
  const gaps = calls.slice(1, 3).map((c, i) => c.at - (calls[i] as Call).at);
  expect(gaps[0]).toBeGreaterThanOrEqual(1_000);
  expect(gaps[1]).toBeGreaterThanOrEqual(2_000);
  expect(out.status).toMatchObject({ deadLettered: 1, handled: 19, checkpoint: { sequenceNumber: seq(20) } });
});

test('a partial failure keeps the handled prefix and retries from the first failed record', async () => {
  const { calls } = await withWorker(
    (i, n) =>
      n === 0
        ? result({
            outcome: 'retry',
            checkpoint: { sequenceNumber: seq(4) },
            fetched: 10,
            handled: 4,
            error: { type: 'BatchItemFailures', message: '1 failed' },
          })
        : handled(10, 6, { shardEnded: true }),
    async (tq, calls) => {
      await (await start(tq, input())).result();
      return { calls };
    },
  );
  expect(calls[1]?.input).toMatchObject({ checkpoint: { sequenceNumber: seq(4) }, attempt: 2 });
});

test('pause stops polling until resume; the checkpoint is kept', async () => {
  await withWorker(
    (i, n) => (n < 2 ? handled((n + 1) * 10) : idle(i)),
    async (tq, calls) => {
      const handle = await start(tq, input());
      await env.sleep('10s');
      await handle.signal(pauseShardSignal, { reason: 'maintenance' });
      await env.sleep('1m');
      const paused = await handle.query(shardStatusQuery);
      const callsWhilePaused = calls.length;
      await skipTime(env, 3_600_000);
      expect(calls.length).toBe(callsWhilePaused);
      expect(paused).toMatchObject({
        state: 'paused',
        pauseReason: 'maintenance',
        checkpoint: { sequenceNumber: seq(20) },
      });
      await handle.signal(resumeShardSignal);
      await env.sleep('10s');
      expect(calls.length).toBeGreaterThan(callsWhilePaused);
      expect(calls[calls.length - 1]?.input.checkpoint).toEqual({ sequenceNumber: seq(20) });
      await handle.signal(stopShardSignal);
      const out = await handle.result();
      expect(out).toMatchObject({ reason: 'stopped', status: { checkpoint: { sequenceNumber: seq(20) } } });
    },
  );
});

test('continue-as-new carries the checkpoint and counters', async () => {
  const batches = 12;
  const out = await withWorker(
    (_, n) => handled((n + 1) * 10, 10, { shardEnded: n + 1 === batches }),
    async (tq) => (await start(tq, input({}, { maxHistoryEvents: 20 }))).result(),
  );
  expect(out.status.run).toBeGreaterThan(2);
  expect(out.status).toMatchObject({
    handled: batches * 10,
    batches,
    checkpoint: { sequenceNumber: seq(batches * 10) },
  });
});

test('an idle shard does not busy-loop: a skipped hour costs a handful of workflow tasks', async () => {
  // The scripted activity returns at once (as if a poll had been cut short); the workflow must
  // wait out the poll window itself rather than call again immediately.
  await withWorker(
    (i) => idle(i, 0),
    async (tq, calls) => {
      const handle = await start(tq, input({}, { maxPollWait: '5m' }));
      await skipTime(env, 3_600_000);
      const history = await handle.fetchHistory();
      const workflowTasks = (history.events ?? []).filter(
        (e) => e.workflowTaskCompletedEventAttributes,
      ).length;
      expect(calls.length).toBeLessThanOrEqual(13);
      expect(workflowTasks).toBeLessThanOrEqual(30);
      await handle.signal(stopShardSignal);
      await handle.result();
    },
  );
});

test('a failure no retry can fix pauses the shard with the reason; resume continues from the checkpoint', async () => {
  let broken = true;
  await withWorker(
    (i, n) => {
      if (n === 0) return handled(10);
      if (broken)
        throw ApplicationFailure.nonRetryable('stream "orders" does not exist', 'KspStreamNotFound');
      return handled(20, 10, { shardEnded: true });
    },
    async (tq, calls) => {
      const handle = await start(tq, input());
      await env.sleep('1m');
      const paused = await handle.query(shardStatusQuery);
      expect(paused).toMatchObject({ state: 'paused', checkpoint: { sequenceNumber: seq(10) } });
      expect(paused.pauseReason).toMatch(/KspStreamNotFound.*does not exist/);
      const callsWhilePaused = calls.length;
      await env.sleep('1h');
      expect(calls.length).toBe(callsWhilePaused);
      broken = false;
      await handle.signal(resumeShardSignal);
      const out = await handle.result();
      expect(out).toMatchObject({
        reason: 'shard-ended',
        status: { checkpoint: { sequenceNumber: seq(20) } },
      });
      expect(calls[calls.length - 1]?.input.checkpoint).toEqual({ sequenceNumber: seq(10) });
    },
  );
});

test('LATEST is pinned once as AT_TIMESTAMP, so a later batch or worker never jumps to a newer tip', async () => {
  const startedAt = await env.currentTimeMs();
  const { calls } = await withWorker(
    (i, n) => (n < 3 ? idle(i, 0) : handled(10, 10, { shardEnded: true })),
    async (tq, calls) => {
      await (
        await start(tq, input({ startPosition: { type: 'LATEST' } }, { maxHistoryEvents: 20 }))
      ).result();
      return { calls };
    },
  );
  const positions = calls.map((c) => c.input.startPosition);
  expect(new Set(positions.map((p) => JSON.stringify(p))).size).toBe(1);
  const pinned = positions[0];
  expect(pinned?.type).toBe('AT_TIMESTAMP');
  const at = pinned?.type === 'AT_TIMESTAMP' ? Date.parse(pinned.timestamp) : NaN;
  expect(at).toBeLessThanOrEqual(startedAt);
  expect(startedAt - at).toBeLessThan(60_000);
});

test('malformed signal payloads sent by name are logged and dropped: the shard keeps running and status answers', async () => {
  await withWorker(
    (i, n) => (n < 2 ? handled((n + 1) * 10) : idle(i)),
    async (tq, calls) => {
      const { workflowId } = await start(tq, input());
      // A raw handle, as `temporal workflow signal --name … --input …` would use.
      const raw = env.client.workflow.getHandle(workflowId);
      const status = (): Promise<ShardStatus> => raw.query<ShardStatus>('status');
      await env.sleep('10s');

      await raw.signal('pause', { reason: { a: 1 } });
      expect(await status()).toMatchObject({ state: 'paused', pauseReason: DEFAULT_PAUSE_REASON });
      await raw.signal('resume', { now: true });
      expect(await status()).toMatchObject({ state: 'running', pauseReason: null });
      await raw.signal('pause', null);
      expect(await status()).toMatchObject({ state: 'paused', pauseReason: DEFAULT_PAUSE_REASON });
      await raw.signal('pause', 'x'.repeat(1_000_000));
      expect((await status()).pauseReason).toBe(DEFAULT_PAUSE_REASON);
      await raw.signal('pause', { reason: 'y'.repeat(1_000_000) });
      const paused = await status();
      expect(paused.pauseReason).toHaveLength(MAX_PAUSE_REASON_LENGTH);
      expect(JSON.stringify(paused).length).toBeLessThan(2_000);

      await raw.signal('resume', 42);
      const callsBefore = calls.length;
      await env.sleep('10m');
      expect(calls.length).toBeGreaterThan(callsBefore);
      expect(await status()).toMatchObject({ state: 'running', checkpoint: { sequenceNumber: seq(20) } });

      await raw.signal('stop', ['unexpected']);
      const out = (await raw.result()) as ShardWorkflowResult;
      expect(out).toMatchObject({ reason: 'stopped', status: { checkpoint: { sequenceNumber: seq(20) } } });
      const events = (await raw.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    },
  );
});

test('a malformed input fails the workflow with a message naming the field, not its task in a loop', async () => {
  await withWorker(
    (i) => idle(i),
    async (tq, calls) => {
      const { options, ...rest } = input();
      const raw = await env.client.workflow.start('shardWorkflow', {
        taskQueue: tq,
        workflowId: `shard-${tq}`,
        args: [{ ...rest, options: { ...options, batchSize: 'lots' } }],
      });
      const failure = await raw.result().then(
        () => null,
        (err: unknown) => (err instanceof WorkflowFailedError ? err.cause : err),
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({
        type: 'KspConfigError',
        message: 'shard workflow input: input.options.batchSize is "lots": expected a number ≥ 0',
      });
      expect(calls).toHaveLength(0);
      const events = (await raw.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    },
  );
});
