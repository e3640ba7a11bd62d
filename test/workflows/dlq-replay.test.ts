/**
 * The DLQ replay workflow on the time-skipping server: first its own logic with the activities
 * scripted (progress, grace period, retries coming back, held messages, stop, continue-as-new,
 * fatal failures), then with the real activities against fauxqs (replay, foreign messages,
 * parking).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  type DlqReplayCounts,
  type ReleaseDlqMessagesInput,
  type ReplayDlqBatchInput,
  type ReplayDlqBatchResult,
  emptyCounts,
} from '../../src/dlq/replay-contract';
import { type DlqReplayOptions, compileDlqReplayOptions } from '../../src/config/replay-options';
import type { DlqReplayWorkflowInput } from '../../src/workflows/dlq-replay';
import {
  type DlqReplayResult,
  dlqReplayProgressQuery,
  stopDlqReplaySignal,
} from '../../src/workflows/dlq-replay-messages';
import { createActivities } from '../../src/activities';
import { queueDepth } from '../../src/client/dlq-control';
import type { SqsEmulator } from '../../src/local/sqs-emulator';
import { startFauxqs } from '../../src/local/sqs-emulator';
import { getFreePort, retryPortRace } from '../../src/local/ports';
import type { KinesisRecord } from '../../src/records';
import { workflowBundlePath } from '../helpers/bundle';
import { dlqRecords, receiveEverything, sendEnvelopes, sendRaw, unreadableMessages } from '../helpers/dlq';
import { createQueue, kinesisClientFor, sqsClientFor } from '../helpers/kinesis';
import { useTimeSkipping } from '../helpers/time-skipping';
import { captureWorkerLog, failedWorkflowTasks } from '../helpers/bad-messages';
import { waitFor } from '../helpers/wait';

const { env } = useTimeSkipping();
let queueCounter = 0;
const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';

type Replay = (
  input: ReplayDlqBatchInput,
  call: number,
) => Promise<ReplayDlqBatchResult> | ReplayDlqBatchResult;

interface Script {
  calls: ReplayDlqBatchInput[];
  released: ReleaseDlqMessagesInput[];
}

/** Runs a worker whose replay activities follow `replay`; release is recorded. */
async function withScriptedWorker<T>(
  replay: Replay,
  body: (taskQueue: string, script: Script) => Promise<T>,
): Promise<T> {
  const taskQueue = `dlq-replay-test-${++queueCounter}`;
  const script: Script = { calls: [], released: [] };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      replayDlqBatch: async (input: ReplayDlqBatchInput) => {
        script.calls.push(input);
        return replay(input, script.calls.length - 1);
      },
      releaseDlqMessages: async (input: ReleaseDlqMessagesInput) => {
        script.released.push(input);
        return input.messages.length;
      },
    },
  });
  return worker.runUntil(body(taskQueue, script));
}

function counts(
  over: Partial<Omit<DlqReplayCounts, 'records'>> & { records?: Partial<DlqReplayCounts['records']> },
): DlqReplayCounts {
  const base = emptyCounts();
  return { ...base, ...over, records: { ...base.records, ...over.records } };
}

function batch(over: Partial<ReplayDlqBatchResult> = {}): ReplayDlqBatchResult {
  return { counts: emptyCounts(), held: [], retryAt: null, idleMs: 0, lastError: null, ...over };
}

/** Ten messages replayed (100 records), then nothing more: the queue is empty. */
const tenThenEmpty: Replay = (input, call) =>
  call === 0
    ? batch({ counts: counts({ seen: 10, replayed: 10, records: { replayed: 100 } }) })
    : batch({ idleMs: input.idleWaitMs });

