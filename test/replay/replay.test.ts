/**
 * Replay tests (DESIGN.md rule 9): recorded histories of the shard and stream workflows must replay
 * on the current workflow code without non-determinism. A change that breaks them needs
 * `patched()` (or a new workflow type) before it ships, and a new recording afterwards.
 *
 * Record new fixtures on purpose only: `KSP_RECORD_HISTORIES=1 npx jest test/replay` records them
 * all; `KSP_RECORD_HISTORIES=dlq-replay` (a comma-separated list of shard, stream,
 * stream-batched, stream-bad-signals, dlq-replay, shard-bisect, shard-guards, reshard, autoscale,
 * stream-raw, dlq-replay-update, shard-seek, stream-seek, shard-loop, shard-quarantine,
 * shard-lost-stream, shard-rebalance, shard-report-beside, shard-patches) only those.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import type { ConsumeInput, ConsumeResult } from '../../src/activities/shard/consume-contract';
import { createShardStarter, shardStartActivities } from '../../src/activities/stream/shard-starter';
import type { ShardInfo } from '../../src/activities/stream/discovery';
import { shardWorkflowId, streamWorkflowId } from '../../src/constants';
import type { ReplayDlqBatchInput, ReplayDlqBatchResult } from '../../src/dlq/replay-contract';
import { emptyCounts } from '../../src/dlq/replay-contract';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import type { DlqReplayWorkflowInput } from '../../src/workflows/dlq-replay';
import { dlqReplayProgressQuery } from '../../src/workflows/dlq-replay-messages';
import { type ShardStatus, pauseShardSignal, resumeShardSignal } from '../../src/workflows/shard-messages';
import { stopStreamSignal } from '../../src/workflows/stream-messages';
import type { ShardWorkflowInput } from '../../src/workflows/shard';
import { workflowBundlePath } from '../helpers/bundle';
import {
  type HandlerCall,
  MemoryDlq,
  MemoryShard,
  SHARD as SHARD_ID,
  memoryProcessBatch,
  poisonHandler,
} from '../helpers/memory-shard';
import { handled, idle, loopSummary, result, testOptions } from '../helpers/fake-batches';
import { skipTime } from '../helpers/time';
import {
  ledgerEntry,
  shardStatus,
  standInStreamWorker,
  startStreamWorkflow,
} from '../helpers/stream-fixtures';
import { createTimeSkippingEnv, plainClient } from '../helpers/time-skipping';
import { recordAutoscaleHistory, recordReshardHistory } from './reshard-autoscale-histories';
import { recordDlqReplayUpdateHistory, recordStreamRawHistory } from './raw-input-histories';
import { recordShardSeekHistory, recordStreamSeekHistory } from './seek-histories';
import { recordShardQuarantineHistory } from './quarantine-histories';
import { recordShardLostStreamHistory } from './lost-stream-history';
import { SHARD_REBALANCE_WORKFLOW_ID, recordShardRebalanceHistory } from './rebalance-history';
import { REPORT_BESIDE_WORKFLOW_ID, recordShardReportBesideHistory } from './report-beside-history';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');
const SHARD = path.join(FIXTURES, 'shard-workflow-v1.binpb');
const STREAM = path.join(FIXTURES, 'stream-workflow-v1.binpb');
/**
 * Since the `parallel-shard-starts` patch: three shards start at once, a child after its parent.
 * Not re-recordable: today's code starts them in batches, the shape `stream-batched` records.
 */
