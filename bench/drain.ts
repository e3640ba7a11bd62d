/**
 * Section 1, backlog drain: the same backlog (N small JSON records over the shards, identical
 * fill, fresh stream each time) drained by the real shard workflows and by plain GetRecords
 * loops, alternating which goes first (ABBA) on the same emulator process.
 */
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { shardWorkflowId, streamWorkflowId } from '../src/constants';
import type { SectionContext } from './context';
import { DrainTracker } from './drain-tracker';
import { type HistoryCount, countHistory, sumCounts, workflowActivity } from './history-count';
import { type BillableActions, countBillableActions } from './billable-actions';
import { type Turnaround, batchTurnaround, combineTurnarounds } from './history-timing';
import type { MeterReading } from './kinesis-meter';
import { startKspConsumer, terminateKspConsumer } from './ksp-consumer';
import { KSP_DEFAULT_IDLE_POLL_MS } from './options';
import { runPlainLoops } from './plain-consumer';
import { startCpuProfile } from './cpu-profile';
import { type CpuReading, cpuSince, readCpu } from './proc';
import { median } from './stats';
import {
  type FillResult,
  createStream,
  deleteStream,
  fillEntries,
  fillStream,
  freshStreamName,
} from './streams';
import { within } from './wait';
import { plainTimeline, renderTimeline, startupTimeline } from './startup-trace';

/** KSP_BENCH_TRACE set: each drain logs where its start-up went (bench/startup-trace.ts). */
const TRACE = Boolean(process.env.KSP_BENCH_TRACE);

/** `unpaced`: the plain loop without the 200 ms spacing, the machine's ceiling. */
export type Consumer = 'ksp' | 'plain' | 'unpaced';

export interface DrainRun {
  consumer: Consumer;
  records: number;
  /** Seconds the fill took (PutRecords, 4 calls in flight). */
  fillSeconds: number;
  /** Start of the consumer → last record handled (ksp: → every checkpoint at the last record). */
  seconds: number;
  recordsPerSecond: number;
  firstRecordMs: number | null;
  batches: number;
  meanBatchCycleMs: number | null;
  kinesisCalls: MeterReading;
  /** CPU ms per process while draining: `bench` (consumer, worker, in-process kinesalite), `temporal`, `kinesis-local`. */
  cpuMs: CpuReading;
  /** ksp only: RecordActivityTaskHeartbeat calls, history events of the shard and stream workflows. */
  heartbeats: number | null;
  /** ksp only: Temporal's share of each batch, from the shard workflows' history timestamps. */
  turnaround: Turnaround | null;
  shardHistory: HistoryCount | null;
  streamHistory: HistoryCount | null;
  /** ksp only: billable Temporal actions (histories + heartbeats at the server). */
  actions: BillableActions | null;
  /**
   * ksp only: activity attempts that failed or timed out and were retried (the attempt of each
   * activity's start event − 1). On a CPU-starved machine a GetRecords past its call deadline
   * (heartbeatTimeout / 2) fails the attempt, and the retry reads the batch again.
   */
  retriedAttempts: number | null;
}

export interface DrainResult {
  backend: string;
  records: number;
  shards: number;
  batchSize: number;
  order: Consumer[];
  runs: DrainRun[];
  kspRecordsPerSecond: number;
  plainRecordsPerSecond: number;
  /** The unpaced plain loop (one run): the machine's ceiling. */
  unpacedRecordsPerSecond: number;
  /** Billable Temporal actions per 1,000 records drained by ksp (median of its runs). */
  kspActionsPer1000: number;
  /** ksp ÷ plain, of the median rates (robust to one disturbed run on a noisy machine). */
  ratio: number;
  /** Start-up: median ms from the consumer's start to its first record handled, ksp and plain. */
  kspFirstRecordMs: number;
  plainFirstRecordMs: number;
  /** Throughput once records flow: median of records ÷ (drain time − first record), ksp and plain. */
  kspSteadyRecordsPerSecond: number;
  plainSteadyRecordsPerSecond: number;
  /** ksp ÷ plain of those steady rates. */
  steadyRatio: number;
}

/** Records per second from the run's first record handled to its last (start-up left out). */
export function steadyRate(run: Pick<DrainRun, 'records' | 'seconds' | 'firstRecordMs'>): number | null {
  if (run.firstRecordMs === null) return null;
  const seconds = run.seconds - run.firstRecordMs / 1000;
  return seconds > 0 ? run.records / seconds : null;
}

