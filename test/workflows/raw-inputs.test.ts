/**
 * Every workflow started by name with the JSON a user writes in `--config` (what
 * `temporal workflow start --input` sends): it compiles its own input with the one options module
 * — the same defaults and checks as `ksp` — sets its own KspStream search attribute, and a bad
 * input fails the run at once with KspConfigError naming the field, never a workflow task retried
 * forever. The stop Updates of the autoscale and DLQ replay workflows answer their state, and
 * their validators reject a payload before it enters history.
 */
import { WorkflowFailedError, type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import { compileStreamOptions } from '../../src/config/stream-options';
import { ErrorType } from '../../src/errors';
import type { StartShardInput } from '../../src/activities/stream/shard-starter';
import { type ReplayDlqBatchInput, emptyCounts } from '../../src/dlq/replay-contract';
import type { LoadSample } from '../../src/workflows/autoscale-load';
import { autoscaleStatusQuery, stopAutoscaleUpdate } from '../../src/workflows/autoscale-messages';
import { dlqReplayProgressQuery, stopDlqReplayUpdate } from '../../src/workflows/dlq-replay-messages';
import { KSP_STREAM } from '../../src/workflows/search-attributes';
import { streamStatusQuery } from '../../src/workflows/stream-messages';
import { failedWorkflowTasks } from '../helpers/bad-messages';
import { standInStreamWorker } from '../helpers/stream-fixtures';
import { useTimeSkipping } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const ts = useTimeSkipping();
const { env } = ts;
let n = 0;
const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';
const SHARDS = [{ shardId: 'shardId-000000000000', parentShardIds: [], closed: false }];

/** The failure a run ended with (its ApplicationFailure), checking that no workflow task failed. */
async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const error = await handle.result().then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(await failedWorkflowTasks(handle)).toEqual([]);
  return cause as ApplicationFailure;
}

/** The KspStream search attribute the run has, as the server lists it. */
async function kspStream(handle: WorkflowHandle): Promise<string | undefined> {
  const description = await handle.describe();
  return description.typedSearchAttributes.get(KSP_STREAM);
}

/** The names of the Updates a run accepted, from its history. */
async function acceptedUpdates(handle: WorkflowHandle): Promise<string[]> {
  const accepted = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED;
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === accepted)
    .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '?');
}

