/**
 * Stream processing options: one compile step that fills the defaults and rejects every bad value
 * with a message naming the field and the fix. The interface, defaults and limits are in
 * stream-option-types.ts, start positions in start-position.ts; both are re-exported here.
 * Pure module: the compiled options are plain JSON and travel as workflow input.
 */
import { checkRoleArn, parseStreamRef } from '../aws/stream-ref';
import { ConfigError } from '../errors';
import { compileFilterCriteria } from '../filter/criteria';
import { backoffMs } from './backoff';
import { checkDuration, checkInteger } from './checks';
import { formatDuration, parseDuration } from './duration';
import { compileConsumer } from './consumer-option';
import { compileStartPosition } from './start-position';
import {
  type CompiledRetry,
  type CompiledStreamOptions,
  DEFAULTS,
  LIMITS,
  type RetryOptions,
  type StreamProcessorOptions,
} from './stream-option-types';

export * from './stream-option-types';
export { compileStartPosition, shardStartPosition } from './start-position';
export { checkDuration, checkInteger } from './checks';

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
  const streamName = parseStreamRef(options.streamName).ref;
  const roleArn =
    options.roleArn === undefined || options.roleArn === null ? undefined : checkRoleArn(options.roleArn);
  /** A top-level option as given, or its default. */
  const given = (field: keyof typeof DEFAULTS): unknown => options[field] ?? DEFAULTS[field];
  const startPosition = compileStartPosition(
    'startPosition',
    options.startPosition ?? DEFAULTS.startPosition,
    now,
  );
  const batchSize = checkInteger('batchSize', given('batchSize'), 1, LIMITS.maxBatchSize);
  const idlePollIntervalMs = checkDuration(
    'idlePollInterval',
    given('idlePollInterval'),
    LIMITS.minIdlePollIntervalMs,
    60_000,
    ' (Kinesis allows 5 GetRecords calls/s per shard)',
  );
  // Not given: the default, but never above idlePollInterval.
  const busyPollIntervalMs =
    options.busyPollInterval === undefined || options.busyPollInterval === null
      ? Math.min(checkDuration('busyPollInterval', DEFAULTS.busyPollInterval, 0), idlePollIntervalMs)
      : checkDuration(
          'busyPollInterval',
          options.busyPollInterval,
          LIMITS.minIdlePollIntervalMs,
          60_000,
          ' (Kinesis allows 5 GetRecords calls/s per shard)',
        );
  if (busyPollIntervalMs > idlePollIntervalMs) {
    throw new ConfigError(
      'busyPollInterval',
      `${formatDuration(busyPollIntervalMs)} is longer than idlePollInterval (${formatDuration(idlePollIntervalMs)}): lower it, or raise idlePollInterval`,
    );
  }
  // 0: one batch per activity; otherwise (by default 10m) the consuming loop's lifetime.
  const lifetime = given('maxActivityLifetime');
  const maxActivityLifetimeMs =
    parseDuration(lifetime) === 0
      ? 0
      : checkDuration(
          'maxActivityLifetime',
          lifetime,
          LIMITS.minActivityLifetimeMs,
          LIMITS.maxActivityLifetimeMs,
          ', or 0 for one batch per activity',
        );
  const maxPollWaitMs = checkDuration(
    'maxPollWait',
    given('maxPollWait'),
    LIMITS.minMaxPollWaitMs,
    LIMITS.maxPollWaitMs,
    ' (each poll cycle writes workflow history: a shorter one makes an idle shard costly)',
  );
  const maxBatchingWindowMs = checkDuration(
    'maxBatchingWindow',
    given('maxBatchingWindow'),
    0,
    LIMITS.maxBatchingWindowMs,
  );
  const heartbeatTimeoutMs = checkDuration(
    'heartbeatTimeout',
    given('heartbeatTimeout'),
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
  const progressIntervalMs = checkDuration('progressInterval', given('progressInterval'), 100, 60 * 60_000);
  const maxHistoryEvents = checkInteger('maxHistoryEvents', given('maxHistoryEvents'), 20, 50_000);
  const consumer = compileConsumer(options.consumer);
  const filterCriteria =
    options.filterCriteria === undefined || options.filterCriteria === null
      ? undefined
      : (compileFilterCriteria(options.filterCriteria) ?? undefined);
  const parallelization = checkInteger(
    'parallelization',
    given('parallelization'),
    1,
    LIMITS.maxParallelization,
  );
  const quarantineKeys = options.quarantineKeys ?? DEFAULTS.quarantineKeys;
  if (typeof quarantineKeys !== 'boolean') {
    throw new ConfigError(
      'quarantineKeys',
      `${JSON.stringify(quarantineKeys)} is invalid: use true or false`,
    );
  }
  if (quarantineKeys) requireDlqFor(dlqQueueUrl, 'quarantineKeys', 'true');
  const maxQuarantinedKeys = checkInteger(
    'maxQuarantinedKeys',
    given('maxQuarantinedKeys'),
    1,
    LIMITS.maxQuarantinedKeys,
  );
  const maxOwedRecords = checkInteger(
    'maxOwedRecords',
    given('maxOwedRecords'),
    0,
    LIMITS.maxOwedRecords,
    ' (0: redeliver everything after the lowest failed record, as Lambda does)',
  );
  return {
    streamName,
    startPosition,
    batchSize,
    maxPollWaitMs,
    idlePollIntervalMs,
    busyPollIntervalMs,
    maxActivityLifetimeMs,
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
    ...(roleArn === undefined ? {} : { roleArn }),
    parallelization,
    quarantineKeys,
    maxQuarantinedKeys,
    maxOwedRecords,
    ...(consumer === undefined ? {} : { consumer }),
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
