/**
 * Section 3b, what an idle shard costs in Temporal: history events per poll cycle, counted over a
 * window with a short maxPollWait, and per idle shard-hour for the default 5-minute window
 * (derived: cycles/hour × events/cycle; measured directly over a window with the default when
 * asked). Heartbeats (billed on Temporal Cloud, no history events) and GetRecords calls are counted too.
 */
import { shardWorkflowId, streamWorkflowId } from '../src/constants';
import type { SectionContext } from './context';
import {
  KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS,
  KSP_DEFAULT_IDLE_POLL_MS,
  KSP_DEFAULT_MAX_POLL_WAIT_MS,
  KSP_DEFAULT_REDISCOVER_MS,
} from './options';
import { type HistoryCount, countHistory, countSince, sumCounts } from './history-count';
import { activityIntervals } from './history-timing';
import { startKspConsumer, terminateKspConsumer, waitForShardsRunning } from './ksp-consumer';
import { createStream, deleteStream, freshStreamName } from './streams';
import { mean } from './stats';
import { sleep } from './wait';

export interface IdleWindow {
  maxPollWaitMs: number;
  idlePollIntervalMs: number;
  shards: number;
  windowSeconds: number;
  /** Poll cycles (batch activities) completed in the window, all shards. */
  cycles: number;
  /** Mean time from one batch activity to the next (history timestamps), seconds. */
  meanCycleSeconds: number;
  /** History events added to the shard workflows in the window, by type. */
  shardEvents: HistoryCount['byType'];
  shardEventsTotal: number;
  streamEventsTotal: number;
  /** Rediscovery rounds of the stream workflow in the window (its describeStream activities). */
  rediscoveries: number;
  rediscoverIntervalMs: number;
  heartbeats: number | null;
  getRecordsCalls: number;
  getRecordsMeanMs: number;
}

export interface PerShardHour {
  events: number;
  heartbeats: number | null;
  getRecordsCalls: number;
}

export interface IdleCostResult {
  short: IdleWindow;
  /** History events per poll cycle of one shard (measured). */
  eventsPerCycle: number;
  /** History events of the stream workflow per rediscovery round (measured), and per stream-hour at its default 5 minutes. */
  streamEventsPerRediscovery: number;
  streamEventsPerHour: number;
  /** Seconds one cycle takes beyond maxPollWait (measured: mean time between batch activities − maxPollWait). */
  cycleOverheadSeconds: number;
  /**
   * The default window: events = cycles/hour × events/cycle; heartbeats = cycles/hour × (1 +
   * maxPollWait ÷ heartbeat throttle); GetRecords = 1 h ÷ (idlePollInterval + mean GetRecords time).
   */
  derived: PerShardHour & { maxPollWaitMs: number; cyclesPerHour: number; heartbeatsPerCycle: number };
  /** Measured with the default maxPollWait; null when skipped (--quick). */
  direct: (IdleWindow & { perShardHour: PerShardHour }) | null;
}

/** The SDK sends an activity's first heartbeat at once, then at most one per 0.8 × heartbeatTimeout. */
const HEARTBEAT_THROTTLE_MS = 0.8 * KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS;

async function shardHistories(
  ctx: SectionContext,
  streamName: string,
  shardIds: string[],
): Promise<HistoryCount> {
  return sumCounts(
    await Promise.all(shardIds.map((id) => countHistory(ctx.stack.client, shardWorkflowId(streamName, id)))),
  );
}