async function start(taskQueue: string, options: Partial<DlqReplayOptions> = {}) {
  const input: DlqReplayWorkflowInput = {
    options: compileDlqReplayOptions({ queueUrl: DLQ, emptyGracePeriod: '20s', ...options }),
  };
  return env.client.workflow.start<(i: DlqReplayWorkflowInput) => Promise<DlqReplayResult>>(
    'dlqReplayWorkflow',
    {
      taskQueue,
      workflowId: `dlq-replay-${taskQueue}`,
      args: [input],
    },
  );
}

describe('dlqReplayWorkflow, activities scripted', () => {
  it('sums the counts of its calls and completes once the queue stayed empty for the grace period', async () => {
    await withScriptedWorker(tenThenEmpty, async (tq, script) => {
      // Act
      const handle = await start(tq);
      const result = await handle.result();
      // Assess
      expect(result.end).toBe('queue-empty');
      expect(result.progress).toMatchObject({
        state: 'completed',
        seen: 10,
        replayed: 10,
        records: { replayed: 100 },
        queueUrl: DLQ,
        mode: 'handler',
        dryRun: false,
        run: 1,
      });
      expect(script.calls[0]).toMatchObject({ idleWaitMs: 20_000, maxMessages: Number.MAX_SAFE_INTEGER });
      expect(script.calls).toHaveLength(2);
      // The query still answers after the run ended.
      expect(await handle.query(dlqReplayProgressQuery)).toMatchObject({ state: 'completed', replayed: 10 });
    });
  });

  it('keeps counting the quiet time across calls that each saw only part of the grace period', async () => {
    await withScriptedWorker(
      (input, call) =>
        call === 0 ? tenThenEmpty(input, 0) : batch({ idleMs: Math.min(5_000, input.idleWaitMs) }),
      async (tq, script) => {
        // Act
        const result = await (await start(tq)).result();
        // Assess
        expect(result.end).toBe('queue-empty');
        expect(script.calls.slice(1).map((c) => c.idleWaitMs)).toEqual([20_000, 15_000, 10_000, 5_000]);
      },
    );
  });

  it('waits for failed messages to come back before it calls the queue empty', async () => {
    let retryAt = '';
    await withScriptedWorker(
      async (input, call) => {
        if (call === 0) {
          retryAt = new Date((await env.currentTimeMs()) + 10 * 60_000).toISOString();
          return batch({ counts: counts({ seen: 1, failed: 1, records: { failed: 3 } }), retryAt });
        }
        if (call === 2) return batch({ counts: counts({ seen: 1, replayed: 1, records: { replayed: 3 } }) });
        return batch({ idleMs: input.idleWaitMs });
      },
      async (tq, script) => {
        // Act
        const result = await (await start(tq)).result();
        // Assess: empty, then a wait until the failed message is visible again, then its replay.
        expect(script.calls.length).toBeGreaterThanOrEqual(4);
        expect(result.progress).toMatchObject({ seen: 2, failed: 1, replayed: 1 });
      },
    );
  });

  it('makes the messages it left hidden visible again when it ends, once each', async () => {
    await withScriptedWorker(
      (input, call) =>
        call === 0
          ? batch({
              counts: counts({ seen: 3, skipped: 3, skippedBy: { foreign: 2, filtered: 1 } }),
              held: [
                { messageId: 'm1', receiptHandle: 'h1' },
                { messageId: 'm2', receiptHandle: 'h2' },
                { messageId: 'm3', receiptHandle: 'h3' },
              ],
            })
          : call === 1
            ? batch({
                counts: counts({ seen: 1, skipped: 1 }),
                held: [{ messageId: 'm2', receiptHandle: 'h2-again' }],
              })
            : batch({ idleMs: input.idleWaitMs }),
      async (tq, script) => {
        // Act
        const result = await (await start(tq)).result();
        // Assess
        expect(script.released).toEqual([
          {
            queueUrl: DLQ,
            messages: [
              { messageId: 'm1', receiptHandle: 'h1' },
              { messageId: 'm2', receiptHandle: 'h2-again' },
              { messageId: 'm3', receiptHandle: 'h3' },
            ],
          },
        ]);
        expect(result.progress).toMatchObject({
          skipped: 4,
          skippedBy: { foreign: 2, filtered: 1 },
          held: 0,
        });
      },
    );
  });

  it('stops on the stop signal after the call in flight, releasing what it held', async () => {
    // The second call asks for the stop and completes only once the workflow has taken it in.
    let stopNow: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stopNow = resolve));
    let stopTakenIn: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => (stopTakenIn = resolve));
    await withScriptedWorker(
      async (_input, call) => {
        if (call === 1) {
          // Hold this call until the workflow has taken the stop: it stops after the call in flight.
          stopNow();
          await stopping;
        }
        return batch({
          counts: counts({ seen: 1, skipped: 1 }),
          held: [{ messageId: `m${call}`, receiptHandle: `h${call}` }],
        });
      },
      async (tq, script) => {
        // Prepare
        const handle = await start(tq);
        // Act
        await stopped;
        await handle.signal(stopDlqReplaySignal);
        try {
          await waitFor(async () => (await handle.query(dlqReplayProgressQuery)).state === 'stopping', {
            what: 'the workflow to take the stop signal in',
            intervalMs: 20,
          });
        } finally {
          stopTakenIn(); // even on a timeout, so the worker can shut down
        }
        const result = await handle.result();
        // Assess
        expect(result.end).toBe('stopped');
        expect(result.progress.state).toBe('stopped');
        expect(script.calls).toHaveLength(2);
        expect(result.progress.seen).toBe(script.calls.length);
        expect(script.released[0]?.messages.map((m) => m.messageId)).toEqual(
          script.calls.map((_, i) => `m${i}`),
        );
      },
    );
  });

  it('drops a stop sent by name with a payload (logged, never stored), refuses a query with one, and stops on a proper stop', async () => {
    const log = captureWorkerLog();
    try {
      await withScriptedWorker(
        // A message that fails, then a quiet queue: the run waits for the message to come back.
        async (input, call) =>
          call === 0
            ? batch({
                counts: counts({ seen: 1, failed: 1 }),
                retryAt: new Date((await env.currentTimeMs()) + 3_600_000).toISOString(),
              })
            : batch({ idleMs: input.idleWaitMs }),
        async (tq, script) => {
          // Prepare
          const { workflowId } = await start(tq);
          await waitFor(() => script.calls.length === 2, { what: 'two replay calls' });
          const raw = env.client.workflow.getHandle(workflowId);
          // Act: what a typo on the Temporal CLI sends.
          await raw.signal('stop', 'now');
          await raw.signal('stop', { force: true });
          const dropped = () => log.lines.filter((l) => l.message === 'dropped a malformed signal');
          await waitFor(() => dropped().length === 2, { what: 'two dropped signals logged' });
          // Assess
          expect(dropped().map((l) => l.meta?.problem)).toEqual([
            '`stop` takes no input, got "now": send it without --input',
            '`stop` takes no input, got {"force":true}: send it without --input',
          ]);
          await expect(raw.query('progress', 'x')).rejects.toThrow(
            '`progress` takes no input, got "x": send it without --input',
          );
          expect(await raw.query(dlqReplayProgressQuery)).toMatchObject({ state: 'running', failed: 1 });
          await raw.signal('stop', null); // what `--input null` sends: no payload
          expect(await raw.result()).toMatchObject({ end: 'stopped', progress: { seen: 1 } });
          expect(script.calls).toHaveLength(2);
          expect(await failedWorkflowTasks(raw)).toEqual([]);
        },
      );
    } finally {
      log.stop();
    }
  });

  it('fails at once, naming the field, when started by name with a bad raw option', async () => {
    await withScriptedWorker(
      () => batch(),
      async (tq, script) => {
        // Act: what a hand-written `temporal workflow start --input` might hold.
        const handle = await env.client.workflow.start('dlqReplayWorkflow', {
          taskQueue: tq,
          workflowId: `dlq-replay-${tq}`,
          args: [{ options: { queueUrl: DLQ, emptyGracePeriod: 20 } }],
        });
        const error: unknown = await handle.result().catch((e: unknown) => e);
        // Assess
        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect((error as WorkflowFailedError).cause).toMatchObject({
          type: 'KspConfigError',
          message:
            'options.emptyGracePeriod: 20 is a bare number: in a workflow input a duration is a string with a unit, e.g. "20s" or "20ms"',
        });
        expect(script.calls).toEqual([]);
        expect(await failedWorkflowTasks(handle)).toEqual([]);
      },
    );
  });

  it('ends after maxMessages', async () => {
    await withScriptedWorker(
      (input) =>
        batch({
          counts: counts({ seen: Math.min(4, input.maxMessages), replayed: Math.min(4, input.maxMessages) }),
        }),
      async (tq, script) => {
        // Act
        const result = await (await start(tq, { maxMessages: 10 })).result();
        // Assess
        expect(result).toMatchObject({ end: 'max-messages', progress: { seen: 10, replayed: 10 } });
        expect(script.calls.map((c) => c.maxMessages)).toEqual([10, 6, 2]);
      },
    );
  });

  it('continues as new, carrying its counts and held messages', async () => {
    await withScriptedWorker(
      (input, call) =>
        call < 12
          ? batch({
              counts: counts({ seen: 1, replayed: 1, records: { replayed: 2 } }),
              held: call === 0 ? [{ messageId: 'm0', receiptHandle: 'h0' }] : [],
            })
          : batch({ idleMs: input.idleWaitMs }),
      async (tq, script) => {
        // Act
        const result = await (await start(tq, { maxHistoryEvents: 20 })).result();
        // Assess
        expect(result.progress.run).toBeGreaterThan(2);
        expect(result.progress).toMatchObject({ seen: 12, replayed: 12, records: { replayed: 24 } });
        expect(script.released).toEqual([
          { queueUrl: DLQ, messages: [{ messageId: 'm0', receiptHandle: 'h0' }] },
        ]);
      },
    );
  });

  it('fails with the reason when the queue is gone, after releasing what it held', async () => {
    await withScriptedWorker(
      (_input, call) => {
        if (call === 0)
          return batch({
            counts: counts({ seen: 1, skipped: 1 }),
            held: [{ messageId: 'm', receiptHandle: 'h' }],
          });
        throw ApplicationFailure.nonRetryable(`queue ${DLQ} does not exist`, 'KspQueueNotFound');
      },
      async (tq, script) => {
        // Act
        const handle = await start(tq);
        const error = await handle.result().catch((e: unknown) => e);
        // Assess
        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect(String((error as WorkflowFailedError).cause?.message)).toContain('does not exist');
        expect(script.released).toHaveLength(1);
        expect(await handle.query(dlqReplayProgressQuery)).toMatchObject({
          state: 'failed',
          lastError: { type: 'KspQueueNotFound' },
        });
      },
    );
  });
});

