/**
 * Worker entrypoint: environment → options → clients → handler → Worker.run().
 * The only place (with the CLI) that reads process.env.
 *
 *   KSP_HANDLER=./my-handler.js [KSP_HANDLER_EXPORT=handler] [KSP_HANDLER_TYPE=native|lambda]
 *   KSP_HANDLERS='{"<stream name or ARN>": "<module>" | {"module", "export", "type"}}' or a JSON file
 *   AWS_ENDPOINT_URL_STS (for streams with a roleArn)
 *   TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE (temporal.toml), TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 *   TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, KSP_TASK_QUEUE
 *   AWS_REGION or AWS_PROFILE, AWS_MAX_ATTEMPTS, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_SQS
 *   KSP_LOG_LEVEL=TRACE|DEBUG|INFO|WARN|ERROR (default INFO)
 */
import { createKinesisClient, createSqsClient, resolvedRegion } from '../aws/clients';
import {
  type Env,
  type TemporalFlags,
  readAwsConfig,
  readBool,
  readInt,
  readTemporalConfig,
} from '../config/env';
import { ConfigError } from '../errors';
import { type LoadedHandler, loadHandler } from '../handler/loader';
import { type HandlerRoute, HandlerRouter, parseHandlerMap } from '../handler/routing';
import { KinesisClientPool } from '../aws/client-pool';
import { temporalUnreachable } from '../client/temporal-client';
import { checkSearchAttributes } from './search-attribute-check';
import { connectNative } from './temporal-connection';
import { installTelemetry, readTelemetryConfig } from './telemetry';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES, createKspWorker } from './worker';
import { kinesisSocketsFor } from './activity-slots';
import { readMaxCachedWorkflows } from './workflow-cache';
import { DEFAULT_RENEW_AFTER_MS } from '../activities/shard/efo-reader';

/** What the worker reads besides connection settings and telemetry (telemetry.ts reads KSP_LOG_*). */
export interface WorkerProcessConfig {
  /** KSP_HANDLER: every stream's handler, or the default of KSP_HANDLERS; undefined with a map only. */
  handlerModule: string | undefined;
  /** KSP_HANDLERS: the handler of each stream it names. */
  handlerRoutes: Map<string, HandlerRoute>;
  handlerExport: string | undefined;
  handlerType: 'native' | 'lambda';
  workflowBundlePath: string | undefined;
  maxConcurrentActivities: number;
  /** KSP_SHARE_GATED_SLOTS: activity slots gated by the fair share of consuming loops. */
  shareGatedSlots: boolean;
  /** KSP_MAX_CACHED_WORKFLOWS: workflow runs cached between workflow tasks (workflow-cache.ts); undefined: the SDK's. */
  maxCachedWorkflows: number | undefined;
  /** KSP_EFO_RENEW_AFTER_MS: renew each enhanced fan-out subscription after this long (tests shorten it). */
  efoRenewAfterMs: number;
}

export function readWorkerProcessConfig(env: Env): WorkerProcessConfig {
  const handlerModule = env.KSP_HANDLER?.trim() || undefined;
  const type = env.KSP_HANDLER_TYPE?.trim() || 'native';
  if (type !== 'native' && type !== 'lambda') {
    throw new ConfigError(
      'KSP_HANDLER_TYPE',
      `${JSON.stringify(type)} is not a handler type: use "native" (ksp BatchHandler) or "lambda" (an unmodified Lambda Kinesis handler)`,
    );
  }
  const map = env.KSP_HANDLERS?.trim();
  const handlerRoutes = map ? parseHandlerMap(map, type) : new Map<string, HandlerRoute>();
  if (!handlerModule && handlerRoutes.size === 0) {
    throw new ConfigError(
      'KSP_HANDLER',
      'is not set: point it at the module that exports your handler, e.g. KSP_HANDLER=./dist/handler.js (the built-in example is dist/examples/jsonl-sink.js), or map streams to handlers with KSP_HANDLERS',
    );
  }
  return {
    handlerModule,
    handlerRoutes,
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
    shareGatedSlots: readBool(env, 'KSP_SHARE_GATED_SLOTS', false),
    maxCachedWorkflows: readMaxCachedWorkflows(env),
    efoRenewAfterMs: readInt(env, 'KSP_EFO_RENEW_AFTER_MS', DEFAULT_RENEW_AFTER_MS, 1_000, 300_000),
  };
}

