/**
 * The producer benchmark, all against one kinesalite in a child process (so the emulator does not
 * share the client's event loop), in one run:
 * - baselines: a plain PutRecord loop and a plain PutRecords loop (500 per call), both with as many
 *   calls in flight as the producer may have;
 * - the producer without and with KPL aggregation (limits enforced: 1,000 records/s and 1 MiB/s
 *   per shard, so the stream has enough shards that the emulator, not the limit, is the ceiling);
 * - records per PutRecords call for each;
 * - memory under backpressure: a slow stream (+50 ms per call), 1 KiB records put as fast as the
 *   loop can, once paced by `ready()` (the buffer bound holds) and once not (puts pile up).
 * Run it with `node scripts/bench-producer.mjs` (after `node scripts/provision.mjs`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../src/aws/clients';
import { LOCAL_AWS } from '../src/local/kinesis-emulator';
import { projectRoot } from '../src/local/paths';
import { LOOPBACK, getFreePort } from '../src/local/ports';
import { LatencyHistogram } from '../src/producer/latency';
import { demoRecordData, runLoad } from '../src/producer/load';
import { createProducer } from '../src/producer/producer';
import { median } from './stats';

export interface ProducerBenchOptions {
  /** Records for the PutRecords loop and the producer runs. @default 40000 */
  records?: number;
  /** Records for the PutRecord loop (one call each: slower). @default 8000 */
  putRecordLoopRecords?: number;
  /** @default 256 */
  recordBytes?: number;
  /** @default 1000 */
  keys?: number;
  /** @default 32 */
  shards?: number;
  /** Calls in flight for the loops, and the producer's maxInFlightRequests. @default 8 */
  concurrency?: number;
  /** Puts in each memory run. @default 40000 */
  memoryRecords?: number;
  /** Seconds of each alternating ratio run (PutRecords loop vs producer with aggregation). @default 10 */
  ratioSeconds?: number;
  /** PutRecords-loop/producer pairs, run alternately. @default 3 */
  ratioRepeats?: number;
  /** Bytes per record in the ratio runs. @default 100 */
  ratioRecordBytes?: number;
}

/** One timed run of the alternating comparison. */
export interface RatioRun {
  method: 'PutRecords loop' | 'producer, KPL aggregation';
  records: number;
  seconds: number;
  recordsPerSecond: number;
}

export interface ThroughputRow {
  method: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  calls: number;
  /** User records per PutRecords (or PutRecord) call. */
  recordsPerCall: number;
  /** Kinesis records written (aggregates count once). */
  kinesisRecords: number;
  /** Latency per call (loops) or per put (producer). */
  latency: { what: 'call' | 'put'; p50: number; p99: number };
}

export interface MemoryRow {
  method: string;
  records: number;
  seconds: number;
  /** Peak heap growth over the run's start, MiB. */
  peakHeapMiB: number;
  /** Peak resident set growth, MiB. */
  peakRssMiB: number;
  maxBufferedRecords: number;
  maxBufferedMiB: number;
  maxWaitingPuts: number;
}

export interface ProducerBenchResult {
  config: Required<ProducerBenchOptions>;
  /** Alternating timed runs, in the order they ran, and the medians' ratio. */
  ratio: { runs: RatioRun[]; loopMedian: number; producerMedian: number; ratio: number };
  throughput: ThroughputRow[];
  memory: MemoryRow[];
}

/** kinesalite in a child process on 127.0.0.1 (the project's bind-localhost preload). */
async function startKinesaliteProcess(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await getFreePort();
  const root = projectRoot();
  const child = spawn(
    process.execPath,
    [
      '-r',
      path.join(root, 'scripts', 'bind-localhost.cjs'),
      require.resolve('kinesalite/cli.js'),
      '--port',
      String(port),
      '--createStreamMs',
      '0',
      '--shardLimit',
      '1000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`kinesalite exited with ${code} before listening`)));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('Listening')) resolve();
    });
  });
  return { endpoint: `http://${LOOPBACK}:${port}`, child };
}

