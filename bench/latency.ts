/**
 * Section 2, put → handler latency when caught up: a steady producer writes timestamped records;
 * ksp (shard workflows) and the plain loop read the same stream at the same time, so both see the
 * same records under the same load. Records put during the warm-up are not measured.
 * First, alone (so the Kinesis meters count only it): ksp at its DEFAULT settings on a steady
 * 5 records/s per shard (issue 14 goal 3: p50 ≤ 250 ms, p99 ≤ 500 ms from ≥ 1,000 records, at
 * most 2.5 GetRecords/s per shard), beside the plain loop polling 1 s after an empty response.
 * Then the older comparison, at once on their own streams: idlePollInterval 1 s and 200 ms vs the
 * plain loop with the same interval, at 1 record/s per shard.
 */
import { formatDuration } from '../src/config/duration';
import type { SectionContext } from './context';
import { KSP_DEFAULT_IDLE_POLL_MS, KSP_DEFAULT_MAX_POLL_WAIT_MS } from './options';
import { type LatencyResult, LatencyRecorder } from './latency-recorder';
import { startKspConsumer, terminateKspConsumer, waitForShardsRunning } from './ksp-consumer';
import { runPlainLoops } from './plain-consumer';
import { createStream, deleteStream, freshStreamName } from './streams';
import { produceTimed } from './timed-producer';
import { sleep, waitUntil } from './wait';
import { callsPerShardSecond, getRecordsCalls } from './read-rate';

export interface LatencyRun {
  /** ksp ran with every setting at its default (busyPollInterval, idlePollInterval, ...). */
  defaults: boolean;
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
  /** Average GetRecords calls per second per shard inside the window; null when other runs shared the meters. */
  readsPerShardSecond: { ksp: number; plain: number } | null;
}

export interface LatencyResultSet {
  backend: string;
  shards: number;
  runs: LatencyRun[];
}

interface LatencySpec {
  /** null: ksp at its defaults (the plain loop then polls idlePollInterval's default after an empty response). */
  idlePollIntervalMs: number | null;
  ratePerShard: number;
  windowMs: number;
  /** Alone on the stack: the Kinesis meters count only this run. */
  alone: boolean;
}

async function measure(ctx: SectionContext, spec: LatencySpec): Promise<LatencyRun> {
  const { stack, options, signal } = ctx;
  const { warmupMs } = options.latency;
  const { windowMs } = spec;
  const defaults = spec.idlePollIntervalMs === null;
  const pollIntervalMs = spec.idlePollIntervalMs ?? KSP_DEFAULT_IDLE_POLL_MS;
  const ratePerSecond = spec.ratePerShard * options.shards;
  const streamName = freshStreamName(defaults ? 'latency-defaults' : `latency-${pollIntervalMs}ms`);
  const shardIds = await createStream(stack.kinesis, streamName, options.shards);
  const consumersDone = new AbortController();
  let unroute = (): void => undefined;
  try {
    await startKspConsumer(
      stack,
      streamName,
      defaults ? {} : { batchSize: options.batchSize, idlePollInterval: pollIntervalMs },
    );
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
    await sleep(warmupMs, signal);
    const kspBefore = stack.workerMeter.read();
    const plainBefore = stack.plainMeter.read();
    await sleep(windowMs, signal);
    const kspCalls = getRecordsCalls(stack.workerMeter.since(kspBefore));
    const plainCalls = getRecordsCalls(stack.plainMeter.since(plainBefore));
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
      defaults,
      pollIntervalMs,
      maxPollWait: formatDuration(KSP_DEFAULT_MAX_POLL_WAIT_MS),
      ratePerSecond,
      windowSeconds: windowMs / 1000,
      records: expected.length,
      ksp: ksp.result(expected),
      plain: plain.result(expected),
      readsPerShardSecond: spec.alone
        ? {
            ksp: callsPerShardSecond(kspCalls, options.shards, windowMs),
            plain: callsPerShardSecond(plainCalls, options.shards, windowMs),
          }
        : null,
    };
    const reads = run.readsPerShardSecond
      ? `; GetRecords/s per shard ksp ${run.readsPerShardSecond.ksp.toFixed(2)} plain ${run.readsPerShardSecond.plain.toFixed(2)}`
      : '';
    ctx.log(
      `latency ${stack.backend} ${defaults ? 'defaults' : `poll ${pollIntervalMs} ms`}: ksp p50 ${run.ksp.p50} ms p99 ${run.ksp.p99} ms; plain p50 ${run.plain.p50} ms p99 ${run.plain.p99} ms (${run.records} records)${reads}`,
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
  const { latency } = ctx.options;
  const atDefaults = await measure(ctx, {
    idlePollIntervalMs: null,
    ratePerShard: latency.defaultsRatePerShard,
    windowMs: latency.defaultsWindowMs,
    alone: true,
  });
  // Concurrent: each on its own stream; at one record per shard and second the load is negligible.
  const settled = await Promise.allSettled(
    latency.pollIntervalsMs.map((ms) =>
      measure(ctx, {
        idlePollIntervalMs: ms,
        ratePerShard: latency.ratePerShard,
        windowMs: latency.windowMs,
        alone: false,
      }),
    ),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const runs = [atDefaults, ...settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
  return { backend: ctx.stack.backend, shards: ctx.options.shards, runs };
}
