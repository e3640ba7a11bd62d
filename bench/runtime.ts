/**
 * The Temporal runtime of an in-process bench worker: errors only in the log. Installing it twice
 * throws (a second bench run in the same process), and the one installed first stays.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { DefaultLogger, type NativeConnection, Runtime } from '@temporalio/worker';
import type { BatchHandler } from '../src/handler/contract';
import { connectClient, connectNative } from '../src/workers/temporal-connection';
import { createKspWorker } from '../src/workers/worker';

export function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already (a second run in this process)
  }
}

/**
 * Runs `body` with a ksp worker on `taskQueue` of the stack's dev server (one handler, the given
 * clients) and a client for starting workflows; closes both Temporal connections after it.
 */
export async function withBenchWorker<T>(
  options: {
    temporalAddress: string;
    taskQueue: string;
    kinesis: KinesisClient;
    sqs: SQSClient;
    handler: BatchHandler;
  },
  body: (client: Client) => Promise<T>,
): Promise<T> {
  const config = {
    address: options.temporalAddress,
    namespace: 'default',
    taskQueue: options.taskQueue,
    tls: false,
  };
  const temporal = await connectClient(config);
  let connection: NativeConnection | undefined;
  try {
    connection = await connectNative(config);
    const worker = await createKspWorker({
      connection,
      namespace: 'default',
      taskQueue: options.taskQueue,
      kinesis: options.kinesis,
      sqs: options.sqs,
      handler: options.handler,
      handlerName: 'bench',
      shutdownGraceTimeMs: 1_000,
    });
    return await worker.runUntil(() => body(temporal.client));
  } finally {
    await temporal.close();
    await connection?.close();
  }
}
