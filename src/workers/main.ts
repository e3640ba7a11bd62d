/**
 * Worker entrypoint: environment → options → clients → handler → Worker.run().
 * The only place (with the CLI) that reads process.env.
 *
 *   KSP_HANDLER=./my-handler.js [KSP_HANDLER_EXPORT=handler] [KSP_HANDLER_TYPE=native|lambda]
 *   TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE (temporal.toml), TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 *   TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, KSP_TASK_QUEUE
 *   AWS_REGION or AWS_PROFILE, AWS_MAX_ATTEMPTS, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_SQS
 *   KSP_LOG_LEVEL=TRACE|DEBUG|INFO|WARN|ERROR (default INFO)
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createKinesisClient, createSqsClient, resolvedRegion } from '../aws/clients';
import { type Env, type TemporalFlags, readAwsConfig, readInt, readTemporalConfig } from '../config/env';
import { ConfigError } from '../errors';
import { loadHandler } from '../handler/loader';
import { connectNative } from './temporal-connection';
import { createKspWorker } from './worker';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

export interface WorkerProcessConfig {
  logLevel: LogLevel;
  handlerModule: string;
  handlerExport: string | undefined;
  handlerType: 'native' | 'lambda';
  workflowBundlePath: string | undefined;
  maxConcurrentActivities: number;
}

export function readWorkerProcessConfig(env: Env): WorkerProcessConfig {
  const handlerModule = env.KSP_HANDLER?.trim();
  if (!handlerModule) {
    throw new ConfigError(
      'KSP_HANDLER',
      'is not set: point it at the module that exports your handler, e.g. KSP_HANDLER=./dist/handler.js (the built-in example is dist/examples/jsonl-sink.js)',
    );
  }
  const type = env.KSP_HANDLER_TYPE?.trim() || 'native';
  if (type !== 'native' && type !== 'lambda') {
    throw new ConfigError(
      'KSP_HANDLER_TYPE',
      `${JSON.stringify(type)} is not a handler type: use "native" (ksp BatchHandler) or "lambda" (an unmodified Lambda Kinesis handler)`,
    );
  }
  const logLevel = (env.KSP_LOG_LEVEL?.trim().toUpperCase() || 'INFO') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      'KSP_LOG_LEVEL',
      `${JSON.stringify(env.KSP_LOG_LEVEL)} is not a log level: use ${LOG_LEVELS.join(', ')}`,
    );
  }
  return {
    logLevel,
    handlerModule,
    handlerExport: env.KSP_HANDLER_EXPORT?.trim() || undefined,
    handlerType: type,
    workflowBundlePath: env.KSP_WORKFLOW_BUNDLE?.trim() || undefined,
    maxConcurrentActivities: readInt(env, 'KSP_MAX_CONCURRENT_ACTIVITIES', 200, 1, 10_000),
  };
}

export async function runWorker(env: Env, flags: TemporalFlags = {}): Promise<void> {
  const temporal = readTemporalConfig(env, flags);
  const aws = readAwsConfig(env);
  const config = readWorkerProcessConfig(env);
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const kinesis = createKinesisClient(aws.kinesis);
  const { handler, description } = await loadHandler({
    module: config.handlerModule,
    ...(config.handlerExport ? { exportName: config.handlerExport } : {}),
    type: config.handlerType,
    lambda: { region: await resolvedRegion(kinesis) },
  });
  const connection = await connectNative(temporal);
  try {
    const worker = await createKspWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      kinesis,
      sqs: createSqsClient(aws.sqs),
      handler,
      handlerName: description,
      ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
      maxConcurrentActivities: config.maxConcurrentActivities,
    });
    console.log(
      `ksp worker: task queue ${temporal.taskQueue} on ${temporal.address} (namespace ${temporal.namespace}), handler ${description}`,
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker(process.env).catch((err: unknown) => {
    console.error(
      err instanceof ConfigError || (err instanceof Error && err.name === 'HandlerLoadError')
        ? `ksp worker: ${err.message}`
        : err,
    );
    process.exit(1);
  });
}