/** ABBA…: ksp first in even repeats, the plain loop first in odd ones; the unpaced ceiling once, last. */
export function drainOrder(repeats: number): Consumer[] {
  return [
    ...Array.from({ length: repeats }, (_, r): Consumer[] =>
      r % 2 === 0 ? ['ksp', 'plain'] : ['plain', 'ksp'],
    ).flat(),
    'unpaced',
  ];
}

/** The backlog of one drain: `--drain-records-per-shard` × shards, else `--records` of the backend. */
export function drainRecords(
  options: SectionContext['options'],
  backend: keyof SectionContext['options']['records'],
): number {
  return options.drainRecordsPerShard === null
    ? options.records[backend]
    : options.drainRecordsPerShard * options.shards;
}

function timeoutMs(records: number): number {
  return 60_000 + records * 2;
}

async function drainWithKsp(ctx: SectionContext, streamName: string, shardIds: string[], fill: FillResult) {
  const { stack, options, metrics } = ctx;
  const targets = fill.lastSequenceByShard;
  const heartbeatsBefore = await metrics.heartbeats();
  const serverHeartbeatsBefore = await stack.server.heartbeats();
  const meterBefore = stack.workerMeter.read();
  const cpuBefore = readCpu();
  const tracker = new DrainTracker(targets);
  const unroute = stack.router.route(streamName, async (records, context) => {
    tracker.observe(context.shardId, records.length, records[records.length - 1]?.sequenceNumber);
  });
  try {
    await startKspConsumer(stack, streamName, { batchSize: options.batchSize });
    await within(
      tracker.caughtUp,
      timeoutMs(fill.records),
      `ksp to hand over the last record of ${streamName}`,
      ctx.signal,
    );
    // Timed to the handler's last record, as the plain loop is. Since one shard activity consumes
    // many batches (issue 14), the workflow's checkpoint moves only when that activity returns
    // (quiet for 2 minutes, or its lifetime), so waiting for it would time the idle-after delay.
    const seconds = (tracker.result().caughtUpMs ?? performance.now() - tracker.origin) / 1000;
    const cpuMs = cpuSince(cpuBefore);
    const kinesisCalls = stack.workerMeter.since(meterBefore);
    const heartbeatsAfter = await metrics.heartbeats();
    const shardHistory = sumCounts(
      await Promise.all(shardIds.map((id) => countHistory(stack.client, shardWorkflowId(streamName, id)))),
    );
    const streamHistory = await countHistory(stack.client, streamWorkflowId(streamName));
    const turnaround = combineTurnarounds(
      await Promise.all(shardIds.map((id) => batchTurnaround(stack.client, shardWorkflowId(streamName, id)))),
    );
    const heartbeats =
      heartbeatsBefore === null || heartbeatsAfter === null ? null : heartbeatsAfter - heartbeatsBefore;
    const ids = [streamWorkflowId(streamName), ...shardIds.map((id) => shardWorkflowId(streamName, id))];
    // The shards' consuming loops are still running: billed at their start, not in history yet.
    const { events, pendingActivities } = await workflowActivity(stack.client, ids);
    const actions = countBillableActions(events, {
      heartbeats: (await stack.server.heartbeats()) - serverHeartbeatsBefore,
      pendingActivities,
    });
    const retriedAttempts = events.reduce(
      (n, e) => n + Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1),
      0,
    );
    if (TRACE) {
      const t = await startupTimeline(
        stack.client,
        streamName,
        shardIds,
        tracker.originEpochMs,
        tracker.firstRecordEpochByShard,
      );
      ctx.log(renderTimeline(`ksp ${shardIds.length} shards`, t.rows));
    }
    return {
      actions,
      retriedAttempts,
      seconds,
      cpuMs,
      kinesisCalls,
      heartbeats,
      turnaround,
      shardHistory,
      streamHistory,
      observed: tracker.result(),
    };
  } finally {
    unroute();
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
  }
}

