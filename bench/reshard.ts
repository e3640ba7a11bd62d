/**
 * Benchmark of a reshard under load, on one backend of the embedded stack: a producer writes at a
 * fixed rate, the in-process worker handles the records, and the reshard workflow changes the
 * shard count mid-stream. Measured in the same run:
 * - time from each reshard call's ACTIVE to the first record handled on one of its new shards
 *   (and to every new shard's first record);
 * - records handled per second in the steady state before, during the reshard (from the request
 *   until every new shard has handled a record), and after; arrival → handled latency in each.
 * Nothing may be lost: the run ends by draining and counting unique records.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { StreamDiscovery } from '../src/activities/stream/discovery';
import { reshardResult, startReshard } from '../src/client/reshard-control';
import { startStream, stopStream, streamHandle } from '../src/client/stream-control';
import type { BatchHandler } from '../src/handler/contract';
import type { KinesisKind } from '../src/local/kinesis-emulator';
import { compileStreamOptions } from '../src/config/stream-options';
import { runDemoProducer } from '../src/producer/demo-producer';
import type { ReshardResult } from '../src/workflows/reshard-messages';
import { openBenchStack } from './bench-stack';
import { type Summary, summarize } from './stats';
import { createStream, deleteStream, freshStreamName } from './streams';
import { num, table } from './table';
import { sleep, waitUntil } from './wait';
import { writeWorkflowBundle } from './workflow-bundle';

export interface ReshardBenchOptions {
  /** @default 'kinesis-local' (UpdateShardCount); kinesalite reshards by SplitShard/MergeShards. */
  backend?: KinesisKind;
  /** @default 4 */
  fromShards?: number;
  /** @default 8 */
  toShards?: number;
  /** Producer records/s. @default 200 on kinesis-local (its PutRecords ceiling is ~400), 1000 on kinesalite */
  rate?: number;
  /** @default 200 */
  keys?: number;
  /** Steady-state window before the reshard. @default 10_000 */
  steadyMs?: number;
  /** Window after every new shard has handled a record. @default 10_000 */
  afterMs?: number;
  /** Server logs and the workflow bundle go here. */
  logDir: string;
  /** A pre-built workflow bundle; bundled into logDir when omitted. */
  workflowBundlePath?: string;
}

/** Throughput and latency of one window. */
export interface WindowStats {
  durationMs: number;
  recordsPerSecond: number;
  /** The slowest whole second of the window, records/s. */
  slowestSecond: number;
  /** Arrival (ApproximateArrivalTimestamp) → handled, ms. */
  latency: Summary;
}

export interface ReshardBenchResult {
  backend: KinesisKind;
  from: number;
  to: number;
  rate: number;
  method: string;
  calls: number;
  reshardDurationMs: number;
  /** Per call: its ACTIVE → the first record handled on a shard it created. */
  activeToFirstChildRecordMs: number[];
  /** The last call's ACTIVE → every new shard has handled a record. */
  activeToAllChildrenMs: number;
  steady: WindowStats;
  during: WindowStats;
  after: WindowStats;
  produced: number;
  handledUnique: number;
  redelivered: number;
  lost: number;
}

interface Handled {
  key: string;
  shardId: string;
  at: number;
  latencyMs: number;
}

function windowStats(events: readonly Handled[], from: number, to: number): WindowStats {
  const inside = events.filter((e) => e.at >= from && e.at < to);
  const seconds = Math.max(0.001, (to - from) / 1000);
  const buckets = new Array<number>(Math.max(1, Math.floor(seconds))).fill(0);
  for (const e of inside) {
    const i = Math.floor((e.at - from) / 1000);
    if (i < buckets.length) buckets[i] = (buckets[i] ?? 0) + 1;
  }
  return {
    durationMs: to - from,
    recordsPerSecond: inside.length / seconds,
    slowestSecond: Math.min(...buckets),
    latency: summarize(inside.map((e) => e.latencyMs)),
  };
}

/**
 * Polls the stream every 25 ms and notes when each shard was first listed open with the stream
 * ACTIVE: the moment a reshard call's change took effect, independent of how often the reshard
 * workflow itself looks (it backs off from 250 ms).
 */
function watchActive(kinesis: KinesisClient, streamName: string, signal: AbortSignal): Map<string, number> {
  const seen = new Map<string, number>();
  const discovery = new StreamDiscovery(kinesis);
  void (async () => {
    while (!signal.aborted) {
      try {
        const d = await discovery.describe(streamName);
        const now = Date.now();
        if (d.status === 'ACTIVE')
          for (const s of d.shards) if (!s.closed && !seen.has(s.shardId)) seen.set(s.shardId, now);
      } catch {
        // a failed poll is retried on the next tick
      }
      await sleep(25).catch(() => undefined);
    }
  })();
  return seen;
}

/** The shards each call of the reshard created, by parent links (UpdateShardCount: all new shards). */
function childrenOfCalls(result: ReshardResult): Array<{ activeAt: number; shardIds: string[] }> {
  const before = new Set(result.before.map((s) => s.shardId));
  const created = result.after.filter((s) => !before.has(s.shardId));
  return result.steps.flatMap((step) =>
    step.calls.map((c) => {
      const parents =
        c.call.op === 'SplitShard'
          ? [c.call.shardId]
          : c.call.op === 'MergeShards'
            ? [c.call.shardId, c.call.adjacentShardId]
            : null;
      const shardIds = created
        .filter((s) => parents === null || s.parentShardIds.some((p) => parents.includes(p)))
        .map((s) => s.shardId);
      return { activeAt: Date.parse(c.activeAt), shardIds };
    }),
  );
}