const STREAM_PARALLEL = path.join(FIXTURES, 'stream-workflow-parallel-v2.binpb');
/** Since the `batched-shard-starts` patch: the same lineage, started one activity per batch of shards. */
const STREAM_BATCHED = path.join(FIXTURES, 'stream-workflow-batched-v1.binpb');
/** Since the `validated-signals` patch: malformed signals dropped between valid ones. */
const STREAM_BAD_SIGNALS = path.join(FIXTURES, 'stream-workflow-bad-signals-v3.binpb');
const DLQ_REPLAY = path.join(FIXTURES, 'dlq-replay-workflow-v1.binpb');
const SHARD_BISECT = path.join(FIXTURES, 'shard-workflow-bisect-v1.binpb');
/** Since ShardConsumer: a regressing result refused, malformed signals by name, LATEST pinned. */
const SHARD_GUARDS = path.join(FIXTURES, 'shard-workflow-guards-v1.binpb');
/** Since the `shard-consume-loop` patch: busy loops, a failure and its retry, idle watches, a pause. */
/**
 * Consuming loops: v1 was recorded when the loop first shipped (before the progress-report timer
 * and held-report-on-timer patches); v2, since the loop became the default for new streams, is
 * what `shard-loop` records, with every patch a new stream's shard records today.
 */
const SHARD_LOOP_V1 = path.join(FIXTURES, 'shard-workflow-loop-v1.binpb');
const SHARD_LOOP = path.join(FIXTURES, 'shard-workflow-loop-v2.binpb');
/** Since the `report-beside-batch` patch: a loop's report goes out beside the next activity. */
const SHARD_REPORT_BESIDE = path.join(FIXTURES, 'shard-workflow-report-beside-v1.binpb');
/** Since `shard-patches-v1`: one marker for every shard patch before it (shard-patches.ts); same recorder. */
const SHARD_PATCHES = path.join(FIXTURES, 'shard-workflow-patches-v1.binpb');
/**
 * Since the `progress-report-timer` patch: reports to a stream gated by the interval's timer, on a
 * worker that took the run over from a SIGKILLed one. Recorded on a dev server by
 * `KSP_RECORD_HISTORIES=shard-reports npx jest test/workflows/shard-stale-query.test.ts`.
 */
const SHARD_REPORTS = path.join(FIXTURES, 'shard-workflow-reports-v1.binpb');
const RESHARD = path.join(FIXTURES, 'reshard-workflow-v1.binpb');
const AUTOSCALE = path.join(FIXTURES, 'autoscale-workflow-v1.binpb');
/** Started by name with raw options: compiled by the workflow, KspStream upserted (patch). */
/** v4: before the consuming loop's default (no raw-lifetime-default marker); v5 since, recorded by `stream-raw`. */
const STREAM_RAW_V4 = path.join(FIXTURES, 'stream-workflow-raw-v4.binpb');
const STREAM_RAW = path.join(FIXTURES, 'stream-workflow-raw-v5.binpb');
/** Started by name with raw options; a stop Update rejected by its validator, then one accepted. */
const DLQ_REPLAY_UPDATE = path.join(FIXTURES, 'dlq-replay-workflow-update-v2.binpb');
/** Since live seek: Updates (accepted and refused), seeks while paused, failing and idle. */
const SHARD_SEEK = path.join(FIXTURES, 'shard-workflow-seek-v1.binpb');
/** Since live seek: a whole-stream rewind that re-reads a closed parent before its child. */
const STREAM_SEEK = path.join(FIXTURES, 'stream-workflow-seek-v1.binpb');
/**
 * Per-key quarantine (quarantine-histories.ts): inherited keys, release signals, a key quarantined
 * by the shard's last read. v1 was recorded on the code before the `final-quarantine-count` patch
 * (the count not published as the run ends); v2, since it, is what `shard-quarantine` records.
 */
const SHARD_QUARANTINE_V1 = path.join(FIXTURES, 'shard-workflow-quarantine-v1.binpb');
const SHARD_QUARANTINE = path.join(FIXTURES, 'shard-workflow-quarantine-v2.binpb');
/** A shard whose stream workflow is gone reads on (lost-stream-history.ts, patch `report-to-missing-stream`). */
const SHARD_LOST_STREAM = path.join(FIXTURES, 'shard-workflow-lost-stream.binpb');

/** Loops that bounce to the rebalance queue, and one that times out there (rebalance-history.ts). */
const SHARD_REBALANCE = path.join(FIXTURES, 'shard-workflow-rebalance-v1.binpb');

const { History } = temporal.api.history.v1;

