/**
 * The hooks every whole-stack test file needs: one local stack per file (Temporal dev server
 * without UI, a Kinesis emulator, fauxqs), AWS and Temporal clients, a fresh stream + DLQ + task
 * queue + sink file per test, and worker child processes SIGKILLed after each test.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../../src/aws/clients';
import type { KinesisKind } from '../../src/local/kinesis-emulator';
import { testOutDir } from '../../src/local/paths';
import { type LocalStack, startLocalStack } from '../../src/local/stack';
import { connectClient } from '../../src/workers/temporal-connection';
import { type WorkerProcess, createQueue, createStream, startWorkerProcess } from './pipeline';

/** What one test works on: names unique to it. */
export interface StackTarget {
  streamName: string;
  dlqUrl: string;
  taskQueue: string;
  sinkFile: string;
}

export interface IntegrationSuite {
  readonly stack: LocalStack;
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly temporal: Client;
  /** A new stream of `shards` shards, its DLQ, a task queue and a sink file. */
  setup(shards: number): Promise<StackTarget>;
  /** A worker child process on the target's task queue, killed after the test; `poison` fails matching records. */
  worker(
    target: Pick<StackTarget, 'taskQueue' | 'sinkFile'>,
    options?: { poison?: string; extraEnv?: Record<string, string> },
  ): WorkerProcess;
}

export interface IntegrationStackOptions {
  /** Serve the Temporal Web UI (on a free port, `stack.uiUrl`). @default false: headless */
  ui?: boolean;
}

export function useIntegrationStack(
  name: string,
  kinesisKind: KinesisKind,
  options: IntegrationStackOptions = {},
): IntegrationSuite {
  const outDir = path.join(testOutDir(), name);
  let stack: LocalStack | undefined;
  let kinesis: KinesisClient | undefined;
  let sqs: SQSClient | undefined;
  let temporal: { client: Client; close(): Promise<void> } | undefined;
  let workers: WorkerProcess[] = [];
  let n = 0;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the local stack is not running: use it inside hooks and tests');
    return value;
  };

  beforeAll(async () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    stack = await startLocalStack({
      temporal: options.ui ? {} : { uiPort: null },
      kinesis: kinesisKind,
      logDir: outDir,
    });
    const aws = { region: stack.region, credentials: stack.credentials };
    kinesis = createKinesisClient({ ...aws, endpoint: stack.kinesisEndpoint });
    sqs = createSqsClient({ ...aws, endpoint: stack.sqsEndpoint });
    temporal = await connectClient({
      address: stack.temporalAddress ?? '',
      namespace: 'default',
      taskQueue: 'unused',
      tls: false,
    });
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    workers = [];
  });

  afterAll(async () => {
    await temporal?.close();
    kinesis?.destroy();
    sqs?.destroy();
    await stack?.stop();
  });

  return {
    get stack() {
      return started(stack);
    },
    get kinesis() {
      return started(kinesis);
    },
    get sqs() {
      return started(sqs);
    },
    get temporal() {
      return started(temporal).client;
    },
    async setup(shards) {
      const id = `${Date.now().toString(36)}-${++n}`;
      const streamName = `${name}-${id}`;
      await createStream(started(kinesis), streamName, shards);
      return {
        streamName,
        dlqUrl: await createQueue(started(sqs), `${streamName}-dlq`),
        taskQueue: `ksp-${name}-${id}`,
        sinkFile: path.join(outDir, `${streamName}.jsonl`),
      };
    },
    worker(target, workerOptions = {}) {
      const w = startWorkerProcess(started(stack), {
        ...target,
        ...(workerOptions.poison ? { poison: workerOptions.poison } : {}),
        ...(workerOptions.extraEnv ? { extraEnv: workerOptions.extraEnv } : {}),
      });
      workers.push(w);
      return w;
    },
  };
}
