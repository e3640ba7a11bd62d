/**
 * The DLQ benchmark (`node scripts/bench-dlq.mjs`): replay throughput against fauxqs, beside a
 * plain receive-and-delete loop on the same queue, and the time bisect takes to isolate a poison
 * record in one batch of 10,000 on kinesalite, beside the same batch without poison and without
 * bisect. One local stack (Temporal dev server, kinesalite, fauxqs) and an in-process worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../src/aws/clients';
import { queueDepth } from '../src/client/dlq-control';
import { compileDlqReplayOptions, type ReplayMode } from '../src/config/replay-options';
import { dataDir, projectRoot } from '../src/local/paths';
import { LOOPBACK, getFreePort } from '../src/local/ports';
import { type LocalStack, startLocalStack } from '../src/local/stack';
import { compileStreamOptions } from '../src/config/stream-options';
import type { DlqReplayWorkflowInput } from '../src/workflows/dlq-replay';
import type { DlqReplayResult } from '../src/workflows/dlq-replay-messages';
import type { ShardWorkflowInput } from '../src/workflows/shard';
import {
  BenchHandler,
  countDlqRecords,
  createQueue,
  createStream,
  plainLoop,
  putBatch,
  seedQueue,
  waitUntil,
} from './dlq-fixtures';
import { startCpuProfile } from './cpu-profile';
import { replayDirectly } from './dlq-direct';
import { median } from './stats';
import { installQuietRuntime, withBenchWorker } from './runtime';

export interface DlqBenchOptions {
  /** DLQ messages per throughput run (baseline and handler mode): enough for ≥ 10 s each. @default 30000 */
  messages?: number;
  /** Baseline/replay pairs, run alternately (baseline, replay, baseline, replay…). @default 3 */
  repeats?: number;
  /** DLQ messages for the one reput-mode run (0: none; the target's 1,000 records/s per shard bound it). @default 2000 */
  reputMessages?: number;
  /** Records per message. @default 10 */
  recordsPerMessage?: number;
  /** Bytes of data per record. @default 200 */
  recordBytes?: number;
  /** Records in the one batch bisect splits. @default 10000 */
  bisectRecords?: number;
  /** Write a CPU profile of each throughput run (main thread: client and activities) into this directory. */
  cpuProfileDir?: string;
  /**
   * Also run the replay activity directly, outside the Temporal worker (bench/dlq-direct.ts), in
   * each repeat after the in-worker run: shows what the worker costs. @default false
   */
  direct?: boolean;
  /** Messages of one unmeasured warm-up run of each kind before the measured ones (0: none). @default 3000 */
  warmupMessages?: number;
  log?: (line: string) => void;
}

export interface ReplayRate {
  what: string;
  messages: number;
  records: number;
  seconds: number;
  messagesPerSecond: number;
  recordsPerSecond: number;
  /** CPU of this process (client, worker and its Temporal core threads; fauxqs is a child) per message, µs. */
  cpuMicrosPerMessage?: number;
  /** SQS calls of this process per message, by operation (receives ahead, deletes, visibility changes). */
  sqsCallsPerMessage?: Record<string, number>;
  /** SDK retries of SQS calls, and the HTTP attempts that took over 50 ms, by command (count, total ms). */
  sqsSlow?: { retries: number; slow: Record<string, { count: number; ms: number }> };
  /** CPU of the fauxqs child process per message, µs (Linux: /proc; else absent). */
  fauxqsCpuMicrosPerMessage?: number;
  /** This process's CPU per message by thread name (the main thread is `node`), µs; Linux only. */
  cpuByThread?: Record<string, number>;
  /** Gaps of more than 50 ms between two replayed messages (replay runs): how many, and their total in seconds. */
  stalls?: { count: number; seconds: number };
  /** The main thread's garbage-collection pauses during the run. */
  gc?: { pauses: number; seconds: number; longestMs: number };
  /** Share of the run the main thread's event loop was not idle (waiting on I/O), 0-1. */
  mainThreadBusy?: number;
  /** 1-minute load average at the run's start and end. */
  load?: [number, number];
}

