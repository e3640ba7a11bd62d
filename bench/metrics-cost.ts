/**
 * Section 5, the cost of metrics: the same 32-shard backlog drained by a fresh worker process with
 * metrics off (the baseline) and with them on (KSP_METRICS_ADDRESS), its CPU time and VmRSS read
 * from /proc during the drain; then the size of the Prometheus scrape (bytes of /metrics) of the
 * metrics-on worker idle with 0 shards (the baseline), after the 32-shard drain, and consuming a
 * 256-shard stream (a worker with KSP_MAX_CONCURRENT_ACTIVITIES above 256: one long poll per shard).
 */
import path from 'node:path';
import { getFreePort } from '../src/local/ports';
import type { SectionContext } from './context';
import { startKspConsumer, terminateKspConsumer, waitForCheckpoints } from './ksp-consumer';
import { cpuMsOf, rssMiB } from './proc';
import { median } from './stats';
import { createStream, deleteStream, fillEntries, fillStream, freshStreamName } from './streams';
import { sleep } from './wait';
import { activitySlotsFor } from '../src/workers/activity-slots';
import { type WorkerProcess, startWorkerProcess } from './worker-process';

export interface MetricsLoadRun {
  metrics: 'off' | 'on';
  records: number;
  drainSeconds: number;
  /** Worker process CPU (user + system) during the drain. */
  cpuSeconds: number;
  cpuMsPer1000Records: number;
  /** VmRSS sampled every 500 ms during the drain. */
  rssMedianMiB: number;
  rssMaxMiB: number;
}

export interface ScrapeSize {
  /** 0: the worker idle, before any stream (the baseline). */
  shards: number;
  bytes: number;
  /** Sample lines (not comments). */
  samples: number;
  /** Bytes of the ksp_* lines (samples and their HELP/TYPE). */
  kspBytes: number;
}

export interface MetricsCostResult {
  shards: number;
  load: MetricsLoadRun[];
  scrapes: ScrapeSize[];
}

/** Records each shard of the large stream handles, so every shard has its series. */
const RECORDS_PER_LARGE_SHARD = 4;
const SAMPLE_MS = 500;
/** Metrics off whatever the bench's own environment says. */
const OFF = { KSP_METRICS_ADDRESS: '', KSP_METRICS_OTLP: '', KSP_METRICS_EMF: '' };

async function scrape(port: number): Promise<ScrapeSize & { text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics on 127.0.0.1:${port} answered ${response.status}`);
  const text = await response.text();
  const lines = text.split('\n');
  const kspLines = lines.filter((l) => /^(# (HELP|TYPE) )?ksp_/.test(l));
  return {
    shards: 0,
    bytes: Buffer.byteLength(text),
    samples: lines.filter((l) => l !== '' && !l.startsWith('#')).length,
    kspBytes: kspLines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0),
    text,
  };
}

async function worker(
  ctx: SectionContext,
  name: string,
  env: Record<string, string>,
): Promise<WorkerProcess & { taskQueue: string }> {
  const taskQueue = `bench-metrics-${name}-${process.pid}`;
  const started = await startWorkerProcess(ctx.stack, {
    taskQueue,
    workflowBundlePath: ctx.workflowBundlePath,
    logFile: path.join(ctx.logDir, `worker-metrics-${name}.log`),
    signal: ctx.signal,
    env: { ...env, ...ctx.options.workerEnv },
  });
  return { ...started, taskQueue };
}

/** Runs `body` on a fresh stream of `shards` shards, consumed by `w`; cleans up after. */
async function withStream<T>(
  ctx: SectionContext,
  w: { taskQueue: string },
  shards: number,
  records: number,
  body: (drain: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const { stack, options, signal } = ctx;
  const streamName = freshStreamName(`metrics-${shards}`);
  let shardIds: string[] = [];
  try {
    shardIds = await createStream(stack.kinesis, streamName, shards);
    const fill = await fillStream(stack.kinesis, streamName, fillEntries(records));
    const drain = async (): Promise<void> => {
      await startKspConsumer(stack, streamName, { batchSize: options.batchSize }, w.taskQueue);
      await waitForCheckpoints(stack.client, streamName, fill.lastSequenceByShard, {
        intervalMs: 500,
        timeoutMs: options.metrics.drainTimeoutMs,
        signal,
      });
    };
    return await body(drain);
  } finally {
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}

/** Drains the backlog while sampling the worker's VmRSS; CPU is read before and after. */
async function measureDrain(
  w: WorkerProcess,
  metrics: MetricsLoadRun['metrics'],
  records: number,
  drain: () => Promise<void>,
): Promise<MetricsLoadRun> {
  const rss: number[] = [];
  const cpuBefore = cpuMsOf(w.pid);
  const started = performance.now();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const v = rssMiB(w.pid);
      if (v !== null) rss.push(v);
      await sleep(SAMPLE_MS);
    }
  })();
  try {
    await drain();
  } finally {
    done = true;
    await sampler;
  }
  const drainSeconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuMsOf(w.pid);
  if (cpuBefore === null || cpuAfter === null) throw new Error(`the worker process ${w.pid} is gone`);
  const cpuSeconds = (cpuAfter - cpuBefore) / 1000;
  return {
    metrics,
    records,
    drainSeconds,
    cpuSeconds,
    cpuMsPer1000Records: (cpuSeconds * 1_000_000) / records,
    rssMedianMiB: median(rss),
    rssMaxMiB: Math.max(...rss),
  };
}

export async function runMetricsCost(ctx: SectionContext): Promise<MetricsCostResult> {
  const o = ctx.options.metrics;
  const load: MetricsLoadRun[] = [];
  const scrapes: ScrapeSize[] = [];
  const keep = ({ text: _text, ...size }: ScrapeSize & { text: string }, shards: number) =>
    scrapes.push({ ...size, shards });
  for (const metrics of ['off', 'on'] as const) {
    const port = await getFreePort();
    const w = await worker(
      ctx,
      metrics,
      metrics === 'on' ? { KSP_METRICS_ADDRESS: `127.0.0.1:${port}` } : OFF,
    );
    try {
      await sleep(o.settleMs, ctx.signal);
      if (metrics === 'on') keep(await scrape(port), 0);
      const run = await withStream(ctx, w, o.shards, o.records, (drain) =>
        measureDrain(w, metrics, o.records, drain),
      );
      ctx.log(
        `metrics ${metrics}: ${o.records} records over ${o.shards} shards in ${run.drainSeconds.toFixed(1)} s, ` +
          `worker CPU ${run.cpuSeconds.toFixed(1)} s, RSS median ${run.rssMedianMiB.toFixed(1)} MiB`,
      );
      load.push(run);
      if (metrics === 'on') keep(await scrape(port), o.shards);
    } finally {
      await w.stop();
    }
  }
  const port = await getFreePort();
  const w = await worker(ctx, `${o.largeShards}-shards`, {
    KSP_METRICS_ADDRESS: `127.0.0.1:${port}`,
    KSP_MAX_CONCURRENT_ACTIVITIES: String(activitySlotsFor(o.largeShards)),
  });
  try {
    await withStream(ctx, w, o.largeShards, o.largeShards * RECORDS_PER_LARGE_SHARD, (drain) => drain());
    const size = await scrape(port);
    ctx.log(`metrics: /metrics with ${o.largeShards} shards is ${size.bytes} bytes`);
    keep(size, o.largeShards);
  } finally {
    await w.stop();
  }
  return { shards: o.shards, load, scrapes };
}
