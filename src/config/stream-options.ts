/**
 * Stream processing options: the documented interface, its defaults in one place, and one
 * compile step that rejects every bad value with a message naming the field and the fix.
 * Pure module: the compiled options are plain JSON and travel as workflow input.
 */
import { ConfigError } from '../errors';
import { type CompiledFilterCriteria, type FilterCriteria, compileFilterCriteria } from '../filter/criteria';
import { backoffMs } from './backoff';
import { checkDuration, checkInteger } from './checks';
import { type Duration, formatDuration } from './duration';

/** Where a shard is read from when it has no checkpoint yet. */
export type StartPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  /** ISO-8601 time; must not be in the future. */
  | { type: 'AT_TIMESTAMP'; timestamp: string }
  /** Per shard: shardId → sequence number. Shards not listed start at TRIM_HORIZON. */
  | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumbers: Record<string, string> }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumbers: Record<string, string> };

/** A start position for one shard, as the batch activity uses it. */
export type ShardStartPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: string }
  | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumber: string }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface RetryOptions {
  /**
   * Handler attempts per batch before its failed records go to the DLQ; 0 retries forever.
   * @default 3
   */
  maximumAttempts?: number;
  /** @default '1s' */
  initialInterval?: Duration;
  /** @default 2 */
  backoffCoefficient?: number;
  /** @default '1m' */
  maximumInterval?: Duration;
  /**
   * Handler error types (the thrown error's `name`, e.g. `ValidationError`) that no retry can fix:
   * their records go to the DLQ at once (condition `NonRetryableError`). `BatchItemFailures` and
   * `InvalidBatchResponse` name the two ways a handler's return value can fail records. With
   * `bisectBatchOnError` the batch is still split first, so only the failing record is sent.
   * @default []
   */
  nonRetryableErrorTypes?: string[];
}

/**
 * What of a handler's error may enter workflow history (the status, the batch results): `message`
 * keeps its type and its message cut to 2 KiB; `type` keeps its type only, for handlers that may
 * quote records in their errors. The full error always goes to the DLQ message and the worker log.
 */
export type ErrorDetail = 'message' | 'type';

export interface StreamProcessorOptions {
  /** Kinesis stream name. Required. */
  streamName: string;
  /** @default { type: 'TRIM_HORIZON' } */
  startPosition?: StartPosition;
  /** Records per GetRecords call and per handler batch, 1 to 10,000. @default 100 */
  batchSize?: number;
  /** How long one batch activity long-polls an idle shard before returning empty, 1s to 1h. @default '5m' */
  maxPollWait?: Duration;
  /** Pause between empty GetRecords calls; at least 200ms (5 calls/s per shard). @default '1s' */
  idlePollInterval?: Duration;
  /**
   * Lambda's `MaximumBatchingWindowInSeconds`: once a poll has returned records, keep polling (at
   * idlePollInterval, within 5 GetRecords/s) for up to this long to fill the batch before the
   * handler runs. Fewer, fuller batches mean fewer Temporal actions per record on slow streams, at
   * the price of up to this much latency. 0 to 5m.
   * @default 0
   */
  maxBatchingWindow?: Duration;
  /** Handler retry policy (exponential backoff), then the DLQ. */
  retry?: RetryOptions;
  /**
   * Records older than this (by arrival time) go to the DLQ with condition `RecordAgeExceeded`
   * without reaching the handler, also while a failing batch is being retried. Lambda's
   * `MaximumRecordAgeInSeconds`; null (or -1) never expires records. 1s to 365d.
   * @default null
   */
  maximumRecordAge?: Duration | null;
  /**
   * Lambda's `BisectBatchOnFunctionError`: a batch the handler fails as a whole is split in two
   * and the halves retried, without using retry attempts, until the failing record is alone; a
   * `batchItemFailures` response isolates its lowest failed record at once.
   * @default false
   */
  bisectBatchOnError?: boolean;
  /** SQS queue URL for records whose retries are exhausted. Required unless retry.maximumAttempts is 0. */
  dlqQueueUrl?: string;
  /** What of a handler's error may enter workflow history: see {@link ErrorDetail}. @default 'message' */
  errorDetail?: ErrorDetail;
  /** How often a busy shard reports progress to the stream workflow's status. @default '10s' */
  progressInterval?: Duration;
  /** Heartbeat timeout of the batch activity: how fast a dead worker's shard moves elsewhere. @default '30s' */
  heartbeatTimeout?: Duration;
  /**
   * Continue as new after this many history events even when the server does not suggest it yet.
   * For tests and cautious operators; the server's suggestion always applies. @default 10000
   */
  maxHistoryEvents?: number;
  /**
   * Lambda's `FilterCriteria`: only records matching one of the filters reach the handler; the
   * others are checkpointed past and counted as `filteredOut`. Each pattern is a JSON string in
   * Lambda's event-filtering syntax, over `data` (the record's JSON body), `partitionKey` and the
   * other record fields. At most 10 filters of 4096 characters; `{}` or no filters means none, as
   * in Lambda. See src/filter/.
   * @default none: every record is handled
   */
  filterCriteria?: FilterCriteria;
}

