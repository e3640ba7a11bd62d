/**
 * Section 2, put → handler latency when caught up: a steady, slow producer writes timestamped
 * records; ksp (shard workflows, idlePollInterval = the setting under test) and the plain loop
 * (same poll interval after an empty GetRecords) read the same stream at the same time, so both
 * see the same records under the same load. Each poll interval gets its own stream, all measured
 * at once. Records put during the warm-up are not measured.
 */
import { formatDuration } from '../src/config/duration';
import type { SectionContext } from './context';
import { KSP_DEFAULT_MAX_POLL_WAIT_MS } from './options';
import { type LatencyResult, LatencyRecorder } from './latency-recorder';
import { startKspConsumer, terminateKspConsumer, waitForShardsRunning } from './ksp-consumer';
import { runPlainLoops } from './plain-consumer';
import { createStream, deleteStream, freshStreamName } from './streams';
import { produceTimed } from './timed-producer';
import { sleep, waitUntil } from './wait';

export interface LatencyRun {
  /** ksp's idlePollInterval and the plain loop's wait after an empty poll. */
  pollIntervalMs: number;
  /** maxPollWait of the shard workflows (the default). */
  maxPollWait: string;
  ratePerSecond: number;
  windowSeconds: number;
  /** Records put inside the window. */
  records: number;
  ksp: LatencyResult;
  plain: LatencyResult;
}

export interface LatencyResultSet {
  backend: string;
  shards: number;
  runs: LatencyRun[];
}

async function measure(ctx: SectionContext, pollIntervalMs: number): Promise<LatencyRun> {
  const { stack, options, signal } = ctx;
  const { warmupMs, windowMs } = options.latency;
  const ratePerSecond = options.latency.ratePerShard * options.shards;
  const streamName = freshStreamName(`latency-${pollIntervalMs}ms`);
  const shardIds = await createStream(stack.kinesis, streamName, options.shards);
  const consumersDone = new AbortController();
  let unroute = (): void => undefined;
  try {
    await startKspConsumer(stack, streamName, {
      batchSize: options.batchSize,
      idlePollInterval: pollIntervalMs,
    });
    await waitForShardsRunning(stack.client, streamName, shardIds, { timeoutMs: 30_000, signal });
    const windowStart = Date.now() + warmupMs;
    const ksp = new LatencyRecorder(windowStart, windowStart + windowMs);
    const plain = new LatencyRecorder(windowStart, windowStart + windowMs);
    unroute = stack.router.route(streamName, async (records) => {
      for (const r of records) ksp.observe(r.data);
    });
    const loops = runPlainLoops({
      kinesis: stack.plainKinesis,
      streamName,
      shardIds,
      limit: options.batchSize,
      emptyPollIntervalMs: pollIntervalMs,
      onBatch: (_shardId, records) => records.forEach((r) => plain.observe(r.Data)),
      signal: AbortSignal.any([signal, consumersDone.signal]),
    });
    loops.catch(() => undefined); // awaited below; a failure surfaces there
    const producing = new AbortController();
    const producer = produceTimed(
      stack.kinesis,
      streamName,
      ratePerSecond,
      AbortSignal.any([signal, producing.signal]),
    );
    await sleep(warmupMs + windowMs, signal);
    producing.abort();
    const expected = (await producer).filter((r) => ksp.inWindow(r.t)).map((r) => r.n);
    // Both consumers get time to hand over the last records of the window.
    await waitUntil(() => expected.every((n) => ksp.has(n) && plain.has(n)), {
      what: 'both consumers to hand over every record of the window',
      timeoutMs: 3 * pollIntervalMs + 10_000,
      intervalMs: 100,
      signal,
    }).catch(() => undefined); // reported as `missing`
    consumersDone.abort();
    await loops;
    const run: LatencyRun = {
      pollIntervalMs,
      maxPollWait: formatDuration(KSP_DEFAULT_MAX_POLL_WAIT_MS),
      ratePerSecond,
      windowSeconds: windowMs / 1000,
      records: expected.length,
      ksp: ksp.result(expected),
      plain: plain.result(expected),
    };
    ctx.log(
      `latency ${stack.backend} poll ${pollIntervalMs} ms: ksp p50 ${run.ksp.p50} ms p99 ${run.ksp.p99} ms; plain p50 ${run.plain.p50} ms p99 ${run.plain.p99} ms (${run.records} records)`,
    );
    return run;
  } finally {
    consumersDone.abort();
    unroute();
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}

export async function runLatency(ctx: SectionContext): Promise<LatencyResultSet> {
  // Concurrent: each on its own stream; at one record per shard and second the load is negligible.
  const settled = await Promise.allSettled(ctx.options.latency.pollIntervalsMs.map((ms) => measure(ctx, ms)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const runs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return { backend: ctx.stack.backend, shards: ctx.options.shards, runs };
}
