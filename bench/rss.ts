/**
 * Section 4, worker memory: for each shard count, a fresh worker process is measured idle with 0
 * shards (the baseline), then consuming a stream of that many shards (a few records handled by
 * every shard, then idle long polls), VmRSS sampled once a second after it settles.
 */
import path from 'node:path';
import type { SectionContext } from './context';
import { startKspConsumer, terminateKspConsumer, waitForCheckpoints } from './ksp-consumer';
import { rssMiB } from './proc';
import { median } from './stats';
import { createStream, deleteStream, fillEntries, fillStream, freshStreamName } from './streams';
import { sleep } from './wait';
import { activitySlotsFor } from '../src/workers/activity-slots';

import { startWorkerProcess } from './worker-process';
import { type ScheduleToStart, sampleSlots } from './slot-metrics';
import { getFreePort } from '../src/local/ports';

/** Scrapes of the worker's /metrics while draining: at most one per this interval. */
const SLOT_SCRAPE_MS = 2_000;

/**
 * Samples `pid`'s VmRSS every 500 ms, and the activity slots in use from the worker's metrics
 * every 2 s, until `body` settles.
 */
async function rssWhile(
  pid: number,
  metricsPort: number,
  body: () => Promise<void>,
): Promise<{ rss: RssSample; maxActivitySlotsUsed: number | null; maxWorkflowsCached: number | null }> {
  const values: number[] = [];
  let maxSlots: number | null = null;
  let maxCached: number | null = null;
  let done = false;
  const sampler = (async () => {
    let lastScrape = 0;
    while (!done) {
      const v = rssMiB(pid);
      if (v !== null) values.push(v);
      if (performance.now() - lastScrape >= SLOT_SCRAPE_MS) {
        lastScrape = performance.now();
        const sample = await sampleSlots(metricsPort).catch(() => null);
        const used = sample?.activitySlotsUsed ?? null;
        const cached = sample?.workflowsCached ?? null;
        if (used !== null) maxSlots = Math.max(maxSlots ?? 0, used);
        if (cached !== null) maxCached = Math.max(maxCached ?? 0, cached);
      }
      await sleep(500);
    }
  })();
  try {
    await body();
  } finally {
    done = true;
    await sampler;
  }
  return {
    rss: { medianMiB: median(values), minMiB: Math.min(...values), maxMiB: Math.max(...values) },
    maxActivitySlotsUsed: maxSlots,
    maxWorkflowsCached: maxCached,
  };
}

export interface RssSample {
  medianMiB: number;
  minMiB: number;
  maxMiB: number;
}

export interface RssRun {
  shards: number;
  /** The same worker process before any stream: 0 shards. */
  idle: RssSample;
  consuming: RssSample;
  /**
   * VmRSS sampled every 500 ms from the consumer's start while the stream is filled and the worker
   * catches up with the fill (under load, not idle).
   */
  draining: RssSample;
  /** Records of that backlog and the seconds from the consumer's start until every shard caught up. */
  drainRecords: number;
  drainSeconds: number;
  /** Shards whose checkpoint reached their last record before the wait ended, of those given records. */
  shardsCaughtUp: number;
  shardsWithRecords: number;
  /** Activity slots the worker granted (each shard's poll or batch holds one). */
  activitySlots: number;
  /** Most activity slots in use in the 2-second scrapes during the drain; null: not exported. */
  maxActivitySlotsUsed: number | null;
  /** Most workflow runs the worker held cached in those scrapes (KSP_MAX_CACHED_WORKFLOWS bounds it); null: not exported. */
  maxWorkflowsCached: number | null;
  /** The worker's activity schedule-to-start, after the drain and after the idle samples. */
  scheduleToStartDrained: ScheduleToStart | null;
  scheduleToStartEnd: ScheduleToStart | null;
  deltaMiB: number;
  perShardMiB: number;
}

export interface RssResult {
  settleSeconds: number;
  samples: number;
  runs: RssRun[];
  /**
   * (delta with the most shards − delta with the fewest) ÷ the shard difference: the cost of one
   * more shard. Deltas, each against its own process's idle baseline, because fresh processes'
   * baselines differ by tens of MiB depending on whether V8 has collected yet.
   */
  marginalPerShardMiB: number | null;
}

async function sampleRss(pid: number, samples: number, signal: AbortSignal): Promise<RssSample> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(1_000, signal);
    const v = rssMiB(pid);
    if (v === null) throw new Error(`the worker process ${pid} is gone`);
    values.push(v);
  }
  return { medianMiB: median(values), minMiB: Math.min(...values), maxMiB: Math.max(...values) };
}