async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function entry(i: number, keys: number, recordBytes: number): PutRecordsRequestEntry {
  const key = `key-${i % keys}`;
  return { PartitionKey: key, Data: Buffer.from(demoRecordData(key, Math.floor(i / keys), recordBytes)) };
}

/** Runs `calls` async jobs with at most `concurrency` at once; returns per-call latencies. */
async function loop(
  calls: number,
  concurrency: number,
  call: (i: number) => Promise<void>,
): Promise<LatencyHistogram> {
  const latency = new LatencyHistogram();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const started = performance.now();
        await call(i);
        latency.record(performance.now() - started);
      }
    }),
  );
  return latency;
}

function row(
  method: string,
  records: number,
  bytes: number,
  ms: number,
  calls: number,
  kinesisRecords: number,
  latency: ThroughputRow['latency'],
): ThroughputRow {
  const seconds = ms / 1000;
  return {
    method,
    records,
    seconds,
    recordsPerSecond: records / seconds,
    megabytesPerSecond: bytes / 1e6 / seconds,
    calls,
    recordsPerCall: records / Math.max(1, calls),
    kinesisRecords,
    latency,
  };
}

export async function runProducerBench(options: ProducerBenchOptions = {}): Promise<ProducerBenchResult> {
  const config: Required<ProducerBenchOptions> = {
    records: options.records ?? 40_000,
    putRecordLoopRecords: options.putRecordLoopRecords ?? 8_000,
    recordBytes: options.recordBytes ?? 256,
    keys: options.keys ?? 1_000,
    shards: options.shards ?? 32,
    concurrency: options.concurrency ?? 8,
    memoryRecords: options.memoryRecords ?? 40_000,
    ratioSeconds: options.ratioSeconds ?? 10,
    ratioRepeats: options.ratioRepeats ?? 3,
    ratioRecordBytes: options.ratioRecordBytes ?? 100,
  };
  const { records, keys, recordBytes, shards, concurrency } = config;
  const emulator = await startKinesaliteProcess();
  const kinesis = createKinesisClient({
    ...LOCAL_AWS,
    credentials: { ...LOCAL_AWS.credentials },
    endpoint: emulator.endpoint,
  });
  let streams = 0;
  const stream = async (count = shards) => {
    const name = `bench-producer-${process.pid}-${++streams}`;
    await createStream(kinesis, name, count);
    return name;
  };
  const throughput: ThroughputRow[] = [];
  const memory: MemoryRow[] = [];
  const recordSize = (i: number) => {
    const e = entry(i, keys, recordBytes);
    return (e.Data as Uint8Array).byteLength + (e.PartitionKey ?? '').length;
  };
  const ratioRuns: RatioRun[] = [];
  try {
    for (let r = 0; r < config.ratioRepeats; r++) {
      ratioRuns.push(await timedPutRecordsLoop(kinesis, await stream(), config));
      ratioRuns.push(await timedProducer(kinesis, await stream(), config));
    }
    {
      const name = await stream();
      const n = config.putRecordLoopRecords;
      const started = performance.now();
      const latency = await loop(n, concurrency, async (i) => {
        const e = entry(i, keys, recordBytes);
        await kinesis.send(
          new PutRecordCommand({ StreamName: name, PartitionKey: e.PartitionKey, Data: e.Data }),
        );
      });
      let bytes = 0;
      for (let i = 0; i < n; i++) bytes += recordSize(i);
      throughput.push(
        row(`PutRecord loop, ${concurrency} in flight`, n, bytes, performance.now() - started, n, n, {
          what: 'call',
          ...latency.summary(),
        }),
      );
    }
    {
      const name = await stream();
      const calls = Math.ceil(records / 500);
      const started = performance.now();
      let failed = 0;
      const latency = await loop(calls, concurrency, async (c) => {
        const batch = Array.from({ length: Math.min(500, records - c * 500) }, (_, j) =>
          entry(c * 500 + j, keys, recordBytes),
        );
        const out = await kinesis.send(new PutRecordsCommand({ StreamName: name, Records: batch }));
        failed += out.FailedRecordCount ?? 0;
      });
      let bytes = 0;
      for (let i = 0; i < records; i++) bytes += recordSize(i);
      throughput.push(
        row(
          `PutRecords loop, 500 per call, ${concurrency} in flight${failed ? ` (${failed} failed, not retried)` : ''}`,
          records,
          bytes,
          performance.now() - started,
          calls,
          records,
          { what: 'call', ...latency.summary() },
        ),
      );
    }
    for (const aggregation of [false, true]) {
      const name = await stream();
      const producer = createProducer({
        kinesis,
        streamName: name,
        aggregation,
        maxInFlightRequests: concurrency,
      });
      const summary = await runLoad({ producer, rate: null, keys, count: records, recordBytes });
      await producer.close();
      const s = producer.stats();
      throughput.push(
        row(
          aggregation ? 'producer, KPL aggregation' : 'producer, plain records',
          summary.written,
          s.bytesPut,
          summary.elapsedMs,
          s.putRecordsCalls,
          s.kinesisRecordsPut,
          { what: 'put', p50: s.latencyMs.p50, p99: s.latencyMs.p99 },
        ),
      );
    }
    for (const paced of [true, false]) {
      memory.push(await memoryRun(kinesis, await stream(4), config, paced));
    }
  } finally {
    kinesis.destroy();
    emulator.child.kill('SIGTERM');
  }
  const loopMedian = median(
    ratioRuns.filter((r) => r.method === 'PutRecords loop').map((r) => r.recordsPerSecond),
  );
  const producerMedian = median(
    ratioRuns.filter((r) => r.method !== 'PutRecords loop').map((r) => r.recordsPerSecond),
  );
  return {
    config,
    ratio: { runs: ratioRuns, loopMedian, producerMedian, ratio: producerMedian / loopMedian },
    throughput,
    memory,
  };
}

