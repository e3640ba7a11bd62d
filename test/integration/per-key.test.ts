/**
 * Per-key lanes and the per-key quarantine on the whole local stack (Temporal dev server,
 * kinesalite, fauxqs), with the worker and the `ksp` CLI as child processes running the compiled
 * code and a handler that sleeps per call (test/fixtures/handlers/keyed-sink.js).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { partitionKeyHash } from '../../src/activities/shard/key-hash';
import { createKinesisClient, createSqsClient } from '../../src/aws/clients';
import { startStream } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import { type ShardStatus, shardStatusQuery } from '../../src/workflows/shard-messages';
import { projectRoot, testOutDir } from '../../src/local/paths';
import { type LocalStack, startLocalStack } from '../../src/local/stack';
import { connectClient } from '../../src/workers/temporal-connection';
import {
  type WorkerProcess,
  createQueue,
  createStream,
  fastPollOptions,
  orderViolations,
  produce,
  readSink,
  startWorkerProcess,
} from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

let stack: LocalStack;
let kinesis: KinesisClient;
let sqs: SQSClient;
let temporal: { client: Client; close(): Promise<void> };
let worker: WorkerProcess | undefined;
const outDir = path.join(testOutDir(), 'per-key');
const id = Date.now().toString(36);
const taskQueue = `ksp-per-key-${id}`;
const sinkFile = path.join(outDir, `sink-${id}.jsonl`);
const fixedFlag = path.join(outDir, `fixed-${id}`);

beforeAll(async () => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  stack = await startLocalStack({ temporal: { uiPort: null }, kinesis: 'kinesalite', logDir: outDir });
  const aws = { region: stack.region, credentials: stack.credentials };
  kinesis = createKinesisClient({ ...aws, endpoint: stack.kinesisEndpoint });
  sqs = createSqsClient({ ...aws, endpoint: stack.sqsEndpoint });
  temporal = await connectClient({
    address: stack.temporalAddress ?? '',
    namespace: 'default',
    taskQueue,
    tls: false,
  });
  worker = startWorkerProcess(stack, {
    taskQueue,
    sinkFile,
    extraEnv: {
      KSP_HANDLER: path.join(projectRoot(), 'test', 'fixtures', 'handlers', 'keyed-sink.js'),
      KSP_FIXED_FLAG: fixedFlag,
      KSP_SLEEP_MS: '20',
    },
  });
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await temporal?.close();
  kinesis?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

function ksp(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot(), 'dist', 'cli', 'main.js'), ...args],
      {
        env: {
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: stack.temporalAddress ?? '',
          KSP_TASK_QUEUE: taskQueue,
          AWS_REGION: stack.region,
          AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint,
          AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
        },
        timeout: 90_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const shardStatus = (streamName: string): Promise<ShardStatus> =>
  temporal.client.workflow
    .getHandle(shardWorkflowId(streamName, 'shardId-000000000000'))
    .query(shardStatusQuery);

/** The sink's lines of one stream (the fixture adds the stream to each line). */
const linesOf = (streamName: string) =>
  readSink(sinkFile).filter((l) => (l as unknown as { stream: string }).stream === streamName);

test('200 keys at parallelization 1 and 8: every record handled, each key in order', async () => {
  const runs = [1, 8].map((p) => ({ p, streamName: `lanes-${p}-${id}` }));
  const started = Date.now();
  await Promise.all(
    runs.map(async ({ p, streamName }) => {
      await createStream(kinesis, streamName, 1);
      const dlqUrl = await createQueue(sqs, `${streamName}-dlq`);
      await produce(kinesis, streamName, 2_000, 200);
      await startStream(temporal.client, taskQueue, {
        options: fastPollOptions({ streamName, dlqUrl }, { parallelization: p }),
      });
    }),
  );
  await waitFor(() => readSink(sinkFile).length >= 4_000, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: '4,000 records in the sink',
  });
  for (const { streamName } of runs) {
    const lines = linesOf(streamName);
    expect(new Set(lines.map((l) => l.key)).size).toBe(2_000);
    expect(orderViolations(lines)).toEqual([]);
  }
  console.info(`per-key lanes: 2 × 2,000 records handled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 90_000);

test('a poison record with quarantine on: its key waits in the DLQ, the others flow; the replay releases it in order', async () => {
  const streamName = `quarantine-${id}`;
  await createStream(kinesis, streamName, 1);
  const dlqUrl = await createQueue(sqs, `${streamName}-dlq`);
  // 1,000 records over 50 keys; record 105 (key-5, its n=2) is poison
  await produce(kinesis, streamName, 1_000, 50, (i) => i === 105);
  await startStream(temporal.client, taskQueue, {
    options: fastPollOptions(
      { streamName, dlqUrl },
      { parallelization: 4, quarantineKeys: true, retry: { maximumAttempts: 2, initialInterval: '200ms' } },
    ),
  });
  const otherKeys = 1_000 - 20; // key-5 has 20 records
  await waitFor(
    () =>
      new Set(
        linesOf(streamName)
          .filter((l) => l.partitionKey !== 'key-5')
          .map((l) => l.key),
      ).size >= otherKeys,
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'every record of the other keys handled',
    },
  );
  const status = await waitFor(
    async () => {
      const shard = await shardStatus(streamName).catch(() => null);
      return shard?.quarantinedKeys?.length ? shard : null;
    },
    { timeoutMs: 30_000, what: 'the quarantine in the status' },
  );
  expect(status.quarantinedKeys).toEqual([partitionKeyHash('key-5')]);
  // Key-5's records in the poison's own first read (records 0-399: n 0-7) reached the handler in
  // the call that failed the poison (the handler chose to handle them) and again with it on its
  // retry (held back); none of its later records (n 8-19) reached the handler before the replay.
  const before = linesOf(streamName).filter((l) => l.partitionKey === 'key-5');
  expect(Math.max(...before.map((l) => l.record.n))).toBeLessThanOrEqual(7);
  expect(before.some((l) => l.record.n === 2)).toBe(false);
  expect((await ksp(['quarantine', 'list', '--json'])).stdout).toContain(partitionKeyHash('key-5'));

  // The fix is deployed; the key's records are replayed in order and the key released
  writeFileSync(fixedFlag, 'fixed');
  const replay = await ksp(['dlq', 'replay', dlqUrl, '--partition-key', 'key-5', '--grace', '2s']);
  expect(replay.code).toBe(0);
  const replayed = linesOf(streamName)
    .filter((l) => l.partitionKey === 'key-5')
    .slice(before.length)
    .map((l) => l.record.n);
  // Every record from the poison on, each once, in order
  expect(replayed).toEqual(Array.from({ length: 18 }, (_, n) => n + 2));
  await waitFor(
    async () => {
      return (await shardStatus(streamName)).quarantinedKeys?.length === 0;
    },
    { timeoutMs: 30_000, what: 'key-5 released' },
  );
  // A later record of key-5 flows again, after the replayed ones
  await produce(kinesis, streamName, 6, 50);
  await waitFor(() => linesOf(streamName).filter((l) => l.partitionKey === 'key-5').length > 20, {
    timeoutMs: 30_000,
    what: 'a new key-5 record handled',
  });
}, 150_000);
