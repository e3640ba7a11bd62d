/**
 * Compiled stream options as a workflow history may hold them. Options compiled by an older
 * release travel in the input of workflows started then (and of their continue-as-new runs), so
 * every field added since is optional here; `upgradeCompiledOptions` turns them, once, at a
 * workflow's entry, into the current `CompiledStreamOptions`. Pure module: safe in workflow code.
 *
 * A field added later gets its value from the behaviour before it existed, written out below, not
 * from `DEFAULTS`: if a default changes one day, workflows started before must keep what they had.
 */
import { isCompiledConsumer } from './consumer-option';
import {
  type FieldCheck,
  isBoolean,
  isCount,
  isObject,
  isText,
  isTextList,
  nullable,
  optional,
  shapeProblem,
} from './shape';
import type { CompiledRetry, CompiledStreamOptions, ErrorDetail } from './stream-options';

/** The handler retry policy as stored; `nonRetryableErrorTypes` came with the failure policy. */
export interface StoredRetry extends Omit<CompiledRetry, 'nonRetryableErrorTypes'> {
  /** Absent before the failure policy (bisect, record age, non-retryable types): none. */
  nonRetryableErrorTypes?: string[];
}

/** `CompiledStreamOptions` as any release wrote it into a workflow input. */
export interface StoredStreamOptions
  extends Omit<
    CompiledStreamOptions,
    | 'retry'
    | 'maximumRecordAgeMs'
    | 'bisectBatchOnError'
    | 'maxBatchingWindowMs'
    | 'errorDetail'
    | 'parallelization'
    | 'quarantineKeys'
    | 'maxQuarantinedKeys'
    | 'maxOwedRecords'
    | 'busyPollIntervalMs'
    | 'maxActivityLifetimeMs'
  > {
  retry: StoredRetry;
  /** Absent before the failure policy: records never expired. */
  maximumRecordAgeMs?: number | null;
  /** Absent before the failure policy: a failing batch was retried whole. */
  bisectBatchOnError?: boolean;
  /** Absent before the batching window: the handler ran on the first non-empty poll. */
  maxBatchingWindowMs?: number;
  /** Absent before bounded error text: the message entered history (now cut to 2 KiB). */
  errorDetail?: ErrorDetail;
  /** Absent before per-key lanes: one handler call per shard at a time. */
  parallelization?: number;
  /** Absent before per-key quarantine: no key was ever held back. */
  quarantineKeys?: boolean;
  maxQuarantinedKeys?: number;
  /** Absent before owed records: a retry redelivered everything after the lowest failed record. */
  maxOwedRecords?: number;
  /**
   * Absent before the consuming loop: busy polls every 400 ms (never above idlePollInterval), and
   * one batch per activity (maxActivityLifetime 0), whatever the default for new streams is.
   */
  busyPollIntervalMs?: number;
  maxActivityLifetimeMs?: number;
}

/** The current shape of options read from a workflow input, whichever release compiled them. */
export function upgradeCompiledOptions(stored: StoredStreamOptions): CompiledStreamOptions {
  const { retry } = stored;
  return {
    streamName: stored.streamName,
    startPosition: stored.startPosition,
    batchSize: stored.batchSize,
    maxPollWaitMs: stored.maxPollWaitMs,
    idlePollIntervalMs: stored.idlePollIntervalMs,
    busyPollIntervalMs: stored.busyPollIntervalMs ?? Math.min(400, stored.idlePollIntervalMs),
    // Runs stored before the consuming loop keep one batch per activity across an upgrade (runs
    // compiled while it was opt-in stored 0); only newly compiled options get the 10m default.
    maxActivityLifetimeMs: stored.maxActivityLifetimeMs ?? 0,
    maxBatchingWindowMs: stored.maxBatchingWindowMs ?? 0,
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialIntervalMs: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumIntervalMs: retry.maximumIntervalMs,
      nonRetryableErrorTypes: retry.nonRetryableErrorTypes ?? [],
    },
    maximumRecordAgeMs: stored.maximumRecordAgeMs ?? null,
    bisectBatchOnError: stored.bisectBatchOnError ?? false,
    dlqQueueUrl: stored.dlqQueueUrl,
    errorDetail: stored.errorDetail ?? 'message',
    progressIntervalMs: stored.progressIntervalMs,
    heartbeatTimeoutMs: stored.heartbeatTimeoutMs,
    maxHistoryEvents: stored.maxHistoryEvents,
    ...(stored.filterCriteria === undefined ? {} : { filterCriteria: stored.filterCriteria }),
    ...(stored.roleArn === undefined ? {} : { roleArn: stored.roleArn }),
    parallelization: stored.parallelization ?? 1,
    quarantineKeys: stored.quarantineKeys ?? false,
    maxQuarantinedKeys: stored.maxQuarantinedKeys ?? 100,
    maxOwedRecords: stored.maxOwedRecords ?? 0,
    ...(stored.consumer === undefined ? {} : { consumer: stored.consumer }),
  };
}

const COUNT = 'a number ≥ 0';
const RETRY_CHECKS: readonly FieldCheck[] = [
  ['maximumAttempts', isCount, COUNT],
  ['initialIntervalMs', isCount, COUNT],
  ['backoffCoefficient', isCount, COUNT],
  ['maximumIntervalMs', isCount, COUNT],
  ['nonRetryableErrorTypes', optional(isTextList), 'a list of error type names'],
];
const OPTION_CHECKS: readonly FieldCheck[] = [
  ['streamName', isText, 'the stream name'],
  [
    'startPosition',
    (v) => isObject(v) && isText(v.type),
    'a start position such as {"type": "TRIM_HORIZON"}',
  ],
  ['batchSize', isCount, COUNT],
  ['maxPollWaitMs', isCount, COUNT],
  ['idlePollIntervalMs', isCount, COUNT],
  ['busyPollIntervalMs', optional(isCount), COUNT],
  ['maxActivityLifetimeMs', optional(isCount), COUNT],
  ['maxBatchingWindowMs', optional(isCount), COUNT],
  ['retry', isObject, 'the compiled retry policy'],
  ['maximumRecordAgeMs', optional(nullable(isCount)), `null or ${COUNT}`],
  ['bisectBatchOnError', optional(isBoolean), 'true or false'],
  ['dlqQueueUrl', nullable(isText), 'null or a queue URL'],
  ['errorDetail', optional((v) => v === 'message' || v === 'type'), '"message" or "type"'],
  ['progressIntervalMs', isCount, COUNT],
  ['heartbeatTimeoutMs', isCount, COUNT],
  ['maxHistoryEvents', isCount, COUNT],
  ['roleArn', optional(isText), 'absent, or an IAM role ARN'],
  ['parallelization', optional(isCount), COUNT],
  ['quarantineKeys', optional(isBoolean), 'true or false'],
  ['maxQuarantinedKeys', optional(isCount), COUNT],
  ['maxOwedRecords', optional(isCount), COUNT],
  ['consumer', optional(isCompiledConsumer), 'absent, or {"type": "efo", "name": "<consumer name>"}'],
];

/**
 * What keeps `value` (found at `path`) from being stored options, or null. A workflow checks this
 * before `upgradeCompiledOptions`, and fails with the message rather than throw in its task.
 * Options come from `compileStreamOptions`, so this checks shape only, not ranges.
 */
export function storedOptionsProblem(value: unknown, path = 'options'): string | null {
  return (
    shapeProblem(path, value, OPTION_CHECKS) ??
    shapeProblem(`${path}.retry`, (value as { retry: unknown }).retry, RETRY_CHECKS)
  );
}