export interface CompiledRetry {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  nonRetryableErrorTypes: string[];
}

/**
 * Options after validation: every field present, durations in milliseconds, JSON only. A workflow
 * input may hold options compiled by an older release: read it as `StoredStreamOptions` and
 * upgrade it (src/config/stored-options.ts). A new field here needs its entry there too.
 */
export interface CompiledStreamOptions {
  streamName: string;
  startPosition: StartPosition;
  batchSize: number;
  maxPollWaitMs: number;
  idlePollIntervalMs: number;
  maxBatchingWindowMs: number;
  retry: CompiledRetry;
  /** null: records never expire. */
  maximumRecordAgeMs: number | null;
  bisectBatchOnError: boolean;
  dlqQueueUrl: string | null;
  /** What of a handler error may enter workflow history. */
  errorDetail: ErrorDetail;
  progressIntervalMs: number;
  heartbeatTimeoutMs: number;
  maxHistoryEvents: number;
  /** Absent when no filter is set (and in workflows started before the option existed). */
  filterCriteria?: CompiledFilterCriteria;
}

export const DEFAULTS = {
  startPosition: { type: 'TRIM_HORIZON' } as StartPosition,
  batchSize: 100,
  maxPollWait: '5m',
  idlePollInterval: '1s',
  maxBatchingWindow: 0,
  retry: {
    maximumAttempts: 3,
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [] as readonly string[],
  },
  maximumRecordAge: null,
  bisectBatchOnError: false,
  errorDetail: 'message' as ErrorDetail,
  progressInterval: '10s',
  heartbeatTimeout: '30s',
  maxHistoryEvents: 10_000,
} as const;

export const LIMITS = {
  maxBatchSize: 10_000,
  minIdlePollIntervalMs: 200,
  /** Every poll cycle writes ~6 history events: a shorter long poll makes an idle shard costly. */
  minMaxPollWaitMs: 1_000,
  maxPollWaitMs: 60 * 60_000,
  maxBatchingWindowMs: 5 * 60_000,
  minHeartbeatTimeoutMs: 1_000,
  minRecordAgeMs: 1_000,
  /** Kinesis' longest retention: a record cannot be older. */
  maxRecordAgeMs: 365 * 86_400_000,
  maxErrorTypeLength: 256,
} as const;

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const SEQUENCE_NUMBER = /^\d{1,128}$/;
const START_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

export { checkDuration, checkInteger } from './checks';