describe('streamWorkflow', () => {
  test.each<[string, (streamName: string) => unknown]>([
    [
      'wrapped, as in the README',
      (streamName) => ({
        options: { streamName, dlqQueueUrl: DLQ, maxPollWait: '30s', retry: { maximumAttempts: 5 } },
        rediscoverInterval: '1m',
      }),
    ],
    [
      'bare, the --config file itself',
      (streamName) => ({ streamName, dlqQueueUrl: DLQ, maxPollWait: '30s', retry: { maximumAttempts: 5 } }),
    ],
  ])(
    'a raw start (%s) runs with the options ksp start would compile, and tags itself',
    async (_name, raw) => {
      // Prepare
      const taskQueue = `raw-stream-${++n}`;
      const streamName = `raw-${n}`;
      const started: StartShardInput[] = [];
      const worker = await standInStreamWorker(
        env,
        taskQueue,
        streamName,
        () => SHARDS,
        (input) => {
          started.push(input);
        },
      );
      await worker.runUntil(async () => {
        // Act: what `temporal workflow start --type streamWorkflow --input '<json>'` sends.
        const handle = await env.client.workflow.start('streamWorkflow', {
          taskQueue,
          workflowId: `ksp:${streamName}`,
          args: [raw(streamName)],
        });
        await waitFor(() => started.length === 1, { what: 'the shard started' });
        // Assess
        expect(started[0]?.options).toEqual(
          compileStreamOptions({
            streamName,
            dlqQueueUrl: DLQ,
            maxPollWait: '30s',
            retry: { maximumAttempts: 5 },
          }),
        );
        expect(started[0]?.options.retry).toMatchObject({ maximumAttempts: 5, initialIntervalMs: 1_000 });
        expect((await handle.query(streamStatusQuery)).shards).toHaveLength(1);
        expect(await kspStream(handle)).toBe(streamName);
        expect(await failedWorkflowTasks(handle)).toEqual([]);
        await handle.terminate('test over');
      });
    },
  );

  test.each<[string, unknown, string]>([
    ['not an object', 'orders', 'streamWorkflow input: input: "orders" is not a JSON object'],
    [
      'a typo',
      { options: { streamName: 'orders', dlqQueueUrl: DLQ, batchSze: 10 } },
      'streamWorkflow input: options.batchSze: is not a stream option: did you mean options.batchSize?',
    ],
    [
      'a bare-number duration',
      { options: { streamName: 'orders', dlqQueueUrl: DLQ, maxPollWait: 30 } },
      'streamWorkflow input: options.maxPollWait: 30 is a bare number: in a workflow input a duration is a string with a unit, e.g. "30s" or "30ms"',
    ],
    [
      'a nested retry value out of range',
      { options: { streamName: 'orders', dlqQueueUrl: DLQ, retry: { backoffCoefficient: 0 } } },
      'streamWorkflow input: options.retry.backoffCoefficient: 0 is invalid: use a number from 1 to 100',
    ],
    [
      'no DLQ',
      { options: { streamName: 'orders' } },
      'streamWorkflow input: options.dlqQueueUrl: is missing while retry.maximumAttempts is 3',
    ],
    [
      'a misnamed top-level field',
      { options: { streamName: 'orders', dlqQueueUrl: DLQ }, rediscoverIntervalMs: 1000 },
      'streamWorkflow input: rediscoverIntervalMs: is not a field of a stream workflow input: did you mean rediscoverInterval?',
    ],
    [
      'an unknown compiled version',
      { compiled: 2, options: {} },
      'streamWorkflow input: compiled: 2 is not a compiled input version this worker knows (1)',
    ],
  ])('a bad raw input (%s) fails the run at once, naming the field', async (_name, input, message) => {
    const taskQueue = `raw-stream-bad-${++n}`;
    const worker = await standInStreamWorker(env, taskQueue, 'orders', () => SHARDS);
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('streamWorkflow', {
        taskQueue,
        workflowId: `bad-${taskQueue}`,
        args: [input],
      });
      const failure = await failureOf(handle);
      expect(failure.type).toBe(ErrorType.Config);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(message);
    });
  });
});

describe('reshardWorkflow', () => {
  test('a typo in a raw input fails the run at once with KspConfigError naming the field', async () => {
    const taskQueue = `raw-reshard-${++n}`;
    const worker = await ts.worker({ taskQueue, activities: {} });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('reshardWorkflow', {
        taskQueue,
        workflowId: `ksp:raw-${n}:reshard`,
        args: [{ streamName: `raw-${n}`, request: { kind: 'count', targetShardCount: 4 }, maxShard: 8 }],
      });
      const failure = await failureOf(handle);
      expect(failure.type).toBe(ErrorType.Config);
      expect(failure.message).toBe('maxShard is not a reshard input field: did you mean maxShards?');
    });
  });

  test('started without search attributes, it tags itself with its stream', async () => {
    const taskQueue = `raw-reshard-${++n}`;
    const streamName = `raw-${n}`;
    const worker = await ts.worker({
      taskQueue,
      activities: {
        inspectStreamForReshard: async () => {
          throw ApplicationFailure.nonRetryable('no such stream', ErrorType.StreamNotFound);
        },
      },
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('reshardWorkflow', {
        taskQueue,
        workflowId: `ksp:${streamName}:reshard`,
        args: [{ streamName, request: { kind: 'count', targetShardCount: 2 } }],
      });
      await handle.result().catch(() => undefined);
      expect(await kspStream(handle)).toBe(streamName);
    });
  });
});

