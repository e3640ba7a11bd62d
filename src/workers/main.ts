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
import { createKinesisClient, createSqsClient, resolvedRegion } from '../aws/clients';
import { type Env, type TemporalFlags, readAwsConfig, readInt, readTemporalConfig } from '../config/env';
import { ConfigError } from '../errors';
import { loadHandler } from '../handler/loader';
import { temporalUnreachable } from '../client/temporal-client';
import { connectNative } from './temporal-connection';
import { installTelemetry, readTelemetryConfig } from './telemetry';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES, createKspWorker } from './worker';

/** What the worker reads besides connection settings and telemetry (telemetry.ts reads KSP_LOG_*). */
export interface WorkerProcessConfig {
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
  return {
    handlerModule,
    handlerExport: env.KSP_HANDLER_EXPORT?.trim() || undefined,
    handlerType: type,
    workflowBundlePath: env.KSP_WORKFLOW_BUNDLE?.trim() || undefined,
    maxConcurrentActivities: readInt(
      env,
      'KSP_MAX_CONCURRENT_ACTIVITIES',
      DEFAULT_MAX_CONCURRENT_ACTIVITIES,
      1,
      10_000,
    ),
  };
}

export async function runWorker(env: Env, flags: TemporalFlags = {}): Promise<void> {
  const temporal = readTemporalConfig(env, flags);
  const aws = readAwsConfig(env);
  const config = readWorkerProcessConfig(env);
  const telemetryConfig = readTelemetryConfig(env, process.stdout.isTTY === true);
  const telemetry = installTelemetry(telemetryConfig);
  const kinesis = createKinesisClient(aws.kinesis);
  const { handler, description } = await loadHandler({
    module: config.handlerModule,
    ...(config.handlerExport ? { exportName: config.handlerExport } : {}),
    type: config.handlerType,
    lambda: { region: await resolvedRegion(kinesis) },
  });
  const connection = await connectNative(temporal).catch((err: unknown) => {
    throw temporalUnreachable(temporal, err);
  });
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
      metricMeter: telemetry.metricMeter,
    });
    // Through the Runtime's logger, so JSON logs stay JSON line by line; tools wait for this line.
    telemetry.logger.info(
      `ksp worker: task queue ${temporal.taskQueue} on ${temporal.address} (namespace ${temporal.namespace}), handler ${description}`,
      { taskQueue: temporal.taskQueue, namespace: temporal.namespace },
    );
    if (telemetryConfig.prometheusAddress) {
      telemetry.logger.info(`ksp worker: metrics on http://${telemetryConfig.prometheusAddress}/metrics`);
    }
    await worker.run();
  } finally {
    telemetry.stop();
    await connection.close();
  }
}

if (require.main === module) {
  runWorker(process.env).catch((err: unknown) => {
    console.error(
      err instanceof ConfigError ||
        (err instanceof Error && /^(HandlerLoadError|TemporalUnreachable)$/.test(err.name))
        ? `ksp worker: ${err.message}`
        : err,
    );
    process.exit(1);
  });
}
