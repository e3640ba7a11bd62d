/**
 * The worker's telemetry, from the environment, through the Temporal SDK's own Runtime:
 *   KSP_METRICS_ADDRESS=0.0.0.0:9464   Prometheus endpoint (/metrics): the SDK's worker metrics and ksp's
 *   KSP_METRICS_OTLP=http://collector:4317   or push them to an OpenTelemetry collector (OTLP/gRPC;
 *                                      OTEL_EXPORTER_OTLP_ENDPOINT, if set, wins, as in the SDK)
 *   KSP_METRICS_EMF=true               also write ksp's metrics to stdout in CloudWatch Embedded
 *                                      Metric Format, once a minute (KSP_METRICS_EMF_NAMESPACE, default ksp)
 *   KSP_LOG_FORMAT=json|text           JSON lines (pino) or text; default text on a terminal, JSON otherwise
 *   KSP_LOG_LEVEL=TRACE|DEBUG|INFO|WARN|ERROR
 * Metrics are off unless one of the KSP_METRICS_* variables is set.
 */
import { type MetricMeter, noopMetricMeter } from '@temporalio/common';
import {
  DefaultLogger,
  type Logger,
  Runtime,
  type RuntimeOptions,
  makeTelemetryFilterString,
} from '@temporalio/worker';
import { type Env } from '../config/env';
import { ConfigError } from '../errors';
import { METRICS } from '../metrics/catalog';
import { EmfSink } from '../metrics/emf';
import { fanOutMeter } from '../metrics/recorder';
import { type LogLevel, createJsonLogger } from './json-logger';
import { quietRebalanceWorker } from './quiet-rebalance-log';

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export interface TelemetryConfig {
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
  prometheusAddress: string | null;
  otlpUrl: string | null;
  emf: { namespace: string } | null;
}

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function readTelemetryConfig(env: Env, isTty: boolean): TelemetryConfig {
  const logLevel = (env.KSP_LOG_LEVEL?.trim().toUpperCase() || 'INFO') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      'KSP_LOG_LEVEL',
      `${JSON.stringify(env.KSP_LOG_LEVEL)} is not a log level: use ${LOG_LEVELS.join(', ')}`,
    );
  }
  const format = env.KSP_LOG_FORMAT?.trim().toLowerCase() || (isTty ? 'text' : 'json');
  if (format !== 'json' && format !== 'text') {
    throw new ConfigError(
      'KSP_LOG_FORMAT',
      `${JSON.stringify(env.KSP_LOG_FORMAT)} is not a log format: use json or text`,
    );
  }
  const address = env.KSP_METRICS_ADDRESS?.trim() || null;
  const port = address ? HOST_PORT.exec(address)?.[2] : undefined;
  if (address && (!port || Number(port) > 65_535)) {
    throw new ConfigError(
      'KSP_METRICS_ADDRESS',
      `${JSON.stringify(address)} is not host:port: use e.g. 0.0.0.0:9464 (all interfaces) or 127.0.0.1:9464`,
    );
  }
  const otlp = env.KSP_METRICS_OTLP?.trim() || null;
  if (otlp && !/^(grpcs?|https?):\/\/./.test(otlp)) {
    throw new ConfigError(
      'KSP_METRICS_OTLP',
      `${JSON.stringify(otlp)} is not a collector URL: use e.g. http://otel-collector:4317 (OTLP/gRPC)`,
    );
  }
  if (address && otlp) {
    throw new ConfigError(
      'KSP_METRICS_OTLP',
      'and KSP_METRICS_ADDRESS are both set: choose Prometheus or OTLP',
    );
  }
  const emf = env.KSP_METRICS_EMF?.trim().toLowerCase();
  if (emf && emf !== 'true' && emf !== 'false') {
    throw new ConfigError('KSP_METRICS_EMF', `${JSON.stringify(env.KSP_METRICS_EMF)}: use true or false`);
  }
  return {
    logLevel,
    logFormat: format,
    prometheusAddress: address,
    otlpUrl: otlp,
    emf: emf === 'true' ? { namespace: env.KSP_METRICS_EMF_NAMESPACE?.trim() || 'ksp' } : null,
  };
}

/** ksp's histograms are in seconds; the SDK's default buckets are milliseconds. */
const SECONDS_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const SECONDS_BUCKETS: Record<string, number[]> = Object.fromEntries(
  Object.values(METRICS)
    .filter((m) => m.kind === 'histogram')
    .map((m) => [m.name, SECONDS_BOUNDS]),
);

export interface Telemetry {
  logger: Logger;
  /** Where ksp records its own metrics (noop when metrics are off). */
  metricMeter: MetricMeter;
  /** Flushes the EMF sink; call on shutdown. */
  stop(): void;
}

/** Installs the Temporal Runtime with these logs and metrics; call once, before any connection. */
export function installTelemetry(config: TelemetryConfig): Telemetry {
  const logger: Logger =
    config.logFormat === 'json' ? createJsonLogger(config.logLevel) : new DefaultLogger(config.logLevel);
  const metrics: RuntimeOptions['telemetryOptions'] = {
    logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
    ...(config.prometheusAddress
      ? {
          metrics: {
            prometheus: {
              bindAddress: config.prometheusAddress,
              countersTotalSuffix: true,
              unitSuffix: true,
              histogramBucketOverrides: SECONDS_BUCKETS,
            },
          },
        }
      : config.otlpUrl
        ? { metrics: { otel: { url: config.otlpUrl, histogramBucketOverrides: SECONDS_BUCKETS } } }
        : {}),
  };
  const runtime = Runtime.install({ logger: quietRebalanceWorker(logger), telemetryOptions: metrics });
  if (config.logFormat === 'json') {
    // Node prints process warnings (e.g. the AWS SDK's Node-version notice) as plain text on
    // stderr: route them through the logger so every line of a JSON log is JSON.
    process.removeAllListeners('warning');
    process.on('warning', (warning) => {
      logger.warn(warning.message, { warning: warning.name });
    });
  }
  const exported = config.prometheusAddress || config.otlpUrl ? runtime.metricMeter : null;
  const emf = config.emf
    ? new EmfSink({
        namespace: config.emf.namespace,
        intervalMs: 60_000,
        write: (line) => process.stdout.write(`${line}\n`),
      })
    : null;
  const meters = [exported, emf?.meter()].filter((m): m is MetricMeter => m !== null && m !== undefined);
  return {
    logger,
    metricMeter:
      meters.length === 0
        ? noopMetricMeter
        : meters.length === 1
          ? (meters[0] as MetricMeter)
          : fanOutMeter(meters),
    stop: () => emf?.stop(),
  };
}