export interface BisectTiming {
  what: string;
  /** Seconds from the workflow start until the poison record was in the DLQ (or the batch handled). */
  seconds: number;
  /** Handler calls until then. */
  handlerCalls: number;
  /** Seconds, handler calls and GetRecords until the poison record was handed over alone (bisect on). */
  isolated: { seconds: number; calls: number; reads: number } | null;
  deadLettered: number;
  /** GetRecords calls (reads of the shard) until then. */
  reads: number;
}

export interface DlqBenchResult {
  /** Every throughput run in the order it ran. */
  replay: ReplayRate[];
  /** Medians of the alternating runs, and replay ÷ baseline. */
  medians: {
    baseline: number;
    handler: number;
    ratio: number;
    repeats: number;
    /** With `direct`: the replay called outside the worker, and its ratio to the baseline. */
    direct?: number;
    directRatio?: number;
    /** Medians of the CPU per message (this process), µs. */
    cpu: { baseline: number; handler: number; direct?: number };
  };
  bisect: { records: number; poisonAt: number; runs: BisectTiming[] };
  environment: { node: string; cpus: number; cpuModel: string };
}

const TASK_QUEUE = 'ksp-bench-dlq';

/**
 * fauxqs in a child process on 127.0.0.1, as the producer bench runs kinesalite: SQS is a remote
 * service, so the emulator must not share the event loop of the client it is measured against
 * (in-process, its request handling was most of the loop's CPU and both sides paid for it).
 */
async function startFauxqsProcess(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = await getFreePort();
  const root = projectRoot();
  const script = `import('fauxqs').then(async ({ buildApp }) => {
    const app = buildApp({ logger: false });
    await app.listen({ port: ${port}, host: '${LOOPBACK}' });
    console.log('Listening');
  }).catch((err) => { console.error(err); process.exit(1); });`;
  const child = spawn(
    process.execPath,
    ['-r', path.join(root, 'scripts', 'bind-localhost.cjs'), '-e', script],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fauxqs exited with ${code} before listening`)));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('Listening')) resolve();
    });
  });
  return { endpoint: `http://${LOOPBACK}:${port}`, child };
}
function rate(what: string, messages: number, records: number, ms: number): ReplayRate {
  const seconds = ms / 1000;
  return {
    what,
    messages,
    records,
    seconds,
    messagesPerSecond: messages / seconds,
    recordsPerSecond: records / seconds,
  };
}

function callsPer(
  now: Map<string, number>,
  before: Map<string, number>,
  messages: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of now) {
    const d = n - (before.get(name) ?? 0);
    if (d > 0 && !name.includes(' ')) out[name.replace(/Command$/, '')] = d / messages;
  }
  return out;
}

/** SQS attempts beyond the calls (SDK retries), and the attempts over 50 ms: count and total ms by command. */
function slowCalls(now: Map<string, number>, before: Map<string, number>): ReplayRate['sqsSlow'] {
  const d = (name: string) => (now.get(name) ?? 0) - (before.get(name) ?? 0);
  let retries = 0;
  const slow: Record<string, { count: number; ms: number }> = {};
  for (const name of now.keys()) {
    if (name.startsWith('ReceiveMessage empty') && d(name) > 0) slow[name] = { count: d(name), ms: 0 };
    if (name.endsWith(' attempt')) retries += d(name) - d(name.slice(0, -' attempt'.length));
    if (name.endsWith(' slow') && d(name) > 0)
      slow[name.slice(0, -' slow'.length).replace(/Command$/, '')] = { count: d(name), ms: d(`${name} ms`) };
  }
  return { retries, slow };
}

interface Bench {
  /** SQS calls this process made so far, by command. */
  sqsCalls: Map<string, number>;
  /** GetRecords calls the worker's Kinesis client made so far. */
  reads(): number;
  /** CPU of the fauxqs child so far, µs (undefined where /proc cannot tell). */
  fauxqsCpu(): number | undefined;
  stack: LocalStack;
  kinesis: KinesisClient;
  sqs: SQSClient;
  client: Client;
  handler: BenchHandler;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux Node supports). */
const USER_HZ = 100;

