/**
 * The per-key lanes benchmark (`npm run bench:lanes`): records/s of one shard with a handler that
 * takes 20 ms per call, at parallelization 1, 4 and 10 in the same run, and records/s and handler
 * calls with a filter that drops 90% of the records beside no filter. One local stack (Temporal dev
 * server, kinesalite, fauxqs) and an in-process worker; one fresh single-shard stream per run.
 */
import os from 'node:os';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { Client } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../src/aws/clients';
import { compileStreamOptions } from '../src/config/stream-options';
import type { BatchHandler } from '../src/handler/contract';
import { dataDir } from '../src/local/paths';
import { startLocalStack } from '../src/local/stack';
import type { ShardWorkflowInput } from '../src/workflows/shard';
import { createQueue, createStream, sleep, waitUntil } from './dlq-fixtures';
import { installQuietRuntime, withBenchWorker } from './runtime';

export interface LanesBenchOptions {
  /** Records per run. @default 6000 */
  records?: number;
  /** Distinct partition keys. @default 200 */
  keys?: number;
  /** Handler time per call. @default 20 */
  handlerMs?: number;
  /** @default 100 */
  batchSize?: number;
  log?: (line: string) => void;
}

export interface LanesRun {
  what: string;
  parallelization: number;
  filter: boolean;
  records: number;
  handled: number;
  handlerCalls: number;
  seconds: number;
  recordsPerSecond: number;
}

export interface LanesBenchResult {
  handlerMs: number;
  batchSize: number;
  runs: LanesRun[];
  environment: { node: string; cpus: number; cpuModel: string };
}

const TASK_QUEUE = 'ksp-bench-lanes';

/** Sleeps per call; counts calls and records; checks per-key order. */
class SleepyHandler {
  calls = 0;
  records = 0;
  outOfOrder = 0;
  private lastByKey = new Map<string, number>();
  constructor(private readonly ms: number) {}
  reset(): void {
    this.calls = 0;
    this.records = 0;
    this.outOfOrder = 0;
    this.lastByKey.clear();
  }
  readonly handler: BatchHandler = async (records) => {
    this.calls++;
    await sleep(this.ms);
    for (const r of records) {
      const n = (JSON.parse(new TextDecoder().decode(r.data)) as { n: number }).n;
      const last = this.lastByKey.get(r.partitionKey) ?? -1;
      if (n <= last) this.outOfOrder++;
      this.lastByKey.set(r.partitionKey, n);
    }
    this.records += records.length;
  };
}

async function putRecords(
  kinesis: KinesisClient,
  stream: string,
  count: number,
  keys: number,
): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    const entries = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
      Data: new TextEncoder().encode(JSON.stringify({ n: i + j, keep: (i + j) % 10 === 0 })),
      PartitionKey: `key-${(i + j) % keys}`,
    }));
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    if (out.FailedRecordCount) throw new Error(`bench: ${out.FailedRecordCount} records not put`);
  }
}

