/**
 * Kinesis emulators on 127.0.0.1: kinesis-local (faithful, child process) and kinesalite (fast,
 * in-process). See DESIGN.md "The local stack" for when to use which.
 */
import type http from 'node:http';
import path from 'node:path';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../aws/clients';
import { projectRoot } from './paths';
import { LOOPBACK, getFreePort } from './ports';
import { spawnService, startFailure } from './service-process';

export type KinesisKind = 'kinesis-local' | 'kinesalite';

export interface KinesisEmulator {
  /** `http://127.0.0.1:<port>` (plain HTTP/1.1). */
  endpoint: string;
  kind: KinesisKind;
  /** The emulator's process id when it runs as a child process (kinesis-local); undefined in-process. */
  pid?: number | undefined;
  /** Stops the emulator; resolves once its port is released. */
  stop(): Promise<void>;
}

/** Region and credentials the emulators are used with (any values work; these are the convention). */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

const READY_TIMEOUT_MS = 20_000;

/** Polls ListStreams until it succeeds; throws the last error after READY_TIMEOUT_MS or when `gaveUp()` says so. */
async function waitForListStreams(endpoint: string, gaveUp: () => string | undefined): Promise<void> {
  const client = createKinesisClient({
    ...LOCAL_AWS,
    credentials: { ...LOCAL_AWS.credentials },
    endpoint,
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListStreamsCommand({}));
        return;
      } catch (err) {
        const reason = gaveUp();
        if (reason !== undefined) throw new Error(reason);
        if (Date.now() >= deadline) {
          throw new Error(
            `ListStreams on ${endpoint} still failing after ${READY_TIMEOUT_MS} ms: ${String(err)}`,
          );
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.destroy();
  }
}

export interface KinesisLocalOptions {
  /** Plain-HTTP port on 127.0.0.1 (its TLS listener gets another free port). */
  port: number;
  /**
   * Keep streams and records here across restarts (`kinesis-data.json`, written every second and
   * on stop, reloaded on start). Omitted → in-memory.
   */
  persistDir?: string;
  /** Append the emulator's output here; omitted → kept in memory for error messages. */
  logFile?: string;
}

/**
 * Starts kinesis-local (kinesis-mock compiled to JS) as a child process bound to 127.0.0.1 by
 * scripts/bind-localhost.cjs, with instant state transitions and a raised shard limit.
 */
export async function startKinesisLocal(options: KinesisLocalOptions): Promise<KinesisEmulator> {
  const { port, persistDir, logFile } = options;
  const main = require.resolve('kinesis-local');
  let tlsPort = await getFreePort();
  while (tlsPort === port) tlsPort = await getFreePort();
  const instant = Object.fromEntries(
    [
      'CREATE_STREAM',
      'DELETE_STREAM',
      'REGISTER_STREAM_CONSUMER',
      'DEREGISTER_STREAM_CONSUMER',
      'START_STREAM_ENCRYPTION',
      'STOP_STREAM_ENCRYPTION',
      'MERGE_SHARDS',
      'SPLIT_SHARD',
      'UPDATE_STREAM_MODE',
    ].map((op) => [`${op}_DURATION`, '0ms']),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...instant,
    // Long enough for a test to observe the stream in UPDATING, short enough to be instant.
    UPDATE_SHARD_COUNT_DURATION: '50ms',
    KINESIS_MOCK_CERT_PATH: path.join(path.dirname(main), 'server.json'),
    KINESIS_MOCK_PLAIN_PORT: String(port),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    SHARD_LIMIT: '1000',
    LOG_LEVEL: 'WARN',
    ...(persistDir
      ? {
          SHOULD_PERSIST_DATA: 'true',
          LOAD_DATA_IF_EXISTS: 'true',
          PERSIST_PATH: path.resolve(persistDir),
          PERSIST_INTERVAL: '1s',
        }
      : { SHOULD_PERSIST_DATA: 'false' }),
  };
  const preload = path.join(projectRoot(), 'scripts', 'bind-localhost.cjs');
  const service = spawnService({
    name: 'kinesis-local',
    command: process.execPath,
    args: ['-r', preload, main],
    env,
    ...(logFile ? { logFile } : {}),
  });
  const endpoint = `http://${LOOPBACK}:${port}`;
  try {
    await waitForListStreams(endpoint, () =>
      service.exitReason() === undefined ? undefined : 'the process ended',
    );
  } catch (err) {
    await service.stop(2_000);
    throw startFailure(service, err instanceof Error ? err.message : String(err), logFile);
  }
  // The preload makes it exit ~0.3 s after SIGTERM (final persist included), 5 s at worst.
  return { endpoint, kind: 'kinesis-local', pid: service.child.pid, stop: () => service.stop(8_000) };
}

/** The subset of kinesalite's options used here (the package ships no types). */
interface KinesaliteOptions {
  createStreamMs: number;
  updateStreamMs: number;
  deleteStreamMs: number;
  shardLimit: number;
}

/**
 * Starts kinesalite in this process on 127.0.0.1 (in-memory, instant state transitions, shard
 * limit 1000). 30× faster than kinesis-local but without ChildShards, UpdateShardCount or lag.
 */
export async function startKinesalite(options: { port: number }): Promise<KinesisEmulator> {
  const kinesalite = require('kinesalite') as (options: KinesaliteOptions) => http.Server;
  const server = kinesalite({ createStreamMs: 0, updateStreamMs: 0, deleteStreamMs: 0, shardLimit: 1000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`kinesalite could not listen on ${LOOPBACK}:${options.port}: ${err.message}`)),
    );
    server.listen(options.port, LOOPBACK, resolve);
  });
  const endpoint = `http://${LOOPBACK}:${options.port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1_000).unref();
    }));
  try {
    await waitForListStreams(endpoint, () => undefined);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, kind: 'kinesalite', stop };
}