/** CPU time of a process so far, µs, from /proc/<pid>/stat (utime + stime); undefined elsewhere. */
function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) " come the fields from 3 (state) on: utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** CPU of each thread of this process so far, µs, by thread name (Linux; empty elsewhere). */
function threadCpuMicros(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
      out.set(name, (out.get(name) ?? 0) + micros);
    }
  } catch {
    // not Linux: no breakdown
  }
  return out;
}

/** What one throughput run did: messages and records replayed, and its timed span. */
interface RunOutcome {
  messages: number;
  records: number;
  ms: number;
}

/**
 * Times `run` with the CPU of this process and of fauxqs, the SQS calls and the load around it,
 * and a CPU profile of its window when `profileDir` is given.
 */
async function measured(
  b: Bench,
  what: string,
  profileDir: string | undefined,
  run: () => Promise<RunOutcome>,
): Promise<ReplayRate> {
  const callsBefore = new Map(b.sqsCalls);
  const loadBefore = os.loadavg()[0] ?? 0;
  const profiler = profileDir ? await startCpuProfile(profileDir) : null;
  const fauxqsBefore = b.fauxqsCpu();
  const threadsBefore = threadCpuMicros();
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const gc = { count: 0, ms: 0, longest: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.ms += e.duration;
      gc.longest = Math.max(gc.longest, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const out = await run();
  gcObserver.disconnect();
  const elu = performance.eventLoopUtilization(eluBefore);
  const cpu = process.cpuUsage(cpuBefore);
  const threadsAfter = threadCpuMicros();
  const fauxqsAfter = b.fauxqsCpu();
  const threads: Record<string, number> = {};
  for (const [name, micros] of threadsAfter) {
    const d = (micros - (threadsBefore.get(name) ?? 0)) / out.messages;
    if (d >= 1) threads[name] = Math.round(d);
  }
  await profiler?.stop(`${what.replace(/[^a-z0-9]+/gi, '-')}-${Date.now()}`);
  return {
    ...rate(what, out.messages, out.records, out.ms),
    cpuMicrosPerMessage: (cpu.user + cpu.system) / out.messages,
    ...(fauxqsBefore !== undefined && fauxqsAfter !== undefined
      ? { fauxqsCpuMicrosPerMessage: (fauxqsAfter - fauxqsBefore) / out.messages }
      : {}),
    sqsCallsPerMessage: callsPer(b.sqsCalls, callsBefore, out.messages),
    sqsSlow: slowCalls(b.sqsCalls, callsBefore),
    cpuByThread: threads,
    mainThreadBusy: elu.utilization,
    gc: { pauses: gc.count, seconds: gc.ms / 1000, longestMs: gc.longest },
    load: [loadBefore, os.loadavg()[0] ?? 0],
  };
}

type RunSettings = Required<Omit<DlqBenchOptions, 'log' | 'cpuProfileDir' | 'direct'>>;

/** The baseline: the plain receive-and-delete loop over a queue seeded with `messages`. */
async function baselineRun(
  b: Bench,
  messages: number,
  o: RunSettings,
  profileDir?: string,
): Promise<ReplayRate> {
  const queueUrl = await createQueue(b.sqs, `bench-plain-${Date.now()}`);
  await seedQueue(b.sqs, queueUrl, messages, o.recordsPerMessage, o.recordBytes);
  return measured(b, 'baseline: plain receive + delete loop', profileDir, async () => ({
    messages,
    records: messages * o.recordsPerMessage,
    ms: await plainLoop(b.sqs, queueUrl, messages),
  }));
}

function benchReplayOptions(queueUrl: string, mode: ReplayMode, targetStream: string | null) {
  return compileDlqReplayOptions({
    queueUrl,
    mode,
    ...(targetStream ? { targetStream } : {}),
    emptyGracePeriod: '1s',
    receiveWait: '1s',
  });
}

async function replayRun(
  b: Bench,
  mode: ReplayMode,
  messages: number,
  o: RunSettings,
  profileDir?: string,
): Promise<ReplayRate> {
  const queueUrl = await createQueue(b.sqs, `bench-replay-${mode}-${Date.now()}`);
  const targetStream = mode === 'reput' ? `bench-reput-${Date.now()}` : null;
  if (targetStream) await createStream(b.kinesis, targetStream);
  await seedQueue(b.sqs, queueUrl, messages, o.recordsPerMessage, o.recordBytes);
  const options = benchReplayOptions(queueUrl, mode, targetStream);
  b.handler.replayed = 0;
  b.handler.lastReplayAt = 0;
  b.handler.stalls = { count: 0, ms: 0 };
  // The CPU is counted up to the run's end, grace period included.
  const rate = await measured(b, `replay, ${mode} mode`, profileDir, async () => {
    const started = Date.now();
    const input: DlqReplayWorkflowInput = { options };
    const result = await b.client.workflow.execute<(i: DlqReplayWorkflowInput) => Promise<DlqReplayResult>>(
      'dlqReplayWorkflow',
      { taskQueue: TASK_QUEUE, workflowId: `bench-dlq-replay-${mode}-${started}`, args: [input] },
    );
    const p = result.progress;
    if (p.replayed !== messages) throw new Error(`bench: replayed ${p.replayed} of ${messages} messages`);
    // The run ends a grace period after the last message: time the replay up to that message.
    const end =
      mode === 'handler' ? b.handler.lastReplayAt : Date.parse(p.emptySince ?? new Date().toISOString());
    return { messages: p.replayed, records: p.records.replayed, ms: end - started };
  });
  return mode === 'handler' ? withStalls(rate, b.handler) : rate;
}

function withStalls(rate: ReplayRate, handler: BenchHandler): ReplayRate {
  return { ...rate, stalls: { count: handler.stalls.count, seconds: handler.stalls.ms / 1000 } };
}

/** The same replay in handler mode, with the activity function called directly (bench/dlq-direct.ts). */
async function directRun(
  b: Bench,
  messages: number,
  o: RunSettings,
  profileDir?: string,
): Promise<ReplayRate> {
  const queueUrl = await createQueue(b.sqs, `bench-replay-direct-${Date.now()}`);
  await seedQueue(b.sqs, queueUrl, messages, o.recordsPerMessage, o.recordBytes);
  const options = benchReplayOptions(queueUrl, 'handler', null);
  b.handler.replayed = 0;
  b.handler.lastReplayAt = 0;
  b.handler.stalls = { count: 0, ms: 0 };
  const rate = await measured(b, 'replay, handler mode, direct', profileDir, async () => {
    const started = Date.now();
    const counts = await replayDirectly(b, b.handler.handler, options, messages);
    if (counts.replayed !== messages)
      throw new Error(`bench: replayed ${counts.replayed} of ${messages} messages directly`);
    return {
      messages: counts.replayed,
      records: counts.records.replayed,
      ms: b.handler.lastReplayAt - started,
    };
  });
  return withStalls(rate, b.handler);
}

async function bisectRun(
  b: Bench,
  what: string,
  records: number,
  poisonAt: number | null,
  bisect: boolean,
): Promise<BisectTiming> {
  const stream = `bench-bisect-${Date.now()}`;
  const shardId = await createStream(b.kinesis, stream);
  const dlq = await createQueue(b.sqs, `${stream}-dlq`);
  await putBatch(b.kinesis, stream, records, poisonAt);
  b.handler.calls = 0;
  b.handler.confirmed = 0;
  b.handler.isolated = null;
  const readsBefore = b.reads();
  const input: ShardWorkflowInput = {
    streamName: stream,
    shardId,
    streamWorkflowId: null,
    options: compileStreamOptions({
      streamName: stream,
      dlqQueueUrl: dlq,
      batchSize: records,
      bisectBatchOnError: bisect,
      maxPollWait: '1s',
      idlePollInterval: '200ms',
      retry: { maximumAttempts: 1 },
    }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
  const started = Date.now();
  const handle = await b.client.workflow.start('shardWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: `bench-${stream}`,
    args: [input],
  });
  let deadLettered = 0;
  if (poisonAt === null) {
    await waitUntil('the batch handled', () => b.handler.confirmed >= records);
  } else {
    await waitUntil('the poison record in the DLQ', async () => (await queueDepth(b.sqs, dlq)).visible > 0);
    // Without bisect the batch is written over several messages: wait until the run moved past it.
    await waitUntil('the batch dealt with', () => b.handler.confirmed >= (bisect ? records - 1 : 0));
    deadLettered = await countDlqRecords(b.sqs, dlq);
  }
  const seconds = (Date.now() - started) / 1000;
  const handlerCalls = b.handler.calls;
  const reads = b.reads() - readsBefore;
  // Set by the handler meanwhile (the compiler narrows the field to the null assigned above).
  const alone = b.handler.isolated as BenchHandler['isolated'];
  const isolated = alone
    ? { seconds: (alone.at - started) / 1000, calls: alone.calls, reads: alone.reads - readsBefore }
    : null;
  await handle.signal('stop');
  await handle.result();
  return { what, seconds, handlerCalls, isolated, deadLettered, reads };
}

export async function runDlqBench(options: DlqBenchOptions = {}): Promise<DlqBenchResult> {
  const o = {
    messages: options.messages ?? 30_000,
    repeats: options.repeats ?? 3,
    reputMessages: options.reputMessages ?? 2_000,
    recordsPerMessage: options.recordsPerMessage ?? 10,
    recordBytes: options.recordBytes ?? 200,
    bisectRecords: options.bisectRecords ?? 10_000,
    warmupMessages: options.warmupMessages ?? 3_000,
  };
  const log = options.log ?? ((line: string) => console.error(line));
  installQuietRuntime();
  const logDir = path.join(dataDir(), 'bench-dlq');
  log('bench-dlq: starting the local stack (Temporal dev server, kinesalite, fauxqs)');
  const stack = await startLocalStack({ temporal: { uiPort: null }, kinesis: 'kinesalite', logDir });
  const aws = { region: stack.region, credentials: stack.credentials };
  const kinesis = createKinesisClient({ ...aws, endpoint: stack.kinesisEndpoint });
  let getRecords = 0;
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand') getRecords++;
      return next(args);
    },
    { step: 'initialize', name: 'benchGetRecordsCounter' },
  );
  const fauxqs = await startFauxqsProcess();
  const sqs = createSqsClient({ ...aws, endpoint: fauxqs.endpoint });
  const sqsCalls = new Map<string, number>();
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      sqsCalls.set(name, (sqsCalls.get(name) ?? 0) + 1);
      const out = await next(args);
      if (name === 'ReceiveMessageCommand' && !(out.output as { Messages?: unknown[] }).Messages?.length) {
        const wait = (args.input as { WaitTimeSeconds?: number }).WaitTimeSeconds ?? 0;
        const empty = `ReceiveMessage empty wait ${wait}`;
        sqsCalls.set(empty, (sqsCalls.get(empty) ?? 0) + 1);
        if (process.env.KSP_BENCH_TRACE)
          console.error(`empty receive wait ${wait} at ${new Date().toISOString()}`);
      }
      return out;
    },
    { step: 'initialize', name: 'benchSqsCallCounter' },
  );
  // Each HTTP attempt (the retry middleware sits above this step), and the slow ones: an attempt
  // over 50 ms is counted as "<command> slow" with its milliseconds as "<command> slow ms".
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const name = `${context.commandName ?? 'unknown'} attempt`;
      sqsCalls.set(name, (sqsCalls.get(name) ?? 0) + 1);
      const started = Date.now();
      try {
        return await next(args);
      } finally {
        const ms = Date.now() - started;
        if (ms > 50) {
          const slow = `${context.commandName ?? 'unknown'} slow`;
          sqsCalls.set(slow, (sqsCalls.get(slow) ?? 0) + 1);
          sqsCalls.set(`${slow} ms`, (sqsCalls.get(`${slow} ms`) ?? 0) + ms);
        }
      }
    },
    { step: 'deserialize', name: 'benchSqsAttemptCounter' },
  );
  const handler = new BenchHandler(() => getRecords);
  try {
    const worker = { temporalAddress: stack.temporalAddress ?? '', taskQueue: TASK_QUEUE, kinesis, sqs };
    const result = await withBenchWorker({ ...worker, handler: handler.handler }, async (client) => {
      const b: Bench = {
        sqsCalls,
        stack,
        kinesis,
        sqs,
        client,
        handler,
        reads: () => getRecords,
        fauxqsCpu: () => processCpuMicros(fauxqs.child.pid),
      };
      const replay: ReplayRate[] = [];
      const baselines: ReplayRate[] = [];
      const handlers: ReplayRate[] = [];
      const directs: ReplayRate[] = [];
      handler.scanForPoison = false; // throughput runs: no poison, and no scan the loop does not do
      if (o.warmupMessages > 0) {
        log(`bench-dlq: warm-up (not counted), ${o.warmupMessages} messages of each kind`);
        await baselineRun(b, o.warmupMessages, o);
        await replayRun(b, 'handler', o.warmupMessages, o);
        if (options.direct) await directRun(b, o.warmupMessages, o);
      }
      for (let r = 1; r <= o.repeats; r++) {
        log(
          `bench-dlq: ${r}/${o.repeats} baseline, a plain receive + delete loop over ${o.messages} messages`,
        );
        const base = await baselineRun(b, o.messages, o, options.cpuProfileDir);
        replay.push(base);
        baselines.push(base);
        log(
          `bench-dlq: ${r}/${o.repeats} replay in handler mode, ${o.messages} messages × ${o.recordsPerMessage} records`,
        );
        const ours = await replayRun(b, 'handler', o.messages, o, options.cpuProfileDir);
        replay.push(ours);
        handlers.push(ours);
        if (options.direct) {
          log(`bench-dlq: ${r}/${o.repeats} replay in handler mode, called directly outside the worker`);
          const direct = await directRun(b, o.messages, o, options.cpuProfileDir);
          replay.push(direct);
          directs.push(direct);
        }
      }
      if (o.reputMessages > 0) {
        log(`bench-dlq: replay in reput mode, ${o.reputMessages} messages × ${o.recordsPerMessage} records`);
        replay.push(await replayRun(b, 'reput', o.reputMessages, o, options.cpuProfileDir));
      }
      const rateOf = (runs: ReplayRate[]) => median(runs.map((x) => x.messagesPerSecond));
      const cpuOf = (runs: ReplayRate[]) => median(runs.map((x) => x.cpuMicrosPerMessage ?? 0));
      const medians: DlqBenchResult['medians'] = {
        baseline: rateOf(baselines),
        handler: rateOf(handlers),
        ratio: rateOf(handlers) / rateOf(baselines),
        repeats: o.repeats,
        ...(directs.length > 0
          ? { direct: rateOf(directs), directRatio: rateOf(directs) / rateOf(baselines) }
          : {}),
        cpu: {
          baseline: cpuOf(baselines),
          handler: cpuOf(handlers),
          ...(directs.length > 0 ? { direct: cpuOf(directs) } : {}),
        },
      };
      handler.scanForPoison = true;
      const poisonAt = Math.floor(o.bisectRecords * 0.6173);
      const runs: BisectTiming[] = [];
      log(`bench-dlq: bisect, one batch of ${o.bisectRecords} records, poison at #${poisonAt}`);
      runs.push(
        await bisectRun(
          b,
          `bisect on: poison in the DLQ, ${o.bisectRecords - 1} others handled`,
          o.bisectRecords,
          poisonAt,
          true,
        ),
      );
      runs.push(
        await bisectRun(b, 'baseline: the same batch without poison, handled', o.bisectRecords, null, true),
      );
      runs.push(
        await bisectRun(
          b,
          'baseline: bisect off, the whole batch dead-lettered',
          o.bisectRecords,
          poisonAt,
          false,
        ),
      );
      return { replay, medians, bisect: { records: o.bisectRecords, poisonAt, runs } };
    });
    const cpus = os.cpus();
    return {
      ...result,
      environment: { node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
    };
  } finally {
    kinesis.destroy();
    sqs.destroy();
    fauxqs.child.kill('SIGTERM');
    await stack.stop();
  }
}

