/**
 * Options of a DLQ replay: the documented interface, defaults in one place, and one compile step
 * that rejects every bad value with a message naming the field and the fix (like src/options.ts).
 * Pure module: the compiled options are plain JSON and travel as workflow input.
 */
import { type Duration, formatDuration } from './duration';
import { ConfigError } from '../errors';
import { backoffMs } from './backoff';
import { checkDuration, checkInteger } from './stream-options';

/** Re-run the worker's handler on the records, or put them back into a stream. */
export type ReplayMode = 'handler' | 'reput';

/** Which messages (and records) a replay selects; every list empty means "all". */
export interface DlqReplayFilters {
  /** `error.type` of the envelope, e.g. `TypeError` or `BatchItemFailures`. */
  errorTypes?: string[];
  streamNames?: string[];
  shardIds?: string[];
  /** Only messages dead-lettered at or after this time (the envelope's `timestamp`), ISO-8601. */
  since?: string;
  /** Only messages dead-lettered before this time, ISO-8601. */
  until?: string;
  /** Only these records of a message; the others are put back into the queue unchanged. */
  partitionKeys?: string[];
}

export interface DlqReplayOptions {
  /** The DLQ to replay. Required. */
  queueUrl: string;
  /** @default 'handler' */
  mode?: ReplayMode;
  /** reput: the stream to put records into. @default each message's own stream */
  targetStream?: string | null;
  filters?: DlqReplayFilters;
  /** Records replayed per second at most; null for no limit. @default null */
  ratePerSecond?: number | null;
  /** Stop after receiving this many messages; null for no limit. @default null */
  maxMessages?: number | null;
  /** Receive, parse, filter and count, but replay, delete and park nothing. @default false */
  dryRun?: boolean;
  /** Replay tries per message before it is parked (counted in the `ksp.replayTries` attribute). @default 3 */
  maxTries?: number;
  /** Where messages that exhausted their tries go; null leaves them in the queue. @default null */
  parkingQueueUrl?: string | null;
  /** Also park messages that are not replayable envelopes (foreign, garbage, unknown version). @default false */
  parkUnreadable?: boolean;
  /** The run completes once the queue has stayed empty this long. @default '20s' */
  emptyGracePeriod?: Duration;
  /** A message whose replay failed becomes visible again after this, doubled per try, at most 15m. @default '30s' */
  retryDelay?: Duration;
  /** How long a received message stays invisible while it is replayed. @default '5m' */
  visibilityTimeout?: Duration;
  /** Messages the run leaves in the queue stay hidden this long (made visible again when the run ends). @default '1h' */
  holdFor?: Duration;
  /** Long-poll wait of one ReceiveMessage call, at most 20s. @default '5s' */
  receiveWait?: Duration;
  /** How long one replay activity works before reporting its counts to the workflow. @default '5s' */
  reportInterval?: Duration;
  /** Continue as new after this many history events (the server's suggestion also applies). @default 10000 */
  maxHistoryEvents?: number;
}

export interface CompiledDlqReplayFilters {
  errorTypes: string[];
  streamNames: string[];
  shardIds: string[];
  since: string | null;
  until: string | null;
  partitionKeys: string[];
}

/** Options after validation: every field present, durations in milliseconds, JSON only. */
export interface CompiledDlqReplayOptions {
  queueUrl: string;
  mode: ReplayMode;
  targetStream: string | null;
  filters: CompiledDlqReplayFilters;
  ratePerSecond: number | null;
  maxMessages: number | null;
  dryRun: boolean;
  maxTries: number;
  parkingQueueUrl: string | null;
  parkUnreadable: boolean;
  emptyGracePeriodMs: number;
  retryDelayMs: number;
  visibilityTimeoutMs: number;
  holdForMs: number;
  receiveWaitMs: number;
  reportIntervalMs: number;
  maxHistoryEvents: number;
}

export const REPLAY_DEFAULTS = {
  mode: 'handler' as ReplayMode,
  maxTries: 3,
  emptyGracePeriod: '20s',
  retryDelay: '30s',
  visibilityTimeout: '5m',
  holdFor: '1h',
  receiveWait: '5s',
  reportInterval: '5s',
  maxHistoryEvents: 10_000,
} as const;

/** SQS limits: visibility timeouts up to 12 hours, long polls up to 20 seconds. */
export const SQS_LIMITS = { maxVisibilityMs: 12 * 3_600_000, maxReceiveWaitMs: 20_000 } as const;
/** The longest a failed message waits before its next try. */
export const MAX_RETRY_DELAY_MS = 15 * 60_000;

const QUEUE_URL = /^https?:\/\/\S+$/;
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

function queueUrl(field: string, value: unknown): string {
  if (typeof value !== 'string' || !QUEUE_URL.test(value)) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is not an SQS queue URL: use e.g. https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq`,
    );
  }
  return value;
}

function stringList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new ConfigError(field, `${JSON.stringify(value)} is not a list of strings`);
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string' || item === '') {
      throw new ConfigError(`${field}[${i}]`, `${JSON.stringify(item)} is not a non-empty string`);
    }
  }
  return [...new Set(value as string[])];
}

function time(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const t = typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (t === null || Number.isNaN(t.getTime())) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is not a time: use ISO-8601, e.g. "2026-11-26T08:00:00Z"`,
    );
  }
  return t.toISOString();
}

function boolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new ConfigError(field, `${JSON.stringify(value)} is invalid: use true or false`);
  return value;
}