/** Three shards that start at once and a child of the closed one. */
const LINEAGE: ShardInfo[] = [
  { shardId: 'shardId-000000000000', parentShardIds: [], closed: true },
  { shardId: 'shardId-000000000001', parentShardIds: [], closed: false },
  { shardId: 'shardId-000000000002', parentShardIds: [], closed: false },
  { shardId: 'shardId-000000000003', parentShardIds: ['shardId-000000000000'], closed: false },
];

/** Histories are stored as binary protobuf: exact, and independent of JSON-mapping quirks. */
function encode(history: temporal.api.history.v1.IHistory): Uint8Array {
  return History.encode(history).finish();
}

/**
 * A worker whose `processBatch` is given, and a shard workflow started on it (workflow ID and task
 * queue `name`), for recording a shard history.
 */
async function startShardRecording(
  env: TestWorkflowEnvironment,
  name: string,
  processBatch: (input: ProcessBatchInput) => Promise<ProcessBatchResult>,
  over: Partial<ShardWorkflowInput> = {},
) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: name,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: { processBatch },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: SHARD_ID,
    streamWorkflowId: null,
    // One batch per activity, the shape these fixtures were recorded with (the loop is recorded
    // by recordShardLoopHistory): re-recording must not follow the maxActivityLifetime default.
    options: testOptions({ maxActivityLifetime: 0 }),
    startPosition: { type: 'TRIM_HORIZON' },
    ...over,
  };
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue: name,
    workflowId: name,
    args: [input],
  });
  return { worker, handle };
}

/** A shard run that exercises every branch worth guarding: batches, retry, DLQ, pause, idle, continue-as-new. */
async function recordShardHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
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
  const { worker, handle } = await startShardRecording(env, 'record-shard', async (i) => script(i), {
    options: testOptions({ maxActivityLifetime: 0, retry: { maximumAttempts: 3, initialInterval: '1s' } }),
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

async function recordStreamHistory(
  env: TestWorkflowEnvironment,
  shards: ShardInfo[] = [
    { shardId: 'shardId-000000000000', parentShardIds: [], closed: true },
    { shardId: 'shardId-000000000001', parentShardIds: ['shardId-000000000000'], closed: false },
  ],
  taskQueue = 'record-stream',
): Promise<Uint8Array> {
  const streamName = 'orders';
  const client = plainClient(env);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      describeStream: async () => ({
        streamName,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
        status: 'ACTIVE',
        shards,
      }),
      ...shardStartActivities(createShardStarter({ client: () => client, taskQueue: () => taskQueue })),
      processBatch: async (i: ProcessBatchInput) =>
        i.shardId.endsWith('0')
          ? handled(10, 10, { shardEnded: true })
          : i.checkpoint
            ? idle(i, 0)
            : handled(10),
    },
  });
  const handle = await startStreamWorkflow(env.client, taskQueue, streamName);
  await worker.runUntil(async () => {
    await skipTime(env, 10 * 60_000, 60_000);
    await handle.signal(stopStreamSignal);
    await handle.result();
    for (const shard of shards.filter((x) => !x.closed)) {
      await env.client.workflow.getHandle(shardWorkflowId(streamName, shard.shardId)).result();
    }
  });
  return encode(await handle.fetchHistory());
}

/**
 * A stream run that receives every kind of malformed signal by name (dropped, behind the
 * `validated-signals` patch) between valid ones: pause, resume, a reshard, a shard's reports, stop.
 */
