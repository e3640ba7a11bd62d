/**
 * Failures and their recovery on the whole local stack (Temporal dev server, kinesalite, fauxqs),
 * with the worker and the `ksp` CLI as child processes running the compiled code: poison records
 * are isolated into the DLQ while the stream flows, a dry run changes nothing, the fixed handler
 * replays the DLQ so that every record is in the sink exactly once, and messages a replay cannot
 * read are left untouched.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../../src/aws/clients';
import { queueDepth } from '../../src/client/dlq-control';
import { startStream, stopStream, streamHandle, streamStatus } from '../../src/client/stream-control';
import { projectRoot, testOutDir } from '../../src/local/paths';
import { type LocalStack, startLocalStack } from '../../src/local/stack';
import { compileStreamOptions } from '../../src/config/stream-options';
import { connectClient } from '../../src/workers/temporal-connection';
import { receiveEverything, sendRaw, unreadableMessages } from '../helpers/dlq';
import {
  type WorkerProcess,
  createQueue,
  createStream,
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
const outDir = path.join(testOutDir(), 'dlq-replay');
const id = Date.now().toString(36);
const streamName = `dlq-replay-${id}`;
const taskQueue = `ksp-dlq-test-${id}`;
const sinkFile = path.join(outDir, `${streamName}.jsonl`);
const fixedFlag = path.join(outDir, `${streamName}.fixed`);
let dlqUrl: string;

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
  await createStream(kinesis, streamName, 2);
  dlqUrl = await createQueue(sqs, `${streamName}-dlq`);
  worker = startWorkerProcess(stack, {
    taskQueue,
    sinkFile,
    extraEnv: {
      KSP_HANDLER: path.join(projectRoot(), 'test', 'fixtures', 'handlers', 'dlq-sink.js'),
      KSP_FIXED_FLAG: fixedFlag,
    },
  });
});

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await temporal?.close();
  kinesis?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

/** Runs the compiled `ksp` CLI against the stack; resolves with its exit code and output. */
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

const sinkKeys = (): string[] => readSink(sinkFile).map((l) => l.key);