function sequenceMap(field: string, value: unknown): Record<string, string> {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    throw new ConfigError(
      field,
      'must map shard IDs to sequence numbers, e.g. {"shardId-000000000000": "4959…"}',
    );
  }
  for (const [shardId, seq] of Object.entries(value)) {
    if (typeof seq !== 'string' || !SEQUENCE_NUMBER.test(seq)) {
      throw new ConfigError(
        `${field}.${shardId}`,
        `${JSON.stringify(seq)} is not a sequence number (decimal digits)`,
      );
    }
  }
  return { ...(value as Record<string, string>) };
}

/** Validates a start position (also used by the CLI parser and the seek message). */
export function compileStartPosition(field: string, value: unknown, now: Date = new Date()): StartPosition {
  if (typeof value !== 'object' || value === null || !('type' in value)) {
    throw new ConfigError(field, `must be an object with a "type", one of ${START_TYPES.join(', ')}`);
  }
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { type: v.type };
    case 'AT_TIMESTAMP': {
      const t =
        typeof v.timestamp === 'string' || typeof v.timestamp === 'number' ? new Date(v.timestamp) : null;
      if (t === null || Number.isNaN(t.getTime())) {
        throw new ConfigError(
          `${field}.timestamp`,
          `${JSON.stringify(v.timestamp)} is not a time: use ISO-8601, e.g. "2026-11-26T08:00:00Z"`,
        );
      }
      if (t.getTime() > now.getTime()) {
        throw new ConfigError(
          `${field}.timestamp`,
          `${t.toISOString()} is in the future: Kinesis rejects it`,
        );
      }
      return { type: 'AT_TIMESTAMP', timestamp: t.toISOString() };
    }
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return { type: v.type, sequenceNumbers: sequenceMap(`${field}.sequenceNumbers`, v.sequenceNumbers) };
    default:
      throw new ConfigError(
        `${field}.type`,
        `${JSON.stringify(v.type)} is not a start position: use one of ${START_TYPES.join(', ')}`,
      );
  }
}

/** The start position one shard uses. */
export function shardStartPosition(position: StartPosition, shardId: string): ShardStartPosition {
  if (position.type === 'AT_SEQUENCE_NUMBER' || position.type === 'AFTER_SEQUENCE_NUMBER') {
    const sequenceNumber = position.sequenceNumbers[shardId];
    return sequenceNumber === undefined ? { type: 'TRIM_HORIZON' } : { type: position.type, sequenceNumber };
  }
  return position;
}

function compileRetry(value: unknown): CompiledRetry {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError(
      'retry',
      'must be an object such as {"maximumAttempts": 3, "initialInterval": "1s"}',
    );
  }
  const given = (value ?? {}) as RetryOptions;
  const r = {
    maximumAttempts: given.maximumAttempts ?? DEFAULTS.retry.maximumAttempts,
    initialInterval: given.initialInterval ?? DEFAULTS.retry.initialInterval,
    backoffCoefficient: given.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
    maximumInterval: given.maximumInterval ?? DEFAULTS.retry.maximumInterval,
  };
  const maximumAttempts = checkInteger(
    'retry.maximumAttempts',
    r.maximumAttempts,
    0,
    10_000,
    ' (0 retries forever)',
  );
  const initialIntervalMs = checkDuration('retry.initialInterval', r.initialInterval, 1);
  const maximumIntervalMs = checkDuration('retry.maximumInterval', r.maximumInterval, 1);
  if (
    typeof r.backoffCoefficient !== 'number' ||
    !(r.backoffCoefficient >= 1) ||
    r.backoffCoefficient > 100
  ) {
    throw new ConfigError(
      'retry.backoffCoefficient',
      `${JSON.stringify(r.backoffCoefficient)} is invalid: use a number from 1 to 100`,
    );
  }
  if (maximumIntervalMs < initialIntervalMs) {
    throw new ConfigError(
      'retry.maximumInterval',
      `${formatDuration(maximumIntervalMs)} is below retry.initialInterval (${formatDuration(initialIntervalMs)}): raise it`,
    );
  }
  const nonRetryableErrorTypes = compileErrorTypes(
    given.nonRetryableErrorTypes ?? DEFAULTS.retry.nonRetryableErrorTypes,
  );
  return {
    maximumAttempts,
    initialIntervalMs,
    backoffCoefficient: r.backoffCoefficient,
    maximumIntervalMs,
    nonRetryableErrorTypes,
  };
}

