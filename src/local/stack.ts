/**
 * The embedded local stack: Temporal dev server + Web UI, a Kinesis emulator and an SQS emulator,
 * all on 127.0.0.1, started together and stopped together.
 */
import path from 'node:path';
import {
  type KinesisEmulator,
  type KinesisKind,
  LOCAL_AWS,
  startKinesalite,
  startKinesisLocal,
} from './kinesis-emulator';
import { assertPortFree, getFreePort, retryPortRace } from './ports';
import { startFauxqs } from './sqs-emulator';
import { type TemporalDevServer, startTemporalDevServer } from './temporal-dev-server';

export interface TemporalStackOptions {
  /** gRPC port. @default a free port */
  port?: number;
  /** Web UI port; null = headless. @default a free port */
  uiPort?: number | null;
  /** SQLite file for workflows across restarts; omitted → in-memory. */
  dbFile?: string;
  /** Dynamic config, values as JSON text (see TemporalDevServerOptions.dynamicConfig). */
  dynamicConfig?: Record<string, string>;
  /** Serve the server's Prometheus `/metrics` (the bench counts heartbeats there); true → a free port. */
  metrics?: boolean;
}

export interface LocalStackOptions {
  /** The Temporal dev server, or false for none (e.g. tests that use the time-skipping server). */
  temporal: TemporalStackOptions | false;
  kinesis: KinesisKind;
  /** @default a free port */
  kinesisPort?: number;
  /** @default a free port */
  sqsPort?: number;
  /** kinesis-local keeps streams and records here across restarts; kinesalite is always in-memory. */
  persistDir?: string;
  /** Server logs: `temporal.log`, `kinesis-local.log`. */
  logDir: string;
}

export interface LocalStack {
  /** `127.0.0.1:<port>`, or null when started with `temporal: false`. */
  temporalAddress: string | null;
  /** `http://127.0.0.1:<uiPort>`, or null when headless or without Temporal. */
  uiUrl: string | null;
  /** The dev server's Prometheus `/metrics` URL, or null unless started with `temporal.metrics`. */
  temporalMetricsUrl: string | null;
  kinesisEndpoint: string;
  kinesisKind: KinesisKind;
  sqsEndpoint: string;
  region: typeof LOCAL_AWS.region;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops SQS, Kinesis, then Temporal; all are stopped even if one fails (then throws an AggregateError). */
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

/** Stops every part (last started first); throws an AggregateError naming each failure. */
async function stopAll(parts: { name: string; part: Stoppable }[]): Promise<void> {
  const errors: Error[] = [];
  for (const { name, part } of [...parts].reverse()) {
    try {
      await part.stop();
    } catch (err) {
      errors.push(new Error(`stopping ${name}: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  if (errors.length > 0)
    throw new AggregateError(
      errors,
      `The local stack did not stop cleanly: ${errors.map((e) => e.message).join('; ')}`,
    );
}

/** A given port must be free (else a clear error); an omitted one is picked free. */
async function choosePort(port: number | undefined, what: string): Promise<number> {
  if (port === undefined) return getFreePort();
  await assertPortFree(port, what);
  return port;
}

/**
 * Starts the local stack (the three servers in parallel) and resolves once each answers.
 * If any part fails, the parts that started are stopped and the first error is thrown.
 */
export async function startLocalStack(
  options: LocalStackOptions & { temporal: TemporalStackOptions },
): Promise<LocalStack & { temporalAddress: string }>;
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack>;
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // The dev server picks its internal ports the same way as getFreePort; a start that lost one
  // failed after every part was stopped, and is tried with newly picked ports (ports the caller
  // gave are checked up front and fail without a retry).
  return retryPortRace(() => startLocalStackOnce(options));
}

async function startLocalStackOnce(options: LocalStackOptions): Promise<LocalStack> {
  const { temporal, logDir } = options;
  // Ports are checked up front, before anything starts, so a clash costs nothing to undo.
  const temporalPort = temporal
    ? await choosePort(temporal.port, 'the Temporal dev server (its gRPC port)')
    : 0;
  const uiPort =
    temporal && temporal.uiPort !== null ? await choosePort(temporal.uiPort, 'the Temporal Web UI') : null;
  const metricsPort = temporal && temporal.metrics ? await getFreePort() : undefined;
  const kinesisPort = await choosePort(options.kinesisPort, `the Kinesis emulator (${options.kinesis})`);
  const sqsPort = await choosePort(options.sqsPort, 'the SQS emulator (fauxqs)');

  const starts: Promise<{ name: string; part: Stoppable }>[] = [];
  let temporalServer: Promise<TemporalDevServer> | undefined;
  if (temporal) {
    temporalServer = startTemporalDevServer({
      port: temporalPort,
      uiPort,
      logFile: path.join(logDir, 'temporal.log'),
      ...(temporal.dbFile ? { dbFile: temporal.dbFile } : {}),
      ...(temporal.dynamicConfig ? { dynamicConfig: temporal.dynamicConfig } : {}),
      ...(metricsPort === undefined ? {} : { metricsPort }),
    });
    starts.push(temporalServer.then((part) => ({ name: 'the Temporal dev server', part })));
  }
  const kinesis: Promise<KinesisEmulator> =
    options.kinesis === 'kinesalite'
      ? startKinesalite({ port: kinesisPort })
      : startKinesisLocal({
          port: kinesisPort,
          logFile: path.join(logDir, 'kinesis-local.log'),
          ...(options.persistDir ? { persistDir: options.persistDir } : {}),
        });
  starts.push(kinesis.then((part) => ({ name: options.kinesis, part })));
  const sqs = startFauxqs({ port: sqsPort });
  starts.push(sqs.then((part) => ({ name: 'fauxqs', part })));

  const settled = await Promise.allSettled(starts);
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await stopAll(started).catch(() => undefined);
    throw failure.reason;
  }
  const temporalReady = temporalServer ? await temporalServer : undefined;
  return {
    temporalAddress: temporalReady?.address ?? null,
    uiUrl: temporalReady?.uiUrl ?? null,
    temporalMetricsUrl: temporalReady?.metricsUrl ?? null,
    kinesisEndpoint: (await kinesis).endpoint,
    kinesisKind: options.kinesis,
    sqsEndpoint: (await sqs).endpoint,
    region: LOCAL_AWS.region,
    credentials: { ...LOCAL_AWS.credentials },
    stop: () => stopAll(started),
  };
}