async function drainWithPlainLoops(
  ctx: SectionContext,
  streamName: string,
  shardIds: string[],
  fill: FillResult,
  unpaced: boolean,
) {
  const { stack, options } = ctx;
  const targets = fill.lastSequenceByShard;
  const meterBefore = stack.plainMeter.read();
  const cpuBefore = readCpu();
  const tracker = new DrainTracker(targets);
  await runPlainLoops({
    kinesis: stack.plainKinesis,
    streamName,
    shardIds,
    limit: options.batchSize,
    emptyPollIntervalMs: KSP_DEFAULT_IDLE_POLL_MS,
    ...(unpaced ? { minIntervalMs: 0 } : {}),
    onBatch: (shardId, batch) =>
      tracker.observe(shardId, batch.length, batch[batch.length - 1]?.SequenceNumber),
    until: targets,
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs(fill.records))]),
  });
  const observed = tracker.result();
  if (TRACE)
    ctx.log(
      renderTimeline(
        `${unpaced ? 'unpaced' : 'plain'} ${shardIds.length} shards`,
        plainTimeline(tracker.originEpochMs, tracker.firstRecordEpochByShard),
      ),
    );
  if (observed.caughtUpMs === null)
    throw new Error(`the plain loops stopped before the end of ${streamName}`);
  return {
    seconds: observed.caughtUpMs / 1000,
    cpuMs: cpuSince(cpuBefore),
    kinesisCalls: stack.plainMeter.since(meterBefore),
    heartbeats: null,
    turnaround: null,
    shardHistory: null,
    streamHistory: null,
    actions: null,
    retriedAttempts: null,
    observed,
  };
}

/** One drain of a fresh stream filled with `entries`, by one consumer. */
export async function measureDrain(
  ctx: SectionContext,
  consumer: Consumer,
  entries: readonly PutRecordsRequestEntry[],
): Promise<DrainRun> {
  const { stack, options } = ctx;
  const streamName = freshStreamName(`drain-${consumer}`);
  const shardIds = await createStream(stack.kinesis, streamName, options.shards);
  try {
    const fill = await fillStream(stack.kinesis, streamName, entries);
    const profiler = options.cpuProfileDir === null ? null : await startCpuProfile(options.cpuProfileDir);
    const measured =
      consumer === 'ksp'
        ? await drainWithKsp(ctx, streamName, shardIds, fill)
        : await drainWithPlainLoops(ctx, streamName, shardIds, fill, consumer === 'unpaced');
    if (profiler) ctx.log(`CPU profile: ${await profiler.stop(`${streamName}-${options.shards}-shards`)}`);
    return {
      consumer,
      records: fill.records,
      fillSeconds: fill.seconds,
      seconds: measured.seconds,
      recordsPerSecond: fill.records / measured.seconds,
      firstRecordMs: measured.observed.firstRecordMs,
      batches: measured.observed.batches,
      meanBatchCycleMs: measured.observed.meanBatchCycleMs,
      kinesisCalls: measured.kinesisCalls,
      cpuMs: measured.cpuMs,
      heartbeats: measured.heartbeats,
      turnaround: measured.turnaround,
      shardHistory: measured.shardHistory,
      streamHistory: measured.streamHistory,
      actions: measured.actions,
      retriedAttempts: measured.retriedAttempts,
    };
  } finally {
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}

export async function runDrain(ctx: SectionContext): Promise<DrainResult> {
  const { stack, options } = ctx;
  const backend = stack.backend;
  const entries = fillEntries(drainRecords(options, backend));
  const order = drainOrder(options.repeats);
  const runs: DrainRun[] = [];
  for (const [i, consumer] of order.entries()) {
    const run = await measureDrain(ctx, consumer, entries);
    runs.push(run);
    ctx.log(
      `drain ${backend} ${i + 1}/${order.length} ${consumer}: ${run.records} records (filled in ${run.fillSeconds.toFixed(1)} s) drained in ${run.seconds.toFixed(2)} s = ${Math.round(run.recordsPerSecond)} rec/s`,
    );
  }
  const rate = (c: Consumer) => median(runs.filter((r) => r.consumer === c).map((r) => r.recordsPerSecond));
  const medianOf = (c: Consumer, pick: (r: DrainRun) => number | null) =>
    median(runs.filter((r) => r.consumer === c).flatMap((r) => pick(r) ?? []));
  const ksp = rate('ksp');
  const plain = rate('plain');
  const kspSteady = medianOf('ksp', steadyRate);
  const plainSteady = medianOf('plain', steadyRate);
  const actionsPer1000 = median(
    runs.flatMap((r) => (r.actions ? [(r.actions.total * 1000) / r.records] : [])),
  );
  return {
    backend,
    records: entries.length,
    shards: options.shards,
    batchSize: options.batchSize,
    order,
    runs,
    kspRecordsPerSecond: ksp,
    plainRecordsPerSecond: plain,
    unpacedRecordsPerSecond: rate('unpaced'),
    kspActionsPer1000: actionsPer1000,
    ratio: ksp / plain,
    kspFirstRecordMs: medianOf('ksp', (r) => r.firstRecordMs),
    plainFirstRecordMs: medianOf('plain', (r) => r.firstRecordMs),
    kspSteadyRecordsPerSecond: kspSteady,
    plainSteadyRecordsPerSecond: plainSteady,
    steadyRatio: kspSteady / plainSteady,
  };
}