/** Idle shards of a fresh, empty stream, counted over `windowMs` once every shard is polling. */
async function measureIdle(
  ctx: SectionContext,
  maxPollWaitMs: number,
  windowMs: number,
  rediscoverIntervalMs: number,
): Promise<IdleWindow> {
  const { stack, options, signal } = ctx;
  const streamName = freshStreamName(`idle-${maxPollWaitMs}ms`);
  const shardIds = await createStream(stack.kinesis, streamName, options.shards);
  try {
    await startKspConsumer(stack, streamName, {
      batchSize: options.batchSize,
      maxPollWait: maxPollWaitMs,
      rediscoverIntervalMs,
    });
    await waitForShardsRunning(stack.client, streamName, shardIds, { timeoutMs: 30_000, signal });
    // Open the window after the first cycle, whose end reports the shard's first status to the
    // stream workflow once (2 signal events + a workflow task): steady state from then on. A
    // window shorter than one cycle sees no cycle end at all and starts at once.
    await sleep(maxPollWaitMs < windowMs ? maxPollWaitMs + 1_500 : 1_000, signal);
    const before = {
      epochMs: Date.now(),
      shards: await shardHistories(ctx, streamName, shardIds),
      stream: await countHistory(stack.client, streamWorkflowId(streamName)),
      heartbeats: await ctx.metrics.heartbeats(),
      meter: stack.workerMeter.read(),
      at: performance.now(),
    };
    await sleep(windowMs, signal);
    const shards = countSince(before.shards, await shardHistories(ctx, streamName, shardIds));
    const stream = countSince(before.stream, await countHistory(stack.client, streamWorkflowId(streamName)));
    const heartbeats = await ctx.metrics.heartbeats();
    const intervals = (
      await Promise.all(
        shardIds.map((id) =>
          activityIntervals(stack.client, shardWorkflowId(streamName, id), before.epochMs),
        ),
      )
    ).flat();
    const getRecords = stack.workerMeter.since(before.meter).GetRecords ?? { calls: 0, totalMs: 0 };
    const window: IdleWindow = {
      maxPollWaitMs,
      idlePollIntervalMs: KSP_DEFAULT_IDLE_POLL_MS,
      shards: shardIds.length,
      windowSeconds: (performance.now() - before.at) / 1000,
      cycles: shards.byType.ActivityTaskCompleted ?? 0,
      meanCycleSeconds: mean(intervals),
      shardEvents: shards.byType,
      shardEventsTotal: shards.events,
      streamEventsTotal: stream.events,
      rediscoveries: stream.byType.ActivityTaskCompleted ?? 0,
      rediscoverIntervalMs,
      heartbeats: heartbeats === null || before.heartbeats === null ? null : heartbeats - before.heartbeats,
      getRecordsCalls: getRecords.calls,
      getRecordsMeanMs: getRecords.calls > 0 ? getRecords.totalMs / getRecords.calls : Number.NaN,
    };
    ctx.log(
      `idle maxPollWait ${maxPollWaitMs} ms: ${window.shards} shards, ${window.windowSeconds.toFixed(0)} s: ${window.cycles} cycles, ${window.shardEventsTotal} shard events, ${window.streamEventsTotal} stream events, ${window.heartbeats ?? '?'} heartbeats, ${window.getRecordsCalls} GetRecords`,
    );
    return window;
  } finally {
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}

function perShardHour(w: IdleWindow): PerShardHour {
  const scale = 3600 / w.windowSeconds / w.shards;
  return {
    events: w.shardEventsTotal * scale,
    heartbeats: w.heartbeats === null ? null : w.heartbeats * scale,
    getRecordsCalls: w.getRecordsCalls * scale,
  };
}

export async function runIdleCost(ctx: SectionContext): Promise<IdleCostResult> {
  const { idle } = ctx.options;
  // The short window also shortens the stream workflow's rediscovery, to count its events per round.
  const short = await measureIdle(ctx, idle.shortPollWaitMs, idle.shortWindowMs, idle.shortPollWaitMs);
  const eventsPerCycle = short.cycles > 0 ? short.shardEventsTotal / short.cycles : Number.NaN;
  const cycleOverheadSeconds = short.meanCycleSeconds - idle.shortPollWaitMs / 1000;
  const cyclesPerHour = 3600 / (KSP_DEFAULT_MAX_POLL_WAIT_MS / 1000 + cycleOverheadSeconds);
  const heartbeatsPerCycle = 1 + Math.floor(KSP_DEFAULT_MAX_POLL_WAIT_MS / HEARTBEAT_THROTTLE_MS);
  const direct =
    idle.directWindowMs === null
      ? null
      : await measureIdle(ctx, KSP_DEFAULT_MAX_POLL_WAIT_MS, idle.directWindowMs, KSP_DEFAULT_REDISCOVER_MS);
  const streamEventsPerRediscovery =
    short.rediscoveries > 0 ? short.streamEventsTotal / short.rediscoveries : Number.NaN;
  return {
    short,
    eventsPerCycle,
    streamEventsPerRediscovery,
    streamEventsPerHour: (3_600_000 / KSP_DEFAULT_REDISCOVER_MS) * streamEventsPerRediscovery,
    cycleOverheadSeconds,
    derived: {
      maxPollWaitMs: KSP_DEFAULT_MAX_POLL_WAIT_MS,
      cyclesPerHour,
      heartbeatsPerCycle,
      events: cyclesPerHour * eventsPerCycle,
      heartbeats: cyclesPerHour * heartbeatsPerCycle,
      getRecordsCalls: 3_600_000 / (KSP_DEFAULT_IDLE_POLL_MS + short.getRecordsMeanMs),
    },
    direct: direct ? { ...direct, perShardHour: perShardHour(direct) } : null,
  };
}
