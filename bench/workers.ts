/**
 * Section `workers` (goal 5 of issue 14): 3 worker processes on one task queue consume a stream
 * of 96 shards at 5 records/s per shard with the default stream options. Reported: shard-seconds
 * per worker over a window (busiest ÷ least busy, goal ≤ 1.5), the time from SIGKILL of one
 * worker until every shard has checkpointed records written after the kill (goal: within the
 * heartbeat timeout), and the spread after a fourth worker joins. Nothing-lost and per-key
 * order are asserted by test/integration/multi-worker.test.ts (a sink handler), not here.
 */
import path from 'node:path';
import { activitySlotsFor } from '../src/workers/activity-slots';
import type { SectionContext } from './context';
import { startKspConsumer, terminateKspConsumer, waitForCheckpoints } from './ksp-consumer';
import { KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS } from './options';
import { heldSeconds } from './shard-holders';
import { createStream, deleteStream, fillEntries, fillStream, freshStreamName } from './streams';
import { produceTimed } from './timed-producer';
import { sleep } from './wait';
import { ratioOf } from './worker-spread';
import { type WorkerProcess, startWorkerProcess } from './worker-process';

export interface WorkersOptions {
  shards: number;
  workers: number;
  ratePerShard: number;
  windowMs: number;
}

export interface SpreadWindow {
  /** Worker name → shard-seconds held in the window. */
  perWorker: Record<string, number>;
  /** Worker name → shard activities it completed in the window (0 with shard-seconds = long-lived activities). */
  closedPerWorker: Record<string, number>;
  ratio: number;
}

export interface WorkersResult {
  shards: number;
  workers: number;
  ratePerShard: number;
  windowSeconds: number;
  heartbeatTimeoutSeconds: number;
  spread: SpreadWindow;
  /** SIGKILL of worker `a` → every shard checkpointed a record written after it. */
  failoverSeconds: number;
  joined: SpreadWindow;
}

async function spreadOver(
  ctx: SectionContext,
  streamName: string,
  shardIds: string[],
  workers: Record<string, WorkerProcess>,
  names: string[],
  windowMs: number,
): Promise<SpreadWindow> {
  const from = Date.now();
  await sleep(windowMs, ctx.signal);
  const closed: Record<string, number> = {};
  const byIdentity = await heldSeconds(ctx.stack.client, streamName, shardIds, from, Date.now(), closed);
  const nameOf = (identity: string) =>
    Object.entries(workers).find(([, w]) => identity.startsWith(`${w.pid}@`))?.[0] ?? identity;
  const perWorker: Record<string, number> = {};
  for (const [identity, seconds] of Object.entries(byIdentity))
    perWorker[nameOf(identity)] = (perWorker[nameOf(identity)] ?? 0) + seconds;
  const closedPerWorker: Record<string, number> = {};
  for (const [identity, n] of Object.entries(closed))
    closedPerWorker[nameOf(identity)] = (closedPerWorker[nameOf(identity)] ?? 0) + n;
  return { perWorker, closedPerWorker, ratio: ratioOf(perWorker, names) };
}

export async function runWorkers(ctx: SectionContext, o: WorkersOptions): Promise<WorkersResult> {
  const { stack, signal } = ctx;
  const taskQueue = `bench-workers-${process.pid}`;
  const env = { KSP_MAX_CONCURRENT_ACTIVITIES: String(activitySlotsFor(o.shards, o.workers)) };
  const start = (name: string) =>
    startWorkerProcess(stack, {
      taskQueue,
      workflowBundlePath: ctx.workflowBundlePath,
      logFile: path.join(ctx.logDir, `worker-spread-${name}.log`),
      signal,
      env,
    });
  const names = Array.from({ length: o.workers }, (_, i) => String.fromCharCode(97 + i));
  const workers: Record<string, WorkerProcess> = {};
  const streamName = freshStreamName(`workers-${o.shards}`);
  let shardIds: string[] = [];
  const producing = new AbortController();
  try {
    for (const name of names) workers[name] = await start(name);
    shardIds = await createStream(stack.kinesis, streamName, o.shards);
    await startKspConsumer(stack, streamName, { batchSize: 100 }, taskQueue);
    const produced = produceTimed(
      stack.kinesis,
      streamName,
      o.ratePerShard * o.shards,
      AbortSignal.any([signal, producing.signal]),
      // ~10 keys per shard, so every shard gets its 5 records/s.
      o.shards * 10,
    );
    let producerError: unknown = null;
    produced.catch((err: unknown) => (producerError = err));
    await sleep(10_000, signal);
    const spread = await spreadOver(ctx, streamName, shardIds, workers, names, o.windowMs);
    ctx.log(
      `workers ${o.workers} × ${o.shards} shards: shard-seconds ${JSON.stringify(spread.perWorker)}, activities completed ${JSON.stringify(spread.closedPerWorker)}, ratio ${spread.ratio.toFixed(2)}`,
    );

    await (workers.a as WorkerProcess).kill();
    const killedAt = performance.now();
    const fill = await fillStream(stack.kinesis, streamName, fillEntries(o.shards * 20));
    await waitForCheckpoints(stack.client, streamName, fill.lastSequenceByShard, {
      intervalMs: 500,
      timeoutMs: KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS * 4,
      signal,
    });
    const failoverSeconds = (performance.now() - killedAt) / 1000;
    ctx.log(`workers: SIGKILL a → every shard checkpointed after ${failoverSeconds.toFixed(1)} s`);

    const joiner = String.fromCharCode(97 + o.workers);
    workers[joiner] = await start(joiner);
    const survivors = [...names.slice(1), joiner];
    const joined = await spreadOver(ctx, streamName, shardIds, workers, survivors, o.windowMs);
    ctx.log(
      `workers: ${joiner} joined: ${JSON.stringify(joined.perWorker)}, activities completed ${JSON.stringify(joined.closedPerWorker)}, ratio ${joined.ratio.toFixed(2)}`,
    );
    if (producerError !== null)
      throw new Error(
        `the workers section's producer failed: ${producerError instanceof Error ? producerError.message : JSON.stringify(producerError)}`,
      );
    return {
      shards: o.shards,
      workers: o.workers,
      ratePerShard: o.ratePerShard,
      windowSeconds: o.windowMs / 1000,
      heartbeatTimeoutSeconds: KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000,
      spread,
      failoverSeconds,
      joined,
    };
  } finally {
    producing.abort();
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await Promise.allSettled(Object.values(workers).map((w) => w.stop()));
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}