async function run(
  b: { kinesis: KinesisClient; client: Client; dlq: string; handler: SleepyHandler },
  o: Required<Omit<LanesBenchOptions, 'log'>>,
  parallelization: number,
  filter: boolean,
): Promise<LanesRun> {
  const stream = `bench-lanes-${parallelization}-${filter ? 'f' : 'n'}-${Date.now()}`;
  const shardId = await createStream(b.kinesis, stream);
  await putRecords(b.kinesis, stream, o.records, o.keys);
  b.handler.reset();
  const expected = filter ? Math.ceil(o.records / 10) : o.records;
  const input: ShardWorkflowInput = {
    streamName: stream,
    shardId,
    streamWorkflowId: null,
    options: compileStreamOptions({
      streamName: stream,
      dlqQueueUrl: b.dlq,
      batchSize: o.batchSize,
      parallelization,
      maxPollWait: '1s',
      idlePollInterval: '200ms',
      ...(filter ? { filterCriteria: { filters: [{ pattern: '{"data": {"keep": [true]}}' }] } } : {}),
    }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
  const started = Date.now();
  const handle = await b.client.workflow.start('shardWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: `bench-${stream}`,
    args: [input],
  });
  await waitUntil(`${expected} records handled`, () => b.handler.records >= expected, 300_000);
  const seconds = (Date.now() - started) / 1000;
  await handle.signal('stop');
  await handle.result();
  if (b.handler.outOfOrder > 0) throw new Error(`bench: ${b.handler.outOfOrder} records out of key order`);
  return {
    what: filter
      ? `filter dropping 90%, parallelization ${parallelization}`
      : `parallelization ${parallelization}`,
    parallelization,
    filter,
    records: o.records,
    handled: b.handler.records,
    handlerCalls: b.handler.calls,
    seconds,
    recordsPerSecond: o.records / seconds,
  };
}

export async function runLanesBench(options: LanesBenchOptions = {}): Promise<LanesBenchResult> {
  const o = {
    records: options.records ?? 6_000,
    keys: options.keys ?? 200,
    handlerMs: options.handlerMs ?? 20,
    batchSize: options.batchSize ?? 100,
  };
  const log = options.log ?? ((line: string) => console.error(line));
  installQuietRuntime();
  log('bench-lanes: starting the local stack (Temporal dev server, kinesalite, fauxqs)');
  const stack = await startLocalStack({
    temporal: { uiPort: null },
    kinesis: 'kinesalite',
    logDir: path.join(dataDir(), 'bench-lanes'),
  });
  const aws = { region: stack.region, credentials: stack.credentials };
  const kinesis = createKinesisClient({ ...aws, endpoint: stack.kinesisEndpoint });
  const sqs = createSqsClient({ ...aws, endpoint: stack.sqsEndpoint });
  const handler = new SleepyHandler(o.handlerMs);
  try {
    const dlq = await createQueue(sqs, `bench-lanes-dlq-${Date.now()}`);
    const worker = { temporalAddress: stack.temporalAddress ?? '', taskQueue: TASK_QUEUE, kinesis, sqs };
    const runs = await withBenchWorker({ ...worker, handler: handler.handler }, async (client) => {
      const b = { kinesis, client, dlq, handler };
      const out: LanesRun[] = [];
      for (const p of [1, 4, 10]) {
        log(
          `bench-lanes: parallelization ${p}, ${o.records} records, ${o.keys} keys, ${o.handlerMs} ms a call`,
        );
        out.push(await run(b, o, p, false));
      }
      log('bench-lanes: a filter dropping 90%, parallelization 1');
      out.push(await run(b, o, 1, true));
      return out;
    });
    const cpus = os.cpus();
    return {
      handlerMs: o.handlerMs,
      batchSize: o.batchSize,
      runs,
      environment: { node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
    };
  } finally {
    kinesis.destroy();
    sqs.destroy();
    await stack.stop();
  }
}

export function formatLanesBench(r: LanesBenchResult): string {
  const base = r.runs.find((x) => x.parallelization === 1 && !x.filter);
  const lines = [
    `Per-key lanes (kinesalite, one shard, handler ${r.handlerMs} ms a call, batchSize ${r.batchSize}; ${r.environment.cpus} CPUs, Node ${r.environment.node})`,
  ];
  for (const x of r.runs) {
    const speedup = base && !x.filter ? `  ×${(x.recordsPerSecond / base.recordsPerSecond).toFixed(2)}` : '';
    lines.push(
      `  ${x.what.padEnd(38)} ${x.recordsPerSecond.toFixed(0).padStart(6)} records/s  ${String(x.handlerCalls).padStart(5)} handler calls, ${x.handled} records handled of ${x.records} in ${x.seconds.toFixed(2)}s${speedup}`,
    );
  }
  return lines.join('\n');
}
