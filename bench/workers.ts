/**
 * Section `workers` (goal 5 of issue 14): 3 worker processes on one task queue consume a stream
 * of 96 shards at 5 records/s per shard with the default stream options. Reported: shard-seconds
 * per worker over a window (busiest ÷ least busy, goal ≤ 1.5); after SIGKILL of one worker, how
 * long until every shard's handler was handed a record put after the kill (goal: within the
 * heartbeat timeout; from the handlers' own output, bench/arrivals-handler.ts, since a consuming
 * loop's checkpoint reaches its workflow only when the loop returns); the spread after a fourth
 * worker joins; and at the end, records lost, redelivered and out of per-key order.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { activitySlotsFor } from '../src/workers/activity-slots';
import { ArrivalLog, type DeliverySummary, consumedAfter, summarizeDeliveries } from './arrivals';
import type { SectionContext } from './context';
import { startKspConsumer, terminateKspConsumer } from './ksp-consumer';
import { KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS } from './options';
import { heldSeconds, shardHolders } from './shard-holders';
import { createStream, deleteStream, freshStreamName } from './streams';
import { produceTimed } from './timed-producer';
import { sleep, waitUntil } from './wait';
import { type HolderSample, holdingsOf, ratioOf } from './worker-spread';
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

export interface FailoverResult {
  /** Shards whose activity ran on the killed worker just before the kill. */
  killedShards: number;
  /** SIGKILL → every shard's handler handed a record put after it; null when some never were. */
  seconds: number | null;
  /** The same for the killed worker's shards only, and for the others' (null: none, or not all). */
  killedShardsSeconds: number | null;
  /** The first of the killed worker's shards to be handed a record put after the kill. */
  killedShardsFirstSeconds: number | null;
  otherShardsSeconds: number | null;
  /** Shards with no record put after the kill handled within the wait. */
  unconsumed: number;
  /** Right after: worker name → shards whose activity runs on it ("-" none running). */
  holdersAfter: Record<string, number>;
}

export interface WorkersResult {
  shards: number;
  workers: number;
  ratePerShard: number;
  windowSeconds: number;
  heartbeatTimeoutSeconds: number;
  spread: SpreadWindow;
  failover: FailoverResult;
  joined: SpreadWindow;
  /** Every record the producer put, as the handlers saw them (after a wait for the last ones). */
  deliveries: DeliverySummary;
}

type Workers = Record<string, WorkerProcess>;

function nameOf(workers: Workers, identity: string): string {
  return Object.entries(workers).find(([, w]) => identity.startsWith(`${w.pid}@`))?.[0] ?? identity;
}

async function spreadOver(
  ctx: SectionContext,
  streamName: string,
  shardIds: string[],
  workers: Workers,
  names: string[],
  windowMs: number,
): Promise<SpreadWindow> {
  const from = Date.now();
  await sleep(windowMs, ctx.signal);
  const closed: Record<string, number> = {};
  const byIdentity = await heldSeconds(ctx.stack.client, streamName, shardIds, from, Date.now(), closed);
  const perWorker: Record<string, number> = {};
  for (const [identity, seconds] of Object.entries(byIdentity))
    perWorker[nameOf(workers, identity)] = (perWorker[nameOf(workers, identity)] ?? 0) + seconds;
  const closedPerWorker: Record<string, number> = {};
  for (const [identity, n] of Object.entries(closed))
    closedPerWorker[nameOf(workers, identity)] = (closedPerWorker[nameOf(workers, identity)] ?? 0) + n;
  return { perWorker, closedPerWorker, ratio: ratioOf(perWorker, names) };
}

async function holdersByName(ctx: SectionContext, streamName: string, shardIds: string[], workers: Workers) {
  const sample = await shardHolders(ctx.stack.client, streamName, shardIds);
  const named: HolderSample = Object.fromEntries(
    Object.entries(sample).map(([s, h]) => [s, h === null ? null : nameOf(workers, h)]),
  );
  return named;
}

/** SIGKILL worker `victim`, then wait until every shard's handler was handed a record put after it. */
async function failover(
  ctx: SectionContext,
  streamName: string,
  shardIds: string[],
  workers: Workers,
  victim: string,
  log: ArrivalLog,
  producerError: () => unknown,
): Promise<FailoverResult> {
  const before = await holdersByName(ctx, streamName, shardIds, workers);
  const killed = new Set(shardIds.filter((s) => before[s] === victim));
  await (workers[victim] as WorkerProcess).kill();
  const killedAt = Date.now();
  let consumed = new Map<string, number>();
  await waitUntil(
    () => {
      if (producerError() !== null) return true; // no record after the kill will come
      log.poll();
      consumed = consumedAfter(log.arrivals, killedAt);
      return shardIds.every((s) => consumed.has(s));
    },
    {
      what: 'every shard handling a record put after the SIGKILL',
      timeoutMs: KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS * 4,
      intervalMs: 500,
      signal: ctx.signal,
    },
  ).catch((err: unknown) => {
    if (ctx.signal.aborted) throw err;
  });
  const worst = (ids: string[]): number | null => {
    if (ids.length === 0 || !ids.every((s) => consumed.has(s))) return null;
    return Math.max(...ids.map((s) => consumed.get(s) as number)) / 1000;
  };
  const after = await holdersByName(ctx, streamName, shardIds, workers);
  const counts = holdingsOf(after, Object.keys(workers));
  const unheld = Object.values(after).filter((h) => h === null).length;
  return {
    killedShards: killed.size,
    seconds: worst(shardIds),
    killedShardsSeconds: worst([...killed]),
    killedShardsFirstSeconds: [...killed].some((s) => consumed.has(s))
      ? Math.min(...[...killed].filter((s) => consumed.has(s)).map((s) => consumed.get(s) as number)) / 1000
      : null,
    otherShardsSeconds: worst(shardIds.filter((s) => !killed.has(s))),
    unconsumed: shardIds.filter((s) => !consumed.has(s)).length,
    holdersAfter: { ...counts, ...(unheld > 0 ? { '-': unheld } : {}) },
  };
}

