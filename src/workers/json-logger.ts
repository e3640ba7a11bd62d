/**
 * JSON-lines logs (pino) behind the Temporal Runtime's logger: the SDK's own lines, workflow and
 * activity loggers (which carry workflowId, runId, activity type…) and ksp's. Each line also names
 * the `stream` and `shard` its workflow ID stands for (`ksp:<stream>[:<shardId>]`). Values under
 * keys that name secrets (API keys, credentials, tokens, authorization) are redacted.
 */
import type { LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';
import { WORKFLOW_ID_PREFIX } from '../constants';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'password',
  'secretAccessKey',
  'sessionToken',
  'token',
  'credentials',
];

/** `ksp:<stream>` → { stream }, `ksp:<stream>:<shardId>` → { stream, shard }. */
export function streamAndShard(workflowId: unknown): { stream?: string; shard?: string } {
  if (typeof workflowId !== 'string' || !workflowId.startsWith(`${WORKFLOW_ID_PREFIX}:`)) return {};
  const rest = workflowId.slice(WORKFLOW_ID_PREFIX.length + 1);
  const shardAt = rest.lastIndexOf(':shardId-');
  return shardAt < 0 ? { stream: rest } : { stream: rest.slice(0, shardAt), shard: rest.slice(shardAt + 1) };
}

export function createJsonLogger(
  level: LogLevel,
  destination: pino.DestinationStream = pino.destination(1),
): Logger {
  const base = pino(
    {
      level: level.toLowerCase(),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)],
        censor: '[redacted]',
      },
    },
    destination,
  );
  const write = (lvl: LogLevel, message: string, meta?: LogMetadata): void => {
    const fields: Record<string, unknown> = { ...(meta ?? {}) };
    const ids = streamAndShard(fields.workflowId);
    if (ids.stream && fields.stream === undefined) fields.stream = ids.stream;
    if (ids.shard && fields.shard === undefined) fields.shard = ids.shard;
    const error = fields.error;
    if (error instanceof Error) fields.error = { type: error.name, message: error.message };
    base[lvl === 'TRACE' ? 'trace' : (lvl.toLowerCase() as 'debug' | 'info' | 'warn' | 'error')](
      fields,
      message,
    );
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