async function measure(ctx: SectionContext, shards: number): Promise<RssRun> {
  const { stack, options, signal } = ctx;
  const { settleMs, samples } = options.rss;
  const taskQueue = `bench-rss-${shards}-${process.pid}`;
  const metricsPort = await getFreePort();
  const activitySlots = activitySlotsFor(shards);
  const worker = await startWorkerProcess(stack, {
    taskQueue,
    workflowBundlePath: ctx.workflowBundlePath,
    logFile: path.join(ctx.logDir, `worker-${shards}-shards.log`),
    signal,
    env: {
      KSP_MAX_CONCURRENT_ACTIVITIES: String(activitySlots),
      KSP_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      ...options.workerEnv,
    },
  });
  const streamName = freshStreamName(`rss-${shards}`);
  let shardIds: string[] = [];
  try {
    await sleep(settleMs, signal);
    const idle = await sampleRss(worker.pid, samples, signal);
    shardIds = await createStream(stack.kinesis, streamName, shards);
    const entries = fillEntries(shards * options.rss.recordsPerShard, Math.max(1_000, shards * 8));
    const pending = new Set<string>();
    let caughtUpOf = 0;
    const started = performance.now();
    await startKspConsumer(stack, streamName, { batchSize: options.batchSize }, taskQueue);
    const {
      rss: draining,
      maxActivitySlotsUsed,
      maxWorkflowsCached,
    } = await rssWhile(worker.pid, metricsPort, async () => {
      const fill = await fillStream(stack.kinesis, streamName, entries);
      ctx.log(`rss ${shards} shards: ${fill.records} records put in ${fill.seconds.toFixed(1)} s`);
      caughtUpOf = Object.keys(fill.lastSequenceByShard).length;
      await waitForCheckpoints(stack.client, streamName, fill.lastSequenceByShard, {
        // One status query per pending shard per round: at hundreds of shards, fewer rounds.
        intervalMs: shards > 100 ? 2_000 : 250,
        timeoutMs: 120_000 + shards * 700,
        signal,
        pending,
      }).catch((err: unknown) => {
        // A drain that did not finish still says what the worker's memory was under load.
        if (signal.aborted) throw err;
        ctx.log(`rss ${shards} shards: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    const drainSeconds = (performance.now() - started) / 1000;
    const shardsCaughtUp = caughtUpOf - pending.size;
    const scheduleToStartDrained = (await sampleSlots(metricsPort)).scheduleToStart;
    ctx.log(
      `rss ${shards} shards: ${shardsCaughtUp} of ${caughtUpOf} shards caught up ${drainSeconds.toFixed(1)} s after the consumer started; ` +
        `RSS while draining median ${draining.medianMiB.toFixed(1)} max ${draining.maxMiB.toFixed(1)} MiB; ` +
        `schedule-to-start ${JSON.stringify(scheduleToStartDrained)}, slots used max ${maxActivitySlotsUsed}, ` +
        `workflows cached max ${maxWorkflowsCached}`,
    );
    await sleep(settleMs, signal);
    const consuming = await sampleRss(worker.pid, samples, signal);
    const scheduleToStartEnd = (await sampleSlots(metricsPort)).scheduleToStart;
    const deltaMiB = consuming.medianMiB - idle.medianMiB;
    ctx.log(
      `rss ${shards} shards: idle ${idle.medianMiB.toFixed(1)} MiB, consuming ${consuming.medianMiB.toFixed(1)} MiB (+${deltaMiB.toFixed(1)})`,
    );
    return {
      shards,
      idle,
      consuming,
      draining,
      drainRecords: entries.length,
      drainSeconds,
      shardsCaughtUp,
      shardsWithRecords: caughtUpOf,
      activitySlots,
      maxActivitySlotsUsed,
      maxWorkflowsCached,
      scheduleToStartDrained,
      scheduleToStartEnd,
      deltaMiB,
      perShardMiB: deltaMiB / shards,
    };
  } finally {
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await worker.stop();
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}

export async function runRss(ctx: SectionContext): Promise<RssResult> {
  const runs: RssRun[] = [];
  for (const shards of ctx.options.rss.shardCounts) runs.push(await measure(ctx, shards));
  const sorted = [...runs].sort((a, b) => a.shards - b.shards);
  const fewest = sorted[0];
  const most = sorted[sorted.length - 1];
  return {
    settleSeconds: ctx.options.rss.settleMs / 1000,
    samples: ctx.options.rss.samples,
    runs,
    marginalPerShardMiB:
      fewest && most && most.shards > fewest.shards
        ? (most.deltaMiB - fewest.deltaMiB) / (most.shards - fewest.shards)
        : null,
  };
}
