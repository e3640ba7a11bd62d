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

/** Samples `pid`'s VmRSS every 500 ms until `body` settles. */
async function rssWhile(pid: number, body: () => Promise<void>): Promise<RssSample> {
  const values: number[] = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const v = rssMiB(pid);
      if (v !== null) values.push(v);
      await sleep(500);
    }
  })();
  try {
    await body();
  } finally {
    done = true;
    await sampler;
  }
  return { medianMiB: median(values), minMiB: Math.min(...values), maxMiB: Math.max(...values) };
}
import { startWorkerProcess } from './worker-process';

/** Records each shard handles before the memory is read, so every shard has run a batch. */
const RECORDS_PER_SHARD = 200;

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
  /** VmRSS sampled every 500 ms while the worker catches up with the fill (under load, not idle). */
  draining: RssSample;
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
  const worker = await startWorkerProcess(stack, {
    taskQueue,
    workflowBundlePath: ctx.workflowBundlePath,
    logFile: path.join(ctx.logDir, `worker-${shards}-shards.log`),
    signal,
    env: { KSP_MAX_CONCURRENT_ACTIVITIES: String(activitySlotsFor(shards)) },
  });
  const streamName = freshStreamName(`rss-${shards}`);
  let shardIds: string[] = [];
  try {
    await sleep(settleMs, signal);
    const idle = await sampleRss(worker.pid, samples, signal);
    shardIds = await createStream(stack.kinesis, streamName, shards);
    await startKspConsumer(stack, streamName, { batchSize: options.batchSize }, taskQueue);
    const fill = await fillStream(stack.kinesis, streamName, fillEntries(shards * RECORDS_PER_SHARD));
    const draining = await rssWhile(worker.pid, () =>
      waitForCheckpoints(stack.client, streamName, fill.lastSequenceByShard, {
        intervalMs: 250,
        timeoutMs: 120_000 + shards * 500,
        signal,
      }),
    );
    await sleep(settleMs, signal);
    const consuming = await sampleRss(worker.pid, samples, signal);
    const deltaMiB = consuming.medianMiB - idle.medianMiB;
    ctx.log(
      `rss ${shards} shards: idle ${idle.medianMiB.toFixed(1)} MiB, consuming ${consuming.medianMiB.toFixed(1)} MiB (+${deltaMiB.toFixed(1)})`,
    );
    return { shards, idle, consuming, draining, deltaMiB, perShardMiB: deltaMiB / shards };
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