export async function runReshardBench(options: ReshardBenchOptions): Promise<ReshardBenchResult> {
  const backend = options.backend ?? 'kinesis-local';
  const from = options.fromShards ?? 4;
  const to = options.toShards ?? 8;
  const rate = options.rate ?? (backend === 'kinesis-local' ? 200 : 1000);
  const keys = options.keys ?? 200;
  const steadyMs = options.steadyMs ?? 10_000;
  const afterMs = options.afterMs ?? 10_000;
  const bundle =
    options.workflowBundlePath ?? (await writeWorkflowBundle(`${options.logDir}/workflow-bundle.js`));
  const stack = await openBenchStack(backend, { workflowBundlePath: bundle, logDir: options.logDir });
  const stopping = new AbortController();
  const producer = new AbortController();
  const watching = new AbortController();
  try {
    const streamName = freshStreamName('reshard');
    await createStream(stack.kinesis, streamName, from);
    const events: Handled[] = [];
    const handler: BatchHandler = async (records) => {
      const now = Date.now();
      for (const r of records) {
        events.push({
          key: r.idempotencyKey,
          shardId: r.shardId,
          at: now,
          latencyMs: now - r.approximateArrivalTimestamp.getTime(),
        });
      }
    };
    const unroute = stack.router.route(streamName, handler);
    const streamOptions = compileStreamOptions({ streamName, dlqQueueUrl: stack.dlqQueueUrl });
    await startStream(stack.client, stack.taskQueue, { options: streamOptions });
    const producing = runDemoProducer({
      kinesis: stack.kinesis,
      streamName,
      rate,
      keys,
      signal: producer.signal,
    });
    producing.catch(() => undefined); // awaited below

    // Steady state: after a warm-up of 3 s worth of records, one window.
    await waitUntil(() => events.length >= rate * 3, {
      what: 'the warm-up records',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const steadyFrom = Date.now();
    await sleep(steadyMs);

    // The reshard, then until every new shard has handled a record.
    const activeSince = watchActive(stack.kinesis, streamName, watching.signal);
    const requestedAt = Date.now();
    const result = await reshardResult(
      await startReshard(stack.client, stack.taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: to, allowMultipleSteps: true },
        requestedBy: 'bench',
      }),
    );
    // Each call's ACTIVE as the watcher saw it (the workflow's own observation is coarser).
    const calls = childrenOfCalls(result).map((c) => ({
      ...c,
      activeAt: Math.min(c.activeAt, ...c.shardIds.map((id) => activeSince.get(id) ?? Infinity)),
    }));
    const firstOn = (shardIds: string[]): number | undefined =>
      events.find((e) => shardIds.includes(e.shardId))?.at;
    const allNew = [...new Set(calls.flatMap((c) => c.shardIds))];
    await waitUntil(() => allNew.every((id) => firstOn([id]) !== undefined), {
      what: 'a record on every new shard',
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    const allChildrenAt = Math.max(...allNew.map((id) => firstOn([id]) ?? 0));
    watching.abort();
    await sleep(afterMs);
    const afterTo = Date.now();

    // Drain: everything produced must be handled.
    producer.abort();
    const produced = (await producing).produced;
    await waitUntil(() => new Set(events.map((e) => e.key)).size >= produced, {
      what: `all ${produced} records handled`,
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    const unique = new Set(events.map((e) => e.key)).size;
    await stopStream(stack.client, streamName);
    await streamHandle(stack.client, streamName).result();
    unroute();
    await deleteStream(stack.kinesis, streamName, stopping.signal);
    const lastActive = Math.max(...calls.map((c) => c.activeAt));
    return {
      backend,
      from: result.before.length,
      to: result.after.length,
      rate,
      method: [...new Set(result.steps.map((s) => s.method))].join('+'),
      calls: calls.length,
      reshardDurationMs: result.durationMs,
      activeToFirstChildRecordMs: calls.map((c) => (firstOn(c.shardIds) ?? Number.NaN) - c.activeAt),
      activeToAllChildrenMs: allChildrenAt - lastActive,
      steady: windowStats(events, steadyFrom, requestedAt),
      during: windowStats(events, requestedAt, allChildrenAt),
      after: windowStats(events, allChildrenAt, afterTo),
      produced,
      handledUnique: unique,
      redelivered: events.length - unique,
      lost: produced - unique,
    };
  } finally {
    watching.abort();
    producer.abort();
    stopping.abort();
    await stack.close();
  }
}

/** The result as the closing note prints it. */
export function formatReshardBench(r: ReshardBenchResult): string {
  const ms = (values: number[]) => values.map((v) => num(v)).join(', ');
  const row = (name: string, w: WindowStats) => [
    name,
    num(w.durationMs / 1000, 1),
    num(w.recordsPerSecond),
    num(w.slowestSecond),
    num(w.latency.p50),
    num(w.latency.p99),
    num(w.latency.max),
  ];
  return [
    `reshard ${r.from} → ${r.to} on ${r.backend} by ${r.method} (${r.calls} call${r.calls === 1 ? '' : 's'}, workflow ${num(r.reshardDurationMs)} ms), producer ${r.rate} records/s`,
    `  ACTIVE → first record handled on a new shard: ${ms(r.activeToFirstChildRecordMs)} ms (per call); → every new shard: ${num(r.activeToAllChildrenMs)} ms`,
    table(
      ['window', 's', 'records/s', 'slowest 1 s', 'latency p50 ms', 'p99 ms', 'max ms'],
      [row('steady (before)', r.steady), row('during reshard', r.during), row('after', r.after)],
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
    `  produced ${r.produced}, handled ${r.handledUnique} unique (${r.redelivered} redelivered), lost ${r.lost}`,
  ].join('\n');
}
