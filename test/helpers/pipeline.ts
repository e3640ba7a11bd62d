/**
 * Whole-stack test plumbing: a worker as a real child process (so it can be SIGKILLed), demo
 * records with per-key counters, the JSON Lines sink read back, streams and queues per test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  type CompiledStreamOptions,
  type StreamProcessorOptions,
  compileStreamOptions,
} from '../../src/config/stream-options';
import type { JsonlSinkLine } from '../../src/examples/jsonl-sink';
import { projectRoot } from '../../src/local/paths';
import type { LocalStack } from '../../src/local/stack';
import { type DemoProducerStats, type DemoRecord, demoEntry, putAll } from '../../src/producer/demo-producer';
import { workflowBundlePath } from './bundle';
import { receiveEverything } from './dlq';
import { waitFor } from './wait';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL; resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startWorkerProcess(
  stack: LocalStack,
  options: { taskQueue: string; sinkFile: string; poison?: string; extraEnv?: Record<string, string> },
): WorkerProcess {
  const root = projectRoot();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'workers', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.temporalAddress ?? '',
      KSP_TASK_QUEUE: options.taskQueue,
      AWS_REGION: stack.region,
      AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint,
      AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
      KSP_HANDLER: path.join(root, 'dist', 'examples', 'jsonl-sink.js'),
      KSP_SINK_FILE: options.sinkFile,
      KSP_WORKFLOW_BUNDLE: workflowBundlePath(),
      ...(options.poison ? { KSP_SINK_POISON: options.poison } : {}),
      ...options.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function createStream(
  kinesis: KinesisClient,
  streamName: string,
  shards: number,
): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  await waitFor(
    async () =>
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
        .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { what: `stream ${streamName} ACTIVE` },
  );
}

export async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!out.QueueUrl) throw new Error('no queue URL');
  return out.QueueUrl;
}

/** Writes `count` demo records over `keys` keys (per-key counters from 0); `poison(i)` marks some. */
export async function produce(
  kinesis: KinesisClient,
  streamName: string,
  count: number,
  keys: number,
  poison: (i: number) => boolean = () => false,
): Promise<DemoProducerStats> {
  const stats: DemoProducerStats = { produced: 0, failedAttempts: 0, lastSequenceByShard: {} };
  const counters = new Array<number>(keys).fill(0);
  for (let start = 0; start < count; start += 500) {
    const entries = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const k = i % keys;
      const n = counters[k] ?? 0;
      counters[k] = n + 1;
      const entry = demoEntry(`key-${k}`, n);
      if (poison(i)) {
        const record = JSON.parse(Buffer.from(entry.Data as Uint8Array).toString()) as DemoRecord;
        entry.Data = Buffer.from(JSON.stringify({ ...record, poison: true }));
      }
      entries.push(entry);
    }
    await putAll(kinesis, streamName, entries, stats);
  }
  return stats;
}

/** How many distinct records (idempotency keys) the sink holds, redeliveries counted once. */
export function uniqueKeys(file: string): number {
  return new Set(readSink(file).map((l) => l.key)).size;
}

/** Waits until the sink holds `count` distinct records (checking every 500 ms unless told). */
export async function sinkHolds(
  file: string,
  count: number,
  what: string,
  { timeoutMs = 90_000, intervalMs = 500 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  await waitFor(() => uniqueKeys(file) >= count, { timeoutMs, intervalMs, what });
}

/** The sink's lines, asserting that it holds `count` distinct records and every key's records in order. */
export function expectAllInOrder(file: string, count: number): SinkLine[] {
  const lines = readSink(file);
  expect(new Set(lines.map((l) => l.key)).size).toBe(count);
  expect(orderViolations(lines)).toEqual([]);
  return lines;
}

/** Options for a test's stream and DLQ that poll fast enough for a test; `over` sets the rest. */
export function fastPollOptions(
  target: { streamName: string; dlqUrl: string },
  over: Omit<StreamProcessorOptions, 'streamName'> = {},
): CompiledStreamOptions {
  return compileStreamOptions({
    streamName: target.streamName,
    dlqQueueUrl: target.dlqUrl,
    maxPollWait: '2s',
    idlePollInterval: '200ms',
    ...over,
  });
}

export interface SinkLine extends JsonlSinkLine {
  record: DemoRecord & { poison?: boolean };
}

export function readSink(file: string): SinkLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const line = JSON.parse(l) as JsonlSinkLine;
      return { ...line, record: JSON.parse(line.data) as DemoRecord };
    });
}

/**
 * Per partition key, the counters in first-delivery order must increase (order kept). With a
 * completeness check on the set of keys, this means 0, 1, 2, … with nothing missing.
 */
export function orderViolations(lines: SinkLine[]): string[] {
  const seen = new Set<string>();
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const line of lines) {
    if (seen.has(line.key)) continue; // a redelivery: its first delivery was checked
    seen.add(line.key);
    const previous = last.get(line.partitionKey) ?? -1;
    if (line.record.n <= previous)
      problems.push(`${line.partitionKey}: n=${line.record.n} after n=${previous}`);
    last.set(line.partitionKey, line.record.n);
  }
  return problems;
}

/** The bodies of every visible message (hidden for two minutes after). */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  return (await receiveEverything(sqs, queueUrl)).map((m) => m.body);
}