export async function runWorkers(ctx: SectionContext, o: WorkersOptions): Promise<WorkersResult> {
  const { stack, signal } = ctx;
  const taskQueue = `bench-workers-${process.pid}`;
  const streamName = freshStreamName(`workers-${o.shards}`);
  const arrivalsDir = path.join(ctx.logDir, `arrivals-${streamName}`);
  rmSync(arrivalsDir, { recursive: true, force: true });
  mkdirSync(arrivalsDir, { recursive: true });
  const env = {
    KSP_MAX_CONCURRENT_ACTIVITIES: String(activitySlotsFor(o.shards, o.workers)),
    KSP_HANDLER: path.join(__dirname, 'arrivals-handler.js'),
    KSP_BENCH_ARRIVALS_DIR: arrivalsDir,
    ...ctx.options.workerEnv,
  };
  const start = (name: string) =>
    startWorkerProcess(stack, {
      taskQueue,
      workflowBundlePath: ctx.workflowBundlePath,
      logFile: path.join(ctx.logDir, `worker-spread-${name}.log`),
      signal,
      env,
    });
  const names = Array.from({ length: o.workers }, (_, i) => String.fromCharCode(97 + i));
  const workers: Workers = {};
  const log = new ArrivalLog(arrivalsDir);
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
    const throwIfProducerFailed = () => {
      if (producerError !== null)
        throw new Error(
          `the workers section's producer failed: ${producerError instanceof Error ? producerError.message.slice(0, 500) : JSON.stringify(producerError)}`,
        );
    };
    await sleep(10_000, signal);
    const spread = await spreadOver(ctx, streamName, shardIds, workers, names, o.windowMs);
    ctx.log(
      `workers ${o.workers} × ${o.shards} shards: shard-seconds ${JSON.stringify(spread.perWorker)}, activities completed ${JSON.stringify(spread.closedPerWorker)}, ratio ${spread.ratio.toFixed(2)}`,
    );

    throwIfProducerFailed();
    const killedPid = String((workers.a as WorkerProcess).pid);
    const fo = await failover(ctx, streamName, shardIds, workers, 'a', log, () => producerError);
    throwIfProducerFailed();
    ctx.log(
      `workers: SIGKILL a (running ${fo.killedShards} shards) → every shard handled a record put after it in ${fo.seconds?.toFixed(1) ?? `never (${fo.unconsumed} shards not)`} s (a's shards ${fo.killedShardsFirstSeconds?.toFixed(1) ?? '-'}–${fo.killedShardsSeconds?.toFixed(1) ?? '-'} s, the others ${fo.otherShardsSeconds?.toFixed(1) ?? '-'} s); activities then on ${JSON.stringify(fo.holdersAfter)}`,
    );

    const joiner = String.fromCharCode(97 + o.workers);
    workers[joiner] = await start(joiner);
    const survivors = [...names.slice(1), joiner];
    const joined = await spreadOver(ctx, streamName, shardIds, workers, survivors, o.windowMs);
    ctx.log(
      `workers: ${joiner} joined: ${JSON.stringify(joined.perWorker)}, activities completed ${JSON.stringify(joined.closedPerWorker)}, ratio ${joined.ratio.toFixed(2)}`,
    );
    producing.abort();
    const put = await produced.catch(() => []);
    throwIfProducerFailed();
    const handledAll = () => {
      log.poll();
      return summarizeDeliveries(log.arrivals, put.length, killedPid).lost === 0;
    };
    await waitUntil(handledAll, {
      what: 'every record put handled',
      timeoutMs: 60_000,
      intervalMs: 1_000,
      signal,
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
    });
    log.poll();
    const deliveries = summarizeDeliveries(log.arrivals, put.length, killedPid);
    ctx.log(
      `workers: ${deliveries.produced} records put, ${deliveries.lost} lost, ${deliveries.redelivered} redelivered (${deliveries.redeliveredFromWorker} first handed to a), ${deliveries.orderViolations} out of per-key order, put → handled p50 ${deliveries.lagMs.p50} ms p99 ${deliveries.lagMs.p99} ms max ${deliveries.lagMs.max} ms ${deliveries.examples.join('; ')}`,
    );
    return {
      shards: o.shards,
      workers: o.workers,
      ratePerShard: o.ratePerShard,
      windowSeconds: o.windowMs / 1000,
      heartbeatTimeoutSeconds: KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000,
      spread,
      failover: fo,
      joined,
      deliveries,
    };
  } finally {
    producing.abort();
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await Promise.allSettled(Object.values(workers).map((w) => w.stop()));
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}