describe('DLQ replay on the local stack', () => {
  const total = 600;
  const poisonAt = new Set([50, 251, 420]);

  it('isolates poison records into the DLQ while the stream flows; every good record is handled once', async () => {
    // Prepare
    await produce(kinesis, streamName, total, 40, (i) => poisonAt.has(i));
    const options = compileStreamOptions({
      streamName,
      dlqQueueUrl: dlqUrl,
      batchSize: 100,
      bisectBatchOnError: true,
      maxPollWait: '2s',
      idlePollInterval: '200ms',
      retry: { maximumAttempts: 2, initialInterval: '200ms', maximumInterval: '1s' },
    });
    // Act
    await startStream(temporal.client, taskQueue, { options });
    await waitFor(() => new Set(sinkKeys()).size >= total - poisonAt.size, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `${total - poisonAt.size} good records in the sink`,
    });
    await waitFor(async () => (await streamStatus(temporal.client, streamName)).totals.deadLettered === 3, {
      timeoutMs: 30_000,
      what: 'three records dead-lettered',
    });
    // Assess: bisect sent only the poison records, and the throwing handler wrote nothing twice.
    const lines = readSink(sinkFile);
    expect(lines).toHaveLength(total - poisonAt.size);
    expect(new Set(lines.map((l) => l.key)).size).toBe(total - poisonAt.size);
    expect(lines.some((l) => l.record.poison)).toBe(false);
    expect(orderViolations(lines)).toEqual([]);
    expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it('peek lists the dead-lettered records readably and leaves them in the queue', async () => {
    // Act
    const peek = await ksp(['dlq', 'peek', dlqUrl, '--max', '10']);
    const json = await ksp(['dlq', 'peek', dlqUrl, '--json']);
    // Assess
    expect(peek.stderr).not.toContain('ksp dlq');
    expect(peek.code).toBe(0);
    expect(peek.stdout).toContain(`${dlqUrl}: 3 message(s), 3 record(s)`);
    expect(peek.stdout.match(/RetryAttemptsExhausted: PoisonError: cannot handle/g)).toHaveLength(3);
    expect(peek.stdout).toContain('{\\"key\\":\\"key-'); // the first data bytes of each record
    const summaries = JSON.parse(json.stdout) as Array<{
      readable: boolean;
      attempts: number;
      streamName: string;
    }>;
    expect(summaries.map((s) => [s.readable, s.attempts, s.streamName])).toEqual([
      [true, 2, streamName],
      [true, 2, streamName],
      [true, 2, streamName],
    ]);
    expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it('a dry run changes nothing', async () => {
    // Prepare
    const before = sinkKeys().length;
    // Act
    const dry = await ksp(['dlq', 'replay', dlqUrl, '--dry-run', '--grace', '2s']);
    // Assess
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('(dry run: nothing changed)');
    expect(dry.stdout).toContain('seen 3 · would replay 3 (3 records)');
    expect(sinkKeys()).toHaveLength(before);
    expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it('after the fix, the replay delivers each dead-lettered record once; the sink holds every record exactly once and the DLQ is empty', async () => {
    // Prepare: "deploy the fix".
    writeFileSync(fixedFlag, 'fixed\n');
    // Act
    const replay = await ksp(['dlq', 'replay', dlqUrl, '--grace', '2s']);
    // Assess
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('done: the queue stayed empty');
    expect(replay.stdout).toContain('seen 3 · replayed 3 (3 records) · failed 0 · skipped 0 · parked 0');
    const keys = sinkKeys();
    expect(keys).toHaveLength(total);
    expect(new Set(keys).size).toBe(total);
    // The three replayed last are the poison records, each once.
    expect(
      readSink(sinkFile)
        .slice(-3)
        .map((l) => l.record.poison),
    ).toEqual([true, true, true]);
    expect(await queueDepth(sqs, dlqUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const status = await ksp(['dlq', 'status', dlqUrl, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      workflowStatus: 'COMPLETED',
      state: 'completed',
      replayed: 3,
    });
  });

  it('leaves messages it cannot read untouched and visible, and does not crash on them', async () => {
    // Prepare: a foreign event, garbage, an envelope of another version.
    const unreadable = unreadableMessages(JSON.stringify({ kind: 'ksp.dlq', version: 1 }));
    for (const u of unreadable) await sendRaw(sqs, dlqUrl, u.body, u.attributes);
    // Act
    const replay = await ksp(['dlq', 'replay', dlqUrl, '--grace', '2s']);
    const peek = await ksp(['dlq', 'peek', dlqUrl]);
    // Assess
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('skipped 3 (foreign 1, not-json 1, unknown-version 1)');
    expect(replay.stdout).toContain('3 skipped message(s) are still in the queue for a person');
    expect(peek.stdout.match(/!! (NOT-JSON|FOREIGN|UNKNOWN-VERSION)/g)?.sort()).toEqual([
      '!! FOREIGN',
      '!! NOT-JSON',
      '!! UNKNOWN-VERSION',
    ]);
    const left = await receiveEverything(sqs, dlqUrl);
    expect(left.map((m) => m.body).sort()).toEqual(unreadable.map((u) => u.body).sort());
    expect(left.find((m) => m.body.includes('orders.created'))?.attributes).toEqual(
      unreadable[0]?.attributes,
    );
    await stopStream(temporal.client, streamName);
    await streamHandle(temporal.client, streamName).result();
  });

  it('a partition-key replay refuses to start while a message is delayed: it could overtake an earlier record of the key', async () => {
    // Prepare: a message delayed as a stopped replay's retry is
    const queue = await createQueue(sqs, `${streamName}-ordered-dlq`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'a retry', DelaySeconds: 60 }));
    // Act
    const replay = await ksp(['dlq', 'replay', queue, '--partition-key', 'key-5', '--grace', '2s']);
    // Assess: exit 2, the key, the count and the fix named; nothing started, nothing received
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--partition-key key-5');
    expect(replay.stderr).toContain('1 delayed and 0 in-flight message(s)');
    expect(replay.stderr).toContain('then run it again');
    expect(await queueDepth(sqs, queue)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
  });
});
