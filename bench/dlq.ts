/**
 * The DLQ benchmark (`node scripts/bench-dlq.mjs`): replay throughput against fauxqs, beside a
 * plain receive-and-delete loop on the same queue, and the time bisect takes to isolate a poison
 * record in one batch of 10,000 on kinesalite, beside the same batch without poison and without
 * bisect. One local stack (Temporal dev server, kinesalite, fauxqs) and an in-process worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
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
  medians: { baseline: number; handler: number; ratio: number; repeats: number };
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
    if (d > 0) out[name.replace(/Command$/, '')] = d / messages;
  }
  return out;
}

interface Bench {
  /** SQS calls this process made so far, by command. */
  sqsCalls: Map<string, number>;
  /** GetRecords calls the worker's Kinesis client made so far. */
  reads(): number;
  stack: LocalStack;
  kinesis: KinesisClient;
  sqs: SQSClient;
  client: Client;
  handler: BenchHandler;
}

async function replayRun(
  b: Bench,
  mode: ReplayMode,
  messages: number,
  o: Required<Omit<DlqBenchOptions, 'log' | 'cpuProfileDir'>>,
  profileDir?: string,
): Promise<ReplayRate> {
  const queueUrl = await createQueue(b.sqs, `bench-replay-${mode}-${Date.now()}`);
  const targetStream = mode === 'reput' ? `bench-reput-${Date.now()}` : null;
  if (targetStream) await createStream(b.kinesis, targetStream);
  await seedQueue(b.sqs, queueUrl, messages, o.recordsPerMessage, o.recordBytes);
  const options = compileDlqReplayOptions({
    queueUrl,
    mode,
    ...(targetStream ? { targetStream } : {}),
    emptyGracePeriod: '1s',
    receiveWait: '1s',
  });
  b.handler.replayed = 0;
  const callsBefore = new Map(b.sqsCalls);
  const profiler = profileDir ? await startCpuProfile(profileDir) : null;
  const cpuBefore = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuBefore); // up to the run's end, grace period included
  await profiler?.stop(`replay-${mode}-${started}`);
  return {
    ...rate(`replay, ${mode} mode`, p.replayed, p.records.replayed, end - started),
    cpuMicrosPerMessage: (cpu.user + cpu.system) / p.replayed,
    sqsCallsPerMessage: callsPer(b.sqsCalls, callsBefore, p.replayed),
  };
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
      return next(args);
    },
    { step: 'initialize', name: 'benchSqsCallCounter' },
  );
  const handler = new BenchHandler(() => getRecords);
  try {
    const worker = { temporalAddress: stack.temporalAddress ?? '', taskQueue: TASK_QUEUE, kinesis, sqs };
    const result = await withBenchWorker({ ...worker, handler: handler.handler }, async (client) => {
      const b: Bench = { sqsCalls, stack, kinesis, sqs, client, handler, reads: () => getRecords };
      const replay: ReplayRate[] = [];
      const baselines: number[] = [];
      const handlers: number[] = [];
      for (let r = 1; r <= o.repeats; r++) {
        log(
          `bench-dlq: ${r}/${o.repeats} baseline, a plain receive + delete loop over ${o.messages} messages`,
        );
        const plainQueue = await createQueue(sqs, `bench-plain-${Date.now()}`);
        await seedQueue(sqs, plainQueue, o.messages, o.recordsPerMessage, o.recordBytes);
        const profiler = options.cpuProfileDir ? await startCpuProfile(options.cpuProfileDir) : null;
        const callsBefore = new Map(sqsCalls);
        const cpuBefore = process.cpuUsage();
        const plainMs = await plainLoop(sqs, plainQueue, o.messages);
        const baseCpu = process.cpuUsage(cpuBefore);
        await profiler?.stop(`baseline-${r}-${Date.now()}`);
        const base = rate(
          'baseline: plain receive + delete loop',
          o.messages,
          o.messages * o.recordsPerMessage,
          plainMs,
        );
        base.cpuMicrosPerMessage = (baseCpu.user + baseCpu.system) / o.messages;
        base.sqsCallsPerMessage = callsPer(sqsCalls, callsBefore, o.messages);
        replay.push(base);
        baselines.push(base.messagesPerSecond);
        log(
          `bench-dlq: ${r}/${o.repeats} replay in handler mode, ${o.messages} messages × ${o.recordsPerMessage} records`,
        );
        const ours = await replayRun(b, 'handler', o.messages, o, options.cpuProfileDir);
        replay.push(ours);
        handlers.push(ours.messagesPerSecond);
      }
      if (o.reputMessages > 0) {
        log(`bench-dlq: replay in reput mode, ${o.reputMessages} messages × ${o.recordsPerMessage} records`);
        replay.push(await replayRun(b, 'reput', o.reputMessages, o, options.cpuProfileDir));
      }
      const medians = {
        baseline: median(baselines),
        handler: median(handlers),
        ratio: median(handlers) / median(baselines),
        repeats: o.repeats,
      };
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
    lines.push(
      `  ${x.what.padEnd(40)} ${x.messagesPerSecond.toFixed(0).padStart(6)} messages/s ${x.recordsPerSecond.toFixed(0).padStart(7)} records/s  (${x.messages} messages, ${x.records} records in ${x.seconds.toFixed(2)}s${x.cpuMicrosPerMessage === undefined ? '' : `, ${x.cpuMicrosPerMessage.toFixed(0)} µs CPU/message`}${
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
    `  median of ${m.repeats} alternating runs: replay (handler mode) ${m.handler.toFixed(0)} messages/s vs baseline ${m.baseline.toFixed(0)} messages/s = ${m.ratio.toFixed(2)}×`,
  );
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