describe('autoscaleWorkflow', () => {
  function sample(at: number): LoadSample {
    return {
      at,
      streamStatus: 'ACTIVE',
      openShardCount: 2,
      account: null,
      records: 0,
      bytes: 0,
      maxLagMs: 0,
      shards: [],
    };
  }

  test('a raw start compiles as ksp autoscale does; the stop Update answers, a payload is rejected', async () => {
    const taskQueue = `raw-autoscale-${++n}`;
    const streamName = `raw-${n}`;
    let samples = 0;
    const worker = await ts.worker({
      taskQueue,
      activities: {
        readReshardLedger: async () => ({ entries: [], streamWorkflowFound: false }),
        sampleStreamLoad: async () => {
          samples++;
          return sample(await env.currentTimeMs());
        },
      },
    });
    await worker.runUntil(async () => {
      const raw = { streamName, maxShards: 4, sampleInterval: '10s', maxLag: null };
      const handle = await env.client.workflow.start('autoscaleWorkflow', {
        taskQueue,
        workflowId: `ksp:${streamName}:autoscale`,
        args: [{ options: raw }],
      });
      await waitFor(() => samples >= 1, { what: 'a first sample' });
      expect((await handle.query(autoscaleStatusQuery)).options).toEqual(compileAutoscaleOptions(raw));
      expect(await kspStream(handle)).toBe(streamName);
      // A stop with a payload: rejected by the validator, never in history, the autoscaler runs on.
      const rejected = await handle.executeUpdate('stop', { args: ['now'] }).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((rejected as WorkflowUpdateFailedError).cause?.message).toBe(
        '`stop` takes no input, got "now": send it without --input',
      );
      expect((await handle.query(autoscaleStatusQuery)).state).toBe('running');
      // Act
      const answer = await handle.executeUpdate(stopAutoscaleUpdate);
      // Assess
      expect(answer).toMatchObject({ streamName, state: 'stopping' });
      expect(await handle.result()).toMatchObject({ streamName, run: 1 });
      expect(await acceptedUpdates(handle)).toEqual(['stop']);
      expect(await failedWorkflowTasks(handle)).toEqual([]);
    });
  });

  test('a raw input missing a required option fails at once, naming it', async () => {
    const taskQueue = `raw-autoscale-${++n}`;
    const worker = await ts.worker({ taskQueue, activities: {} });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('autoscaleWorkflow', {
        taskQueue,
        workflowId: `ksp:raw-${n}:autoscale`,
        args: [{ options: { streamName: `raw-${n}`, cooldown: '5m' } }],
      });
      const failure = await failureOf(handle);
      expect(failure.type).toBe(ErrorType.Config);
      expect(failure.message).toBe(
        'options.maxShards: is required: the most shards autoscaling may pay for, e.g. 16',
      );
    });
  });
});

describe('dlqReplayWorkflow', () => {
  test('a raw start compiles as ksp dlq replay does; the stop Update answers, a payload is rejected', async () => {
    const taskQueue = `raw-replay-${++n}`;
    const calls: ReplayDlqBatchInput[] = [];
    const worker = await ts.worker({
      taskQueue,
      activities: {
        replayDlqBatch: async (input: ReplayDlqBatchInput) => {
          calls.push(input);
          return { counts: emptyCounts(), held: [], retryAt: null, idleMs: 1_000, lastError: null };
        },
        releaseDlqMessages: async () => 0,
      },
    });
    await worker.runUntil(async () => {
      const raw = { queueUrl: DLQ, emptyGracePeriod: '1h', receiveWait: '1s', filters: { shardIds: ['s0'] } };
      const handle = await env.client.workflow.start('dlqReplayWorkflow', {
        taskQueue,
        workflowId: `ksp:dlq-replay:${taskQueue}`,
        args: [{ options: raw }],
      });
      await waitFor(() => calls.length >= 1, { what: 'a first replay call' });
      expect(calls[0]?.options).toEqual(compileDlqReplayOptions(raw));
      const rejected = await handle
        .executeUpdate('stop', { args: [{ force: true }] })
        .catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((rejected as WorkflowUpdateFailedError).cause?.message).toBe(
        '`stop` takes no input, got {"force":true}: send it without --input',
      );
      // Act
      const answer = await handle.executeUpdate(stopDlqReplayUpdate);
      // Assess
      expect(answer).toMatchObject({ queueUrl: DLQ, state: 'stopping' });
      expect(await handle.result()).toMatchObject({ end: 'stopped' });
      expect((await handle.query(dlqReplayProgressQuery)).state).toBe('stopped');
      expect(await acceptedUpdates(handle)).toEqual(['stop']);
      expect(await failedWorkflowTasks(handle)).toEqual([]);
    });
  });
});