describe('dlqReplayWorkflow with the real activities on fauxqs', () => {
  let fauxqs: SqsEmulator;
  let sqs: SQSClient;

  beforeAll(async () => {
    fauxqs = await retryPortRace(async () => startFauxqs({ port: await getFreePort() }));
    sqs = sqsClientFor(fauxqs.endpoint);
  });

  afterAll(async () => {
    sqs?.destroy();
    await fauxqs?.stop();
  });

  it('replays what it can read, parks what keeps failing, and leaves foreign messages untouched; a dry run first changes nothing', async () => {
    // Prepare: five good envelopes of two records, one that keeps failing, three it cannot read.
    const id = ++queueCounter;
    const dlq = await createQueue(sqs, `replay-${id}-dlq`);
    const parking = await createQueue(sqs, `replay-${id}-parking`);
    for (let m = 0; m < 5; m++)
      await sendEnvelopes(sqs, dlq, dlqRecords(`good${m}`, 2, { firstSeq: m * 10 }));
    const [poisonBody] = await sendEnvelopes(sqs, dlq, dlqRecords('poison', 1, { firstSeq: 99 }));
    const unreadable = unreadableMessages(poisonBody ?? '');
    for (const u of unreadable) await sendRaw(sqs, dlq, u.body, u.attributes);
    const delivered: string[] = [];
    const kinesis = kinesisClientFor('http://127.0.0.1:1');
    const taskQueue = `dlq-replay-real-${id}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: workflowBundlePath() },
      activities: createActivities({
        kinesis,
        sqs,
        handlerName: 'test',
        handler: async (records: readonly KinesisRecord[]) => {
          const data = records.map((r) => new TextDecoder().decode(r.data));
          if (data.some((d) => d.startsWith('poison'))) throw new Error('still poison');
          delivered.push(...data);
        },
      }),
    });
    const options = {
      queueUrl: dlq,
      parkingQueueUrl: parking,
      maxTries: 2,
      retryDelay: 0,
      receiveWait: '1s',
      reportInterval: '2s',
      emptyGracePeriod: '3s',
    };
    const run = (extra: Partial<DlqReplayOptions>) =>
      env.client.workflow.execute<(i: DlqReplayWorkflowInput) => Promise<DlqReplayResult>>(
        'dlqReplayWorkflow',
        {
          taskQueue,
          workflowId: `dlq-replay-real-${id}-${extra.dryRun ? 'dry' : 'real'}`,
          args: [{ options: compileDlqReplayOptions({ ...options, ...extra }) }],
        },
      );
    try {
      // Act: a dry run, then the replay (one worker run: a worker runs once).
      const { dry, depthAfterDryRun, real } = await worker.runUntil(async () => {
        const dryResult = await run({ dryRun: true });
        const depth = await queueDepth(sqs, dlq);
        return { dry: dryResult, depthAfterDryRun: depth, real: await run({}) };
      });
      // Assess
      expect(dry.progress).toMatchObject({
        seen: 9,
        wouldReplay: 6,
        replayed: 0,
        skipped: 3,
        skippedBy: { 'not-json': 1, foreign: 1, 'unknown-version': 1 },
        records: { replayed: 11 },
      });
      expect(depthAfterDryRun).toEqual({ visible: 9, inFlight: 0, delayed: 0 });

      expect(real.end).toBe('queue-empty');
      expect(real.progress).toMatchObject({
        replayed: 5,
        failed: 1,
        parked: 1,
        skipped: 3,
        records: { replayed: 10, failed: 1, parked: 1 },
        lastError: { type: 'Error', message: 'still poison' },
      });
      const p = real.progress;
      expect(p.seen).toBe(p.replayed + p.failed + p.skipped + p.parked);
      expect([...delivered].sort()).toEqual(
        [0, 1, 2, 3, 4].flatMap((m) => [`good${m}-0`, `good${m}-1`]).sort(),
      );

      const left = await receiveEverything(sqs, dlq);
      expect(left.map((m) => m.body).sort()).toEqual(unreadable.map((u) => u.body).sort());
      expect(left.find((m) => m.body.includes('orders.created'))?.attributes).toEqual(
        unreadable[0]?.attributes,
      );

      const parked = await receiveEverything(sqs, parking);
      expect(parked.map((m) => m.body)).toEqual([poisonBody]);
      expect(parked[0]?.attributes).toMatchObject({
        'ksp.stream': { StringValue: 'orders' },
        'ksp.replayTries': { StringValue: '2' },
        'ksp.parkedReason': { StringValue: expect.stringContaining('replay failed 2 times') as string },
        'ksp.parkedFrom': { StringValue: dlq },
      });
    } finally {
      kinesis.destroy();
    }
  });
});