function compileFilters(value: unknown): CompiledDlqReplayFilters {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError('filters', 'must be an object such as {"shardIds": ["shardId-000000000001"]}');
  }
  const f = (value ?? {}) as DlqReplayFilters;
  const since = time('filters.since', f.since);
  const until = time('filters.until', f.until);
  if (since !== null && until !== null && since >= until) {
    throw new ConfigError(
      'filters.until',
      `${until} is not after filters.since (${since}): swap or widen them`,
    );
  }
  const streamNames = stringList('filters.streamNames', f.streamNames);
  const bad = streamNames.find((s) => !STREAM_NAME.test(s));
  if (bad !== undefined) {
    throw new ConfigError('filters.streamNames', `${JSON.stringify(bad)} is not a Kinesis stream name`);
  }
  return {
    errorTypes: stringList('filters.errorTypes', f.errorTypes),
    streamNames,
    shardIds: stringList('filters.shardIds', f.shardIds),
    since,
    until,
    partitionKeys: stringList('filters.partitionKeys', f.partitionKeys),
  };
}

/** Validates replay options and fills defaults. Throws ConfigError naming the first bad field. */
export function compileDlqReplayOptions(options: DlqReplayOptions): CompiledDlqReplayOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'must be an object with at least "queueUrl"');
  }
  const url = queueUrl('queueUrl', options.queueUrl);
  const mode = options.mode ?? REPLAY_DEFAULTS.mode;
  if (mode !== 'handler' && mode !== 'reput') {
    throw new ConfigError(
      'mode',
      `${JSON.stringify(mode)} is not a replay mode: use "handler" (re-run the worker's handler) or "reput" (put the records back into a stream)`,
    );
  }
  const targetStream = options.targetStream ?? null;
  if (targetStream !== null) {
    if (mode !== 'reput') {
      throw new ConfigError('targetStream', 'is only used with mode "reput": remove it, or set mode "reput"');
    }
    if (typeof targetStream !== 'string' || !STREAM_NAME.test(targetStream)) {
      throw new ConfigError('targetStream', `${JSON.stringify(targetStream)} is not a Kinesis stream name`);
    }
  }
  const ratePerSecond =
    options.ratePerSecond === undefined || options.ratePerSecond === null
      ? null
      : checkInteger('ratePerSecond', options.ratePerSecond, 1, 1_000_000, ' records per second');
  const maxMessages =
    options.maxMessages === undefined || options.maxMessages === null
      ? null
      : checkInteger('maxMessages', options.maxMessages, 1, 1_000_000_000);
  const parkingQueueUrl =
    options.parkingQueueUrl === undefined || options.parkingQueueUrl === null
      ? null
      : queueUrl('parkingQueueUrl', options.parkingQueueUrl);
  if (parkingQueueUrl === url) {
    throw new ConfigError('parkingQueueUrl', 'is the queue being replayed: use another queue');
  }
  const parkUnreadable = boolean('parkUnreadable', options.parkUnreadable, false);
  if (parkUnreadable && parkingQueueUrl === null) {
    throw new ConfigError(
      'parkUnreadable',
      'needs parkingQueueUrl: set one, or leave unreadable messages in the queue',
    );
  }
  const visibilityTimeoutMs = checkDuration(
    'visibilityTimeout',
    options.visibilityTimeout ?? REPLAY_DEFAULTS.visibilityTimeout,
    1_000,
    SQS_LIMITS.maxVisibilityMs,
  );
  const reportIntervalMs = checkDuration(
    'reportInterval',
    options.reportInterval ?? REPLAY_DEFAULTS.reportInterval,
    100,
    10 * 60_000,
  );
  if (reportIntervalMs >= visibilityTimeoutMs) {
    throw new ConfigError(
      'reportInterval',
      `${formatDuration(reportIntervalMs)} must be shorter than visibilityTimeout (${formatDuration(visibilityTimeoutMs)}), or received messages reappear while still being replayed`,
    );
  }
  return {
    queueUrl: url,
    mode,
    targetStream,
    filters: compileFilters(options.filters),
    ratePerSecond,
    maxMessages,
    dryRun: boolean('dryRun', options.dryRun, false),
    maxTries: checkInteger('maxTries', options.maxTries ?? REPLAY_DEFAULTS.maxTries, 1, 1_000),
    parkingQueueUrl,
    parkUnreadable,
    emptyGracePeriodMs: checkDuration(
      'emptyGracePeriod',
      options.emptyGracePeriod ?? REPLAY_DEFAULTS.emptyGracePeriod,
      0,
      24 * 3_600_000,
    ),
    retryDelayMs: checkDuration(
      'retryDelay',
      options.retryDelay ?? REPLAY_DEFAULTS.retryDelay,
      0,
      MAX_RETRY_DELAY_MS,
    ),
    visibilityTimeoutMs,
    holdForMs: checkDuration(
      'holdFor',
      options.holdFor ?? REPLAY_DEFAULTS.holdFor,
      1_000,
      SQS_LIMITS.maxVisibilityMs,
    ),
    receiveWaitMs: checkDuration(
      'receiveWait',
      options.receiveWait ?? REPLAY_DEFAULTS.receiveWait,
      0,
      SQS_LIMITS.maxReceiveWaitMs,
    ),
    reportIntervalMs,
    maxHistoryEvents: checkInteger(
      'maxHistoryEvents',
      options.maxHistoryEvents ?? REPLAY_DEFAULTS.maxHistoryEvents,
      20,
      50_000,
    ),
  };
}

/** Visibility delay before try `tries + 1` of a failed message: retryDelay doubled per try, capped. */
export function replayRetryDelayMs(
  options: Pick<CompiledDlqReplayOptions, 'retryDelayMs'>,
  tries: number,
): number {
  return backoffMs({ initialMs: options.retryDelayMs, coefficient: 2, maxMs: MAX_RETRY_DELAY_MS }, tries - 1);
}