export function formatDlqBench(r: DlqBenchResult): string {
  const lines = [
    `DLQ replay throughput (fauxqs in a child process, Temporal dev server, in-process worker; ${r.environment.cpus} CPUs, Node ${r.environment.node})`,
  ];
  for (const x of r.replay) {
    const fauxqs =
      x.fauxqsCpuMicrosPerMessage === undefined
        ? ''
        : `, fauxqs ${x.fauxqsCpuMicrosPerMessage.toFixed(0)} µs`;
    const threads = x.cpuByThread
      ? `, by thread ${Object.entries(x.cpuByThread)
          .map(([k, v]) => `${k} ${v}`)
          .join(' ')}`
      : '';
    const busy =
      x.mainThreadBusy === undefined ? '' : `, main thread busy ${(100 * x.mainThreadBusy).toFixed(0)}%`;
    const stalls = x.stalls ? `, ${x.stalls.count} stalls > 50 ms (${x.stalls.seconds.toFixed(2)} s)` : '';
    const slow = x.sqsSlow
      ? `, SQS retries ${x.sqsSlow.retries}, attempts > 50 ms: ${
          Object.entries(x.sqsSlow.slow)
            .map(([k, v]) => `${k} ${v.count} (${(v.ms / 1000).toFixed(2)} s)`)
            .join(' ') || 'none'
        }`
      : '';
    const gcText = x.gc
      ? `, GC ${x.gc.pauses} pauses ${x.gc.seconds.toFixed(2)} s (longest ${x.gc.longestMs.toFixed(0)} ms)`
      : '';
    const load = x.load ? `, load ${x.load[0].toFixed(1)} → ${x.load[1].toFixed(1)}` : '';
    lines.push(
      `  ${x.what.padEnd(40)} ${x.messagesPerSecond.toFixed(0).padStart(6)} messages/s ${x.recordsPerSecond.toFixed(0).padStart(7)} records/s  (${x.messages} messages, ${x.records} records in ${x.seconds.toFixed(2)}s${x.cpuMicrosPerMessage === undefined ? '' : `, ${x.cpuMicrosPerMessage.toFixed(0)} µs CPU/message${threads}${fauxqs}`}${busy}${gcText}${stalls}${slow}${load}${
        x.sqsCallsPerMessage
          ? `, SQS calls/message ${Object.entries(x.sqsCallsPerMessage)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(' ')}`
          : ''
      })${x.seconds < 10 ? '  [shorter than 10 s: raise --messages]' : ''}`,
    );
  }
  const m = r.medians;
  lines.push(
    `  median of ${m.repeats} alternating runs: replay (handler mode) ${m.handler.toFixed(0)} messages/s vs baseline ${m.baseline.toFixed(0)} messages/s = ${m.ratio.toFixed(2)}×; CPU/message ${m.cpu.handler.toFixed(0)} vs ${m.cpu.baseline.toFixed(0)} µs`,
  );
  if (m.direct !== undefined && m.directRatio !== undefined) {
    lines.push(
      `  outside the worker (activity called directly): ${m.direct.toFixed(0)} messages/s = ${m.directRatio.toFixed(2)}× the baseline; CPU/message ${(m.cpu.direct ?? 0).toFixed(0)} µs`,
    );
  }
  lines.push(
    `Bisect (kinesalite, one batch of ${r.bisect.records} records, poison at #${r.bisect.poisonAt}; log2(${r.bisect.records}) = ${Math.log2(r.bisect.records).toFixed(1)})`,
  );
  for (const x of r.bisect.runs) {
    const isolated = x.isolated
      ? `; alone after ${x.isolated.calls} calls, ${x.isolated.reads} GetRecords, ${x.isolated.seconds.toFixed(2)}s`
      : '';
    lines.push(
      `  ${x.what.padEnd(52)} ${x.seconds.toFixed(2).padStart(6)}s  ${String(x.handlerCalls).padStart(3)} handler calls, ${x.reads} GetRecords  ${x.deadLettered} record(s) dead-lettered${isolated}`,
    );
  }
  return lines.join('\n');
}