function compileErrorTypes(value: unknown): string[] {
  const field = 'retry.nonRetryableErrorTypes';
  if (!Array.isArray(value)) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not a list: use e.g. ["ValidationError"]`);
  }
  for (const [i, type] of value.entries()) {
    if (typeof type !== 'string' || type.trim() === '' || type.length > LIMITS.maxErrorTypeLength) {
      throw new ConfigError(
        `${field}[${i}]`,
        `${JSON.stringify(type)} is not an error type: use the name of the error the handler throws, e.g. "ValidationError"`,
      );
    }
  }
  return [...new Set((value as string[]).map((t) => t.trim()))];
}

/** null, undefined and -1 (Lambda's "infinite") mean records never expire. */
function compileRecordAge(value: unknown): number | null {
  if (value === undefined || value === null || value === -1) return null;
  return checkDuration('maximumRecordAge', value, LIMITS.minRecordAgeMs, LIMITS.maxRecordAgeMs);
}

/** The DLQ every option that dead-letters records depends on; refuses settings that would lose records. */
function requireDlqFor(dlqQueueUrl: string | null, field: string, value: string): void {
  if (dlqQueueUrl === null) {
    throw new ConfigError(
      field,
      `is ${value} but dlqQueueUrl is missing: those records would be lost. Set dlqQueueUrl, or remove ${field}`,
    );
  }
}

/** Validates options and fills defaults. Throws ConfigError naming the first bad field. */
export function compileStreamOptions(
  options: StreamProcessorOptions,
  now: Date = new Date(),
): CompiledStreamOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'must be an object with at least "streamName"');
  }
  const { streamName } = options;
  if (typeof streamName !== 'string' || !STREAM_NAME.test(streamName)) {
    throw new ConfigError(
      'streamName',
      `${JSON.stringify(streamName)} is not a Kinesis stream name: 1–128 characters of a-z, A-Z, 0-9, _ . -`,
    );
  }
  const startPosition = compileStartPosition(
    'startPosition',
    options.startPosition ?? DEFAULTS.startPosition,
    now,
  );
  const batchSize = checkInteger(
    'batchSize',
    options.batchSize ?? DEFAULTS.batchSize,
    1,
    LIMITS.maxBatchSize,
  );
  const idlePollIntervalMs = checkDuration(
    'idlePollInterval',
    options.idlePollInterval ?? DEFAULTS.idlePollInterval,
    LIMITS.minIdlePollIntervalMs,
    60_000,
    ' (Kinesis allows 5 GetRecords calls/s per shard)',
  );
  const maxPollWaitMs = checkDuration(
    'maxPollWait',
    options.maxPollWait ?? DEFAULTS.maxPollWait,
    LIMITS.minMaxPollWaitMs,
    LIMITS.maxPollWaitMs,
    ' (each poll cycle writes workflow history: a shorter one makes an idle shard costly)',
  );
  const maxBatchingWindowMs = checkDuration(
    'maxBatchingWindow',
    options.maxBatchingWindow ?? DEFAULTS.maxBatchingWindow,
    0,
    LIMITS.maxBatchingWindowMs,
  );
  const heartbeatTimeoutMs = checkDuration(
    'heartbeatTimeout',
    options.heartbeatTimeout ?? DEFAULTS.heartbeatTimeout,
    LIMITS.minHeartbeatTimeoutMs,
    10 * 60_000,
  );
  if (heartbeatTimeoutMs <= idlePollIntervalMs) {
    throw new ConfigError(
      'heartbeatTimeout',
      `${formatDuration(heartbeatTimeoutMs)} must be longer than idlePollInterval (${formatDuration(idlePollIntervalMs)}), or idle polls time out`,
    );
  }
  const retry = compileRetry(options.retry);
  let dlqQueueUrl: string | null = null;
  if (options.dlqQueueUrl !== undefined && options.dlqQueueUrl !== null && options.dlqQueueUrl !== '') {
    if (typeof options.dlqQueueUrl !== 'string' || !/^https?:\/\/\S+$/.test(options.dlqQueueUrl)) {
      throw new ConfigError(
        'dlqQueueUrl',
        `${JSON.stringify(options.dlqQueueUrl)} is not an SQS queue URL: use e.g. https://sqs.us-east-1.amazonaws.com/123456789012/my-dlq`,
      );
    }
    dlqQueueUrl = options.dlqQueueUrl;
  }
  if (dlqQueueUrl === null && retry.maximumAttempts !== 0) {
    throw new ConfigError(
      'dlqQueueUrl',
      `is missing while retry.maximumAttempts is ${retry.maximumAttempts}: records that exhaust their retries would be lost. Set dlqQueueUrl, or set retry.maximumAttempts to 0 to retry forever`,
    );
  }
  const maximumRecordAgeMs = compileRecordAge(options.maximumRecordAge ?? DEFAULTS.maximumRecordAge);
  if (maximumRecordAgeMs !== null) {
    requireDlqFor(dlqQueueUrl, 'maximumRecordAge', formatDuration(maximumRecordAgeMs));
  }
  if (retry.nonRetryableErrorTypes.length > 0) {
    requireDlqFor(dlqQueueUrl, 'retry.nonRetryableErrorTypes', JSON.stringify(retry.nonRetryableErrorTypes));
  }
  const bisectBatchOnError = options.bisectBatchOnError ?? DEFAULTS.bisectBatchOnError;
  if (typeof bisectBatchOnError !== 'boolean') {
    throw new ConfigError(
      'bisectBatchOnError',
      `${JSON.stringify(bisectBatchOnError)} is invalid: use true or false`,
    );
  }
  const errorDetail = options.errorDetail ?? DEFAULTS.errorDetail;
  if (errorDetail !== 'message' && errorDetail !== 'type') {
    throw new ConfigError(
      'errorDetail',
      `${JSON.stringify(errorDetail)} is invalid: use "message" (error type and a message cut to 2 KiB) or "type" (error type only)`,
    );
  }
  const progressIntervalMs = checkDuration(
    'progressInterval',
    options.progressInterval ?? DEFAULTS.progressInterval,
    100,
    60 * 60_000,
  );
  const maxHistoryEvents = checkInteger(
    'maxHistoryEvents',
    options.maxHistoryEvents ?? DEFAULTS.maxHistoryEvents,
    20,
    50_000,
  );
  const filterCriteria =
    options.filterCriteria === undefined || options.filterCriteria === null
      ? undefined
      : (compileFilterCriteria(options.filterCriteria) ?? undefined);
  return {
    streamName,
    startPosition,
    batchSize,
    maxPollWaitMs,
    idlePollIntervalMs,
    maxBatchingWindowMs,
    retry,
    maximumRecordAgeMs,
    bisectBatchOnError,
    dlqQueueUrl,
    errorDetail,
    progressIntervalMs,
    heartbeatTimeoutMs,
    maxHistoryEvents,
    ...(filterCriteria === undefined ? {} : { filterCriteria }),
  };
}

/** Delay before handler attempt `attempt` (2, 3, …): exponential, capped. Same fields as Temporal's RetryPolicy. */
export function retryDelayMs(retry: CompiledRetry, attempt: number): number {
  const policy = {
    initialMs: retry.initialIntervalMs,
    coefficient: retry.backoffCoefficient,
    maxMs: retry.maximumIntervalMs,
  };
  return backoffMs(policy, attempt - 2);
}