/**
 * The baseline of the ratio: PutRecords calls of 500 records, `concurrency` in flight, for
 * `ratioSeconds` (calls started before the end are waited for and counted).
 */
async function timedPutRecordsLoop(
  kinesis: KinesisClient,
  name: string,
  config: Required<ProducerBenchOptions>,
): Promise<RatioRun> {
  const { keys, concurrency, ratioRecordBytes, ratioSeconds } = config;
  const started = performance.now();
  const deadline = started + ratioSeconds * 1000;
  let next = 0;
  let written = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const first = next;
        next += 500;
        const batch = Array.from({ length: 500 }, (_, j) => entry(first + j, keys, ratioRecordBytes));
        const out = await kinesis.send(new PutRecordsCommand({ StreamName: name, Records: batch }));
        written += 500 - (out.FailedRecordCount ?? 0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { method: 'PutRecords loop', records: written, seconds, recordsPerSecond: written / seconds };
}

/** The producer with KPL aggregation, as fast as it takes records, for `ratioSeconds` (then flushed). */
async function timedProducer(
  kinesis: KinesisClient,
  name: string,
  config: Required<ProducerBenchOptions>,
): Promise<RatioRun> {
  const producer = createProducer({
    kinesis,
    streamName: name,
    aggregation: true,
    maxInFlightRequests: config.concurrency,
  });
  const summary = await runLoad({
    producer,
    rate: null,
    keys: config.keys,
    durationMs: config.ratioSeconds * 1000,
    recordBytes: config.ratioRecordBytes,
  });
  await producer.close();
  const seconds = summary.elapsedMs / 1000;
  return {
    method: 'producer, KPL aggregation',
    records: summary.written,
    seconds,
    recordsPerSecond: summary.written / seconds,
  };
}

/** Puts `memoryRecords` 1 KiB records into a slowed stream, sampling the heap every 20 ms. */
async function memoryRun(
  kinesis: KinesisClient,
  streamName: string,
  config: Required<ProducerBenchOptions>,
  paced: boolean,
): Promise<MemoryRow> {
  const slow = 'benchSlowPutRecords';
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutRecordsCommand') await new Promise((r) => setTimeout(r, 50));
      return next(args);
    },
    { step: 'initialize', name: slow },
  );
  const producer = createProducer({ kinesis, streamName, maxInFlightRequests: config.concurrency });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakHeap = 0;
  let peakRss = 0;
  let maxWaiting = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
    peakRss = Math.max(peakRss, m.rss - base.rss);
    maxWaiting = Math.max(maxWaiting, producer.stats().waitingPuts);
  }, 20);
  const started = performance.now();
  let settled = 0;
  try {
    for (let i = 0; i < config.memoryRecords; i++) {
      if (paced) await producer.ready();
      const key = `key-${i % config.keys}`;
      void producer.put({ partitionKey: key, data: demoRecordData(key, i, 1024) }).then(() => settled++);
    }
    await producer.close();
  } finally {
    clearInterval(sampler);
    kinesis.middlewareStack.remove(slow);
  }
  if (settled !== config.memoryRecords)
    throw new Error(`memory run: ${settled} of ${config.memoryRecords} settled`);
  const s = producer.stats();
  const mib = (b: number) => b / 1024 / 1024;
  return {
    method: paced
      ? 'put paced by ready(): the buffer bound holds'
      : 'all puts at once, without ready(): the buffer holds, the waiting puts hold their records',
    records: config.memoryRecords,
    seconds: (performance.now() - started) / 1000,
    peakHeapMiB: mib(peakHeap),
    peakRssMiB: mib(peakRss),
    maxBufferedRecords: s.maxBuffered.records,
    maxBufferedMiB: mib(s.maxBuffered.bytes),
    maxWaitingPuts: maxWaiting,
  };
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}