async function recordStreamBadSignalsHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-stream-bad-signals';
  const streamName = 'orders';
  const shardId = 'shardId-000000000000';
  const listed = [{ shardId, parentShardIds: [], closed: false }];
  const worker = await standInStreamWorker(env, taskQueue, streamName, () => listed);
  const handle = await startStreamWorkflow(env.client, taskQueue, streamName);
  const report = (state: ShardStatus['state']): ShardStatus =>
    shardStatus({ streamName, shardId, state, checkpoint: { sequenceNumber: '10' }, bytes: 100 });
  const signals: Array<[string, ...unknown[]]> = [
    ['shardProgress', null],
    ['shardProgress', report('running')],
    ['shardEnded', { shardId, checkpoint: null, childShardIds: 'abc' }],
    ['reshardCompleted', null],
    ['reshardCompleted', ledgerEntry({ workflowId: 'w' })],
    ['pause', { reason: { a: 1 } }],
    ['pause', { reason: 'recording' }],
    ['rediscover', { now: true }],
    ['resume'],
    ['stop'],
    ['shardProgress', report('stopped')],
  ];
  await worker.runUntil(async () => {
    for (const [name, ...args] of signals) {
      await handle.signal(name, ...args);
      await skipTime(env, 10_000, 10_000);
    }
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

/** A shard run with the failure policy's branches: bisect, a record retried alone, record age. */
async function recordShardBisectHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const t0 = await env.currentTimeMs();
  // Records 0–1 arrived long ago (expired), 9 is poison; the rest succeed.
  const shard = new MemoryShard(16, (i) => new Date(i < 2 ? t0 - 2 * 3_600_000 : t0));
  const calls: HandlerCall[] = [];
  const handler = poisonHandler((i) => i === 9, calls, { throws: () => new Error('poison') });
  const processBatch = memoryProcessBatch(env, shard, new MemoryDlq(), handler);
  const { worker, handle } = await startShardRecording(env, 'record-shard-bisect', processBatch, {
    options: testOptions({
      maxActivityLifetime: 0,
      batchSize: 16,
      bisectBatchOnError: true,
      maximumRecordAge: '1h',
      retry: { maximumAttempts: 2, initialInterval: '1s', nonRetryableErrorTypes: ['ValidationError'] },
    }),
  });
  await worker.runUntil(handle.result());
  return encode(await handle.fetchHistory());
}

/**
 * A shard run through the guards: a batch result whose checkpoint went backwards (refused, then a
 * wait), malformed `pause` and `resume` payloads sent by name, and a LATEST start pinned once.
 */
async function recordShardGuardsHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const script = [
    handled(10),
    handled(20),
    handled(5), // behind the checkpoint: refused
  ];
  let calls = 0;
  const processBatch = async (i: ProcessBatchInput): Promise<ProcessBatchResult> =>
    script[calls++] ?? (calls < 6 ? idle(i, 0) : handled(30, 10, { shardEnded: true }));
  const { worker, handle } = await startShardRecording(env, 'record-shard-guards', processBatch, {
    startPosition: { type: 'LATEST' },
  });
  await worker.runUntil(async () => {
    await env.sleep('30s');
    await handle.signal('pause', { reason: { a: 1 } });
    await handle.query('status');
    await env.sleep('1m');
    await handle.signal('resume', 42);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

/**
 * A shard run of consuming loops: busy loops that return for their lifetime and for a handler
 * failure, the retry as one batch, an idle watch (left at once by a pause), and the shard's end.
 */
async function recordShardLoopHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const loop = loopSummary;
  let release = (): void => undefined;
  const released = new Promise<void>((r) => (release = r));
  let calls = 0;
  const processBatch = async (i: ConsumeInput): Promise<ConsumeResult> => {
    switch (calls++) {
      case 0:
        return { ...handled(50, 50), loop: loop({ batches: 5 }) };
      case 1:
        return {
          ...result({
            outcome: 'retry',
            checkpoint: { sequenceNumber: `4959${'0'.repeat(50)}60` },
            fetched: 20,
            handled: 10,
            handlerRecords: 10,
            failure: 'batch',
            error: { type: 'Error', message: 'boom' },
          }),
          loop: loop({ reason: 'failure', batches: 2 }),
        };
      case 2:
        return { ...handled(70), loop: loop({ reason: 'policy' }) };
      case 3:
        return { ...handled(80), loop: loop({ reason: 'idle' }) };
      case 4:
        await released;
        return { ...idle(i, 0), loop: loop({ mode: 'idle', reason: 'records', batches: 0 }) };
      default:
        return {
          ...handled(90, 10, { shardEnded: true, childShardIds: [] }),
          loop: loop({ reason: 'ended' }),
        };
    }
  };
  const { worker, handle } = await startShardRecording(env, 'record-shard-loop', processBatch, {
    options: testOptions({
      maxActivityLifetime: '10m',
      retry: { maximumAttempts: 3, initialInterval: '1s' },
    }),
  });
  await worker.runUntil(async () => {
    while (calls < 5) await new Promise((r) => setTimeout(r, 20));
    await handle.signal(pauseShardSignal, { reason: 'recording' });
    await handle.query('status');
    release();
    await handle.signal(resumeShardSignal);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

/**
 * A DLQ replay run through its branches: replayed and held messages, a failure that comes back
 * after a timer, the grace period, progress queries, and the release of held messages at the end.
 */
async function recordDlqReplayHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-dlq-replay';
  let call = 0;
  const replay = async (input: ReplayDlqBatchInput): Promise<ReplayDlqBatchResult> => {
    const counts = emptyCounts();
    const result: ReplayDlqBatchResult = { counts, held: [], retryAt: null, idleMs: 0, lastError: null };
    switch (call++) {
      case 0:
        Object.assign(counts, { seen: 6, replayed: 5, skipped: 1, skippedBy: { foreign: 1 } });
        counts.records.replayed = 50;
        result.held = [{ messageId: 'foreign-1', receiptHandle: 'handle-1' }];
        return result;
      case 1:
        Object.assign(counts, { seen: 1, failed: 1 });
        counts.records.failed = 10;
        result.retryAt = new Date((await env.currentTimeMs()) + 5 * 60_000).toISOString();
        result.lastError = { type: 'PoisonError', message: 'still failing' };
        return result;
      case 3:
        Object.assign(counts, { seen: 1, replayed: 1 });
        counts.records.replayed = 10;
        return result;
      default:
        return { ...result, idleMs: input.idleWaitMs };
    }
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      replayDlqBatch: replay,
      releaseDlqMessages: async (input: { messages: unknown[] }) => input.messages.length,
    },
  });
  const input: DlqReplayWorkflowInput = {
    options: compileDlqReplayOptions({
      queueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
      emptyGracePeriod: '20s',
    }),
  };
  const handle = await env.client.workflow.start('dlqReplayWorkflow', {
    taskQueue,
    workflowId: 'record-dlq-replay',
    args: [input],
  });
  await worker.runUntil(async () => {
    await handle.query(dlqReplayProgressQuery);
    await handle.result();
  });
  return encode(await handle.fetchHistory());
}

describe('recorded histories replay on the current workflow code', () => {
  const recording = process.env.KSP_RECORD_HISTORIES;
  if (recording) {
    const wanted = (name: string): boolean => recording === '1' || recording.split(',').includes(name);
    test('record fixtures', async () => {
      const env = await createTimeSkippingEnv();
      try {
        if (wanted('shard')) writeFileSync(SHARD, await recordShardHistory(env));
        if (wanted('stream')) writeFileSync(STREAM, await recordStreamHistory(env));
        if (wanted('stream-batched'))
          writeFileSync(STREAM_BATCHED, await recordStreamHistory(env, LINEAGE, 'record-stream-batched'));
        if (wanted('stream-bad-signals'))
          writeFileSync(STREAM_BAD_SIGNALS, await recordStreamBadSignalsHistory(env));
        if (wanted('dlq-replay')) writeFileSync(DLQ_REPLAY, await recordDlqReplayHistory(env));
        if (wanted('shard-bisect')) writeFileSync(SHARD_BISECT, await recordShardBisectHistory(env));
        if (wanted('shard-guards')) writeFileSync(SHARD_GUARDS, await recordShardGuardsHistory(env));
        if (wanted('shard-loop')) writeFileSync(SHARD_LOOP, await recordShardLoopHistory(env));
        if (wanted('reshard')) writeFileSync(RESHARD, await recordReshardHistory(env));
        if (wanted('autoscale')) writeFileSync(AUTOSCALE, await recordAutoscaleHistory(env));
        if (wanted('stream-raw')) writeFileSync(STREAM_RAW, await recordStreamRawHistory(env));
        if (wanted('dlq-replay-update'))
          writeFileSync(DLQ_REPLAY_UPDATE, await recordDlqReplayUpdateHistory(env));
        if (wanted('shard-seek')) writeFileSync(SHARD_SEEK, await recordShardSeekHistory(env));
        if (wanted('stream-seek')) writeFileSync(STREAM_SEEK, await recordStreamSeekHistory(env));
        if (wanted('shard-quarantine'))
          writeFileSync(SHARD_QUARANTINE, await recordShardQuarantineHistory(env));
        if (wanted('shard-lost-stream'))
          writeFileSync(SHARD_LOST_STREAM, await recordShardLostStreamHistory(env));
        if (wanted('shard-rebalance')) writeFileSync(SHARD_REBALANCE, await recordShardRebalanceHistory(env));
        if (wanted('shard-report-beside'))
          writeFileSync(SHARD_REPORT_BESIDE, await recordShardReportBesideHistory(env));
        if (wanted('shard-patches')) writeFileSync(SHARD_PATCHES, await recordShardReportBesideHistory(env));
      } finally {
        await env.teardown();
      }
    });
    return;
  }

  test.each([
    ['shard workflow', SHARD, 'record-shard'],
    ['stream workflow', STREAM, streamWorkflowId('orders')],
    ['stream workflow, shards started in parallel', STREAM_PARALLEL, streamWorkflowId('orders')],
    ['stream workflow, shards started in batches', STREAM_BATCHED, streamWorkflowId('orders')],
    ['stream workflow, malformed signals dropped', STREAM_BAD_SIGNALS, streamWorkflowId('orders')],
    ['DLQ replay workflow', DLQ_REPLAY, 'record-dlq-replay'],
    ['shard workflow, bisecting a failing batch', SHARD_BISECT, 'record-shard-bisect'],
    ['shard workflow, refused result and malformed signals', SHARD_GUARDS, 'record-shard-guards'],
    ['shard workflow, consuming loops and an idle watch', SHARD_LOOP_V1, 'record-shard-loop'],
    ['shard workflow, consuming loops with timed progress reports', SHARD_LOOP, 'record-shard-loop'],
    ['shard workflow, progress reports gated by a timer', SHARD_REPORTS, 'shard-stale-query'],
    ['reshard workflow, split fallback in two steps', RESHARD, 'record-reshard'],
    ['autoscale workflow, a scale-up through a child reshard', AUTOSCALE, 'record-autoscale'],
    ['stream workflow, started with raw options', STREAM_RAW_V4, streamWorkflowId('orders')],
    ['stream workflow, raw options since the loop is the default', STREAM_RAW, streamWorkflowId('orders')],
    ['DLQ replay workflow, stopped by its Update', DLQ_REPLAY_UPDATE, 'record-dlq-replay-update'],
    ['shard workflow, operated by Updates and seeks', SHARD_SEEK, 'record-shard-seek'],
    ['stream workflow, a rewind in lineage order', STREAM_SEEK, streamWorkflowId('orders')],
    ['shard workflow, quarantine before the final count', SHARD_QUARANTINE_V1, 'record-shard-quarantine'],
    ['shard workflow, inherited and released quarantine', SHARD_QUARANTINE, 'record-shard-quarantine'],
    [
      'shard workflow, reports to a stream workflow that is gone',
      SHARD_LOST_STREAM,
      'record-shard-lost-stream',
    ],
    ['shard workflow, loops through the rebalance queue', SHARD_REBALANCE, SHARD_REBALANCE_WORKFLOW_ID],
    ['shard workflow, loop reports beside the next activity', SHARD_REPORT_BESIDE, REPORT_BESIDE_WORKFLOW_ID],
    ['shard workflow, one marker for its patches', SHARD_PATCHES, REPORT_BESIDE_WORKFLOW_ID],
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
