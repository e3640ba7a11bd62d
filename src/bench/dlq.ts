/**
 * The DLQ benchmark (`node scripts/bench-dlq.mjs`): replay throughput against fauxqs, beside a
 * plain receive-and-delete loop on the same queue, and the time bisect takes to isolate a poison
 * record in one batch of 10,000 on kinesalite, beside the same batch without poison and without
 * bisect. One local stack (Temporal dev server, kinesalite, fauxqs) and an in-process worker.
 */
import os from 'node:os';
import path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { DefaultLogger, type NativeConnection, Runtime } from '@temporalio/worker';
import { createKinesisClient, createSqsClient } from '../aws/clients';
import { queueDepth } from '../client/dlq-control';
import { buildDlqMessages, parseDlqMessage } from '../dlq/envelope';
import { compileDlqReplayOptions, type ReplayMode } from '../dlq/replay-options';
import type { BatchHandler } from '../handler';
import { dataDir } from '../local/paths';
import { type LocalStack, startLocalStack } from '../local/stack';
import { compileStreamOptions } from '../options';
import { type KinesisRecord, idempotencyKey } from '../records';
import { connectClient, connectNative } from '../workers/temporal-connection';
import { createKspWorker } from '../workers/worker';
import type { DlqReplayWorkflowInput } from '../workflows/dlq-replay';
import type { DlqReplayResult } from '../workflows/dlq-replay-messages';
import type { ShardWorkflowInput } from '../workflows/shard';

export interface DlqBenchOptions {
  /** DLQ messages to replay per mode. @default 2000 */
  messages?: number;
  /** Records per message. @default 10 */
  recordsPerMessage?: number;
  /** Bytes of data per record. @default 200 */
  recordBytes?: number;
  /** Records in the one batch bisect splits. @default 10000 */
  bisectRecords?: number;
  log?: (line: string) => void;
}

export interface ReplayRate {
  what: string;
  messages: number;
  records: number;
  seconds: number;
  messagesPerSecond: number;
  recordsPerSecond: number;
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
  replay: ReplayRate[];
  bisect: { records: number; poisonAt: number; runs: BisectTiming[] };
  environment: { node: string; cpus: number; cpuModel: string };
}

const TASK_QUEUE = 'ksp-bench-dlq';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitUntil(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs = 600_000,
): Promise<void> {
  const started = Date.now();
  while (!(await test())) {
    if (Date.now() - started > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(10);
  }
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

/** `count` DLQ messages of `perMessage` records each, sent 10 per request, 8 requests at a time. */
async function seedQueue(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  perMessage: number,
  bytes: number,
): Promise<void> {
  const bodies: string[] = [];
  for (let m = 0; m < count; m++) {
    const records: KinesisRecord[] = Array.from({ length: perMessage }, (_, i) => {
      const sequenceNumber = `4959${String(m * perMessage + i + 1).padStart(52, '0')}`;
      return {
        data: new Uint8Array(bytes).fill(97 + (i % 26)),
        partitionKey: `key-${(m * perMessage + i) % 100}`,
        sequenceNumber,
        approximateArrivalTimestamp: new Date(),
        shardId: 'shardId-000000000000',
        streamName: 'bench-source',
        idempotencyKey: idempotencyKey('shardId-000000000000', sequenceNumber),
      };
    });
    const [message] = buildDlqMessages(
      {
        streamName: 'bench-source',
        shardId: 'shardId-000000000000',
        records,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench-source',
        condition: 'RetryAttemptsExhausted',
        error: { type: 'PoisonError', message: 'bench' },
        attempts: 3,
        handler: 'bench',
      },
      { maxMessageBytes: 262_144 },
    );
    if (message) bodies.push(message.body);
  }
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map((batch) =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((MessageBody, j) => ({ Id: String(j), MessageBody })),
          }),
        ),
      ),
    );
  }
}

/** The baseline: one loop receiving 10 and deleting them in a batch, as the replay does, without Temporal. */
async function plainLoop(sqs: SQSClient, queueUrl: string, count: number): Promise<number> {
  const started = Date.now();
  let done = 0;
  while (done < count) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const messages = out.Messages ?? [];
    for (const m of messages) JSON.parse(m.Body ?? '{}');
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    done += messages.length;
  }
  return Date.now() - started;
}

async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return out.QueueUrl;
}

async function createStream(kinesis: KinesisClient, name: string): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  await waitUntil(`stream ${name}`, async () => {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
  });
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  return shards.Shards?.[0]?.ShardId ?? 'shardId-000000000000';
}

async function putBatch(
  kinesis: KinesisClient,
  stream: string,
  count: number,
  poisonAt: number | null,
): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    const entries = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
      Data: new TextEncoder().encode(JSON.stringify({ n: i + j, poison: i + j === poisonAt })),
      PartitionKey: `key-${(i + j) % 100}`,
    }));
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    if (out.FailedRecordCount) throw new Error(`bench: ${out.FailedRecordCount} records not put`);
  }
}

/** Records in the DLQ messages now visible (each received once, hidden for a minute). */
async function countDlqRecords(sqs: SQSClient, queueUrl: string): Promise<number> {
  let records = 0;
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    if (!out.Messages?.length) return records;
    for (const m of out.Messages) {
      const parsed = parseDlqMessage(m.Body ?? '');
      if (parsed.ok) records += parsed.envelope.KinesisBatchInfo.batchSize;
    }
  }
}

