/**
 * One backend's bench environment: the embedded local stack (Temporal dev server, the Kinesis
 * emulator, fauxqs) on free 127.0.0.1 ports, a DLQ, a Temporal client and an in-process ksp
 * worker whose batches go to the measurement that owns the stream. Everything stops in close().
 */
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createKinesisClient, createSqsClient } from '../src/aws/clients';
import { DEFAULT_NAMESPACE } from '../src/constants';
import type { KinesisKind } from '../src/local/kinesis-emulator';
import { type LocalStack, startLocalStack } from '../src/local/stack';
import { createKspWorker } from '../src/workers/worker';
import { HandlerRouter } from './handler-router';
import { KinesisMeter } from './kinesis-meter';
import { within } from './wait';
import { type ServerMetrics, serverMetrics } from './server-metrics';

/** Long polls are cancelled after the 1 s grace time; anything longer means the worker is stuck. */
const WORKER_STOP_MS = 15_000;

export interface BenchStack {
  backend: KinesisKind;
  local: LocalStack & { temporalAddress: string };
  client: Client;
  namespace: string;
  /** Task queue of the in-process worker. */
  taskQueue: string;
  dlqQueueUrl: string;
  /** For the bench itself: create, fill and delete streams. */
  kinesis: KinesisClient;
  /** Counts the Kinesis calls of the in-process worker's activities. */
  workerMeter: KinesisMeter;
  /** A separate client for the plain GetRecords loops, and its meter. */
  plainKinesis: KinesisClient;
  plainMeter: KinesisMeter;
  router: HandlerRouter;
  /** The dev server's own request counters: heartbeats that reached it, from every worker. */
  server: ServerMetrics;
  /** maxActivityLifetime of every stream startKspConsumer starts here; null: ksp's default. */
  maxActivityLifetimeMs: number | null;
  close(): Promise<void>;
}

export interface OpenBenchStackOptions {
  workflowBundlePath: string;
  /** Activity slots of the in-process worker (activitySlotsFor the most shards it consumes at once). @default the worker's */
  activitySlots?: number;
  /** See {@link BenchStack.maxActivityLifetimeMs}. @default null */
  maxActivityLifetimeMs?: number | null;
  logDir: string;
}

export async function openBenchStack(
  backend: KinesisKind,
  options: OpenBenchStackOptions,
): Promise<BenchStack> {
  const local = await startLocalStack({
    temporal: { uiPort: null, metrics: true },
    kinesis: backend,
    logDir: path.join(options.logDir, backend),
  });
  const cleanups: Array<() => Promise<void> | void> = [() => local.stop()];
  /** Runs every cleanup, last registered first, even when one fails; then throws the first failure. */
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  try {
    const aws = { region: local.region, credentials: local.credentials };
    const kinesis = createKinesisClient({ ...aws, endpoint: local.kinesisEndpoint });
    const workerMeter = new KinesisMeter();
    const workerKinesis = workerMeter.attach(
      createKinesisClient({ ...aws, endpoint: local.kinesisEndpoint }),
    );
    const plainMeter = new KinesisMeter();
    const plainKinesis = plainMeter.attach(createKinesisClient({ ...aws, endpoint: local.kinesisEndpoint }));
    const sqs: SQSClient = createSqsClient({ ...aws, endpoint: local.sqsEndpoint });
    cleanups.push(() => [kinesis, workerKinesis, plainKinesis, sqs].forEach((c) => c.destroy()));

    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-dlq' }));
    if (!queue.QueueUrl) throw new Error('fauxqs returned no queue URL for bench-dlq');

    const connection = await Connection.connect({ address: local.temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    const native = await NativeConnection.connect({ address: local.temporalAddress });
    cleanups.push(() => native.close());

    const router = new HandlerRouter();
    const taskQueue = `bench-${backend}-${process.pid}`;
    const worker = await createKspWorker({
      connection: native,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      kinesis: workerKinesis,
      sqs,
      handler: router.handler,
      handlerName: 'ksp bench (in-process)',
      workflowBundlePath: options.workflowBundlePath,
      shutdownGraceTimeMs: 1_000,
      ...(options.activitySlots === undefined ? {} : { maxConcurrentActivities: options.activitySlots }),
    });
    const running = worker.run();
    running.catch(() => undefined); // awaited (and reported) in close()
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await within(running, WORKER_STOP_MS, 'the in-process worker to stop');
    });
    return {
      backend,
      local,
      client,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      dlqQueueUrl: queue.QueueUrl,
      kinesis,
      workerMeter,
      plainKinesis,
      plainMeter,
      router,
      server: serverMetrics(local.temporalMetricsUrl ?? ''),
      maxActivityLifetimeMs: options.maxActivityLifetimeMs ?? null,
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