export function formatProducerBench(result: ProducerBenchResult): string {
  const c = result.config;
  const n = (x: number, digits = 0) =>
    x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const throughputTable = table([
    [
      'method',
      'records',
      's',
      'records/s',
      'MB/s',
      'calls',
      'records/call',
      'Kinesis records',
      'latency',
      'p50 ms',
      'p99 ms',
    ],
    ...result.throughput.map((r) => [
      r.method,
      n(r.records),
      n(r.seconds, 2),
      n(r.recordsPerSecond),
      n(r.megabytesPerSecond, 2),
      n(r.calls),
      n(r.recordsPerCall, 1),
      n(r.kinesisRecords),
      `per ${r.latency.what}`,
      n(r.latency.p50, 1),
      n(r.latency.p99, 1),
    ]),
  ]);
  const memoryTable = table([
    [
      'memory under backpressure (+50 ms per PutRecords, 4 shards, 1 KiB records)',
      'records',
      's',
      'peak heap MiB',
      'peak RSS MiB',
      'max buffered',
      'buffered MiB',
      'max waiting puts',
    ],
    ...result.memory.map((m) => [
      m.method,
      n(m.records),
      n(m.seconds, 1),
      n(m.peakHeapMiB, 1),
      n(m.peakRssMiB, 1),
      n(m.maxBufferedRecords),
      n(m.maxBufferedMiB, 1),
      n(m.maxWaitingPuts),
    ]),
  ]);
  const ratioTable = table([
    ['run (alternating)', 'records', 's', 'records/s'],
    ...result.ratio.runs.map((r, i) => [
      `${i + 1}. ${r.method}`,
      n(r.records),
      n(r.seconds, 2),
      n(r.recordsPerSecond),
    ]),
  ]);
  const q = result.ratio;
  return [
    `Producer with KPL aggregation vs a plain PutRecords loop (500 per call, ${c.concurrency} in flight), ` +
      `${c.ratioRecordBytes}-byte records over ${n(c.keys)} keys, ${c.shards} shards, ${c.ratioSeconds} s runs alternating`,
    '',
    ratioTable,
    '',
    `median of ${c.ratioRepeats}: producer ${n(q.producerMedian)} records/s vs PutRecords loop ${n(q.loopMedian)} records/s = ${n(q.ratio, 2)}×`,
    '',
    `Producer on kinesalite (child process), ${c.shards} shards, ${c.recordBytes}-byte records over ${n(c.keys)} keys; ` +
      `producer limits enforced (1,000 records/s and 1 MiB/s per shard = ${n(c.shards * 1000)} records/s here)`,
    '',
    throughputTable,
    '',
    memoryTable,
  ].join('\n');
}