/** The worker's handler: counts replayed records, and in a bisect run throws on any batch holding the poison record. */
class BenchHandler {
  replayed = 0;
  lastReplayAt = 0;
  calls = 0;
  confirmed = 0;
  /** Handler calls, time and shard reads when the poison record first came alone. */
  isolated: { calls: number; at: number; reads: number } | null = null;

  constructor(private readonly reads: () => number) {}

  readonly handler: BatchHandler = async (records) => {
    this.calls++;
    if (records.some((r) => new TextDecoder().decode(r.data).endsWith('"poison":true}'))) {
      if (records.length === 1 && this.isolated === null)
        this.isolated = { calls: this.calls, at: Date.now(), reads: this.reads() };
      const error = new Error('poison record');
      error.name = 'PoisonError';
      throw error;
    }
    this.replayed += records.length;
    this.confirmed += records.length;
    this.lastReplayAt = Date.now();
  };
}

interface Bench {
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
  o: Required<Omit<DlqBenchOptions, 'log'>>,
): Promise<ReplayRate> {
  const queueUrl = await createQueue(b.sqs, `bench-replay-${mode}-${Date.now()}`);
  const targetStream = mode === 'reput' ? `bench-reput-${Date.now()}` : null;
  if (targetStream) await createStream(b.kinesis, targetStream);
  await seedQueue(b.sqs, queueUrl, o.messages, o.recordsPerMessage, o.recordBytes);
  const options = compileDlqReplayOptions({
    queueUrl,
    mode,
    ...(targetStream ? { targetStream } : {}),
    emptyGracePeriod: '1s',
    receiveWait: '1s',
  });
  b.handler.replayed = 0;
  const started = Date.now();
  const input: DlqReplayWorkflowInput = { options };
  const result = await b.client.workflow.execute<(i: DlqReplayWorkflowInput) => Promise<DlqReplayResult>>(
    'dlqReplayWorkflow',
    { taskQueue: TASK_QUEUE, workflowId: `bench-dlq-replay-${mode}-${started}`, args: [input] },
  );
  const p = result.progress;
  if (p.replayed !== o.messages) throw new Error(`bench: replayed ${p.replayed} of ${o.messages} messages`);
  // The run ends a grace period after the last message: time the replay up to that message.
  const end =
    mode === 'handler' ? b.handler.lastReplayAt : Date.parse(p.emptySince ?? new Date().toISOString());
  return rate(`replay, ${mode} mode`, p.replayed, p.records.replayed, end - started);
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
    messages: options.messages ?? 2_000,
    recordsPerMessage: options.recordsPerMessage ?? 10,
    recordBytes: options.recordBytes ?? 200,
    bisectRecords: options.bisectRecords ?? 10_000,
  };
  const log = options.log ?? ((line: string) => console.error(line));
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already (a second run in this process)
  }
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
  const sqs = createSqsClient({ ...aws, endpoint: stack.sqsEndpoint });
  const temporalConfig = {
    address: stack.temporalAddress ?? '',
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    tls: false,
  };
  const temporal = await connectClient(temporalConfig);
  const { client } = temporal;
  let connection: NativeConnection | undefined;
  const handler = new BenchHandler(() => getRecords);
  try {
    connection = await connectNative(temporalConfig);
    const worker = await createKspWorker({
      connection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      kinesis,
      sqs,
      handler: handler.handler,
      handlerName: 'bench',
      shutdownGraceTimeMs: 1_000,
    });
    const b: Bench = { stack, kinesis, sqs, client, handler, reads: () => getRecords };
    const result = await worker.runUntil(async () => {
      const replay: ReplayRate[] = [];
      log(`bench-dlq: baseline, a plain receive + delete loop over ${o.messages} messages`);
      const plainQueue = await createQueue(sqs, `bench-plain-${Date.now()}`);
      await seedQueue(sqs, plainQueue, o.messages, o.recordsPerMessage, o.recordBytes);
      const plainMs = await plainLoop(sqs, plainQueue, o.messages);
      replay.push(
        rate('baseline: plain receive + delete loop', o.messages, o.messages * o.recordsPerMessage, plainMs),
      );
      for (const mode of ['handler', 'reput'] as const) {
        log(`bench-dlq: replay in ${mode} mode, ${o.messages} messages × ${o.recordsPerMessage} records`);
        replay.push(await replayRun(b, mode, o));
      }
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
      return { replay, bisect: { records: o.bisectRecords, poisonAt, runs } };
    });
    const cpus = os.cpus();
    return {
      ...result,
      environment: { node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
    };
  } finally {
    await temporal.close();
    await connection?.close();
    kinesis.destroy();
    sqs.destroy();
    await stack.stop();
  }
}

export function formatDlqBench(r: DlqBenchResult): string {
  const lines = [
    `DLQ replay throughput (fauxqs, Temporal dev server, in-process worker; ${r.environment.cpus} CPUs, Node ${r.environment.node})`,
  ];
  for (const x of r.replay) {
    lines.push(
      `  ${x.what.padEnd(40)} ${x.messagesPerSecond.toFixed(0).padStart(6)} messages/s ${x.recordsPerSecond.toFixed(0).padStart(7)} records/s  (${x.messages} messages, ${x.records} records in ${x.seconds.toFixed(2)}s)`,
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