/** Loads KSP_HANDLER and every module of KSP_HANDLERS (each module once). */
async function loadHandlers(config: WorkerProcessConfig, region: string): Promise<HandlerRouter> {
  const load = (route: HandlerRoute) =>
    loadHandler({
      module: route.module,
      ...(route.exportName ? { exportName: route.exportName } : {}),
      type: route.type,
      lambda: { region },
    });
  const fallback = config.handlerModule
    ? await load({
        module: config.handlerModule,
        type: config.handlerType,
        ...(config.handlerExport ? { exportName: config.handlerExport } : {}),
      })
    : null;
  const byStream = new Map<string, LoadedHandler>();
  const loaded = new Map<string, LoadedHandler>();
  for (const [stream, route] of config.handlerRoutes) {
    const key = JSON.stringify(route);
    let handler = loaded.get(key);
    if (!handler) {
      handler = await load(route);
      loaded.set(key, handler);
    }
    byStream.set(stream, handler);
  }
  return new HandlerRouter(byStream, fallback);
}

export async function runWorker(env: Env, flags: TemporalFlags = {}): Promise<void> {
  const temporal = readTemporalConfig(env, flags);
  const aws = readAwsConfig(env);
  const config = readWorkerProcessConfig(env);
  const telemetryConfig = readTelemetryConfig(env, process.stdout.isTTY === true);
  const telemetry = installTelemetry(telemetryConfig);
  const kinesisOptions = { ...aws.kinesis, maxSockets: kinesisSocketsFor(config.maxConcurrentActivities) };
  const kinesis = createKinesisClient(kinesisOptions);
  const kinesisPool = new KinesisClientPool({
    base: kinesisOptions,
    defaultClient: kinesis,
    ...(aws.stsEndpoint ? { stsEndpoint: aws.stsEndpoint } : {}),
  });
  const region = await resolvedRegion(kinesis);
  const handlers = await loadHandlers(config, region);
  const connection = await connectNative(temporal).catch((err: unknown) => {
    throw temporalUnreachable(temporal, err);
  });
  try {
    // Refuses to start when a search attribute ksp sets is not registered (search-attribute-check.ts).
    const warn = (message: string): void => {
      telemetry.logger.warn(message);
    };
    await checkSearchAttributes(connection.operatorService, temporal.namespace, warn);
    const worker = await createKspWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      kinesis,
      kinesisPool,
      sqs: createSqsClient(aws.sqs),
      handlers,
      ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
      maxConcurrentActivities: config.maxConcurrentActivities,
      shareGatedSlots: config.shareGatedSlots,
      ...(config.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: config.maxCachedWorkflows }),
      efo: {
        renewAfterMs: config.efoRenewAfterMs,
        onEvent: (event, start, key) => {
          telemetry.logger.info(`ksp worker: enhanced fan-out ${event} ${key} at ${JSON.stringify(start)}`);
        },
      },
      metricMeter: telemetry.metricMeter,
    });
    // Through the Runtime's logger, so JSON logs stay JSON line by line; tools wait for this line.
    telemetry.logger.info(
      `ksp worker: task queue ${temporal.taskQueue} on ${temporal.address} (namespace ${temporal.namespace}), ${handlers.describe()}`,
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
        (err instanceof Error &&
          /^(HandlerLoadError|TemporalUnreachable|SearchAttributesMissing)$/.test(err.name))
        ? `ksp worker: ${err.message}`
        : err,
    );
    process.exit(1);
  });
}
