/**
 * Stream processing options: the documented interface, the compiled shape that travels as workflow
 * input, and the defaults and limits in one place. The compile step is in stream-options.ts.
 */
import type { CompiledConsumer, ConsumerOption } from './consumer-option';
import type { CompiledFilterCriteria, FilterCriteria } from '../filter/criteria';
import type { Duration } from './duration';

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
  /**
   * Kinesis stream name (in the worker's region and account), or stream ARN
   * (`arn:aws:kinesis:<region>:<account>:stream/<name>`: read in that region). Required.
   */
  streamName: string;
  /**
   * IAM role to assume (STS AssumeRole, through the SDK's `fromTemporaryCredentials`) for every
   * Kinesis call on this stream, e.g. a role in the account that owns it. Absent: the worker's own
   * credentials.
   */
  roleArn?: string | null;
  /**
   * How shards are read: `{ type: 'polling' }` (GetRecords, the default) or
   * `{ type: 'efo', name }` (enhanced fan-out: SubscribeToShard to the stream consumer `name`,
   * registered or reused by the workers; a dedicated 2 MB/s per shard). See consumer-option.ts.
   * @default { type: 'polling' }
   */
  consumer?: ConsumerOption | null;
  /** @default { type: 'TRIM_HORIZON' } */
  startPosition?: StartPosition;
  /** Records per GetRecords call and per handler batch, 1 to 10,000. @default 100 */
  batchSize?: number;
  /**
   * How long one activity long-polls an idle shard before returning empty, 1s to 1h. An idle
   * shard costs one activity (one billable action) per maxPollWait and no heartbeat; records
   * arriving at an idle shard whose worker died wait up to this long (plus a minute) to move.
   * @default '5m'
   */
  maxPollWait?: Duration;
  /**
   * Longest pause between GetRecords calls, reached after empty polls; at least 200ms (5 calls/s
   * per shard): the latency of the first record after a quiet spell. @default '1s'
   */
  idlePollInterval?: Duration;
  /**
   * Pause between GetRecords calls while records keep arriving in batches short of batchSize
   * (a full batch, or a shard behind its tip, reads again at 200ms; empty polls back off toward
   * idlePollInterval). Lower: less latency, more of the shard's 5 reads/s, which other consumers
   * share. 200ms to idlePollInterval.
   * @default '400ms' (idlePollInterval when that is shorter)
   */
  busyPollInterval?: Duration;
  /**
   * How long one activity consumes a busy shard, batch after batch, before it returns its
   * checkpoint and counters to the workflow (which reports progress and starts the next, maybe on
   * another worker). Longer: fewer activity starts and progress reports (Temporal actions), a
   * status that lags more, slower rebalancing when workers join, and after a worker crash up to a
   * heartbeat's worth of records handled again. 10s to 1h; 0: one activity per batch, as before the
   * consuming loop (see the README's trade-offs).
   * @default '10m'
   */
  maxActivityLifetime?: Duration;
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
  /**
   * Heartbeat timeout of a busy shard's activity: how fast a dead worker's busy shard moves
   * elsewhere, and how late a pause, stop or seek reaches it (up to 0.8 × this, the SDK's heartbeat
   * throttle). A busy shard sends one heartbeat (a billable action) per 0.8 × this; after a crash,
   * up to that much of its records may be handled again. @default '30s'
   */
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
  /**
   * Per-key lanes: a shard's records are split by partition key into this many lanes (every record
   * of a key in the same lane, in order), handled concurrently. Like Lambda's ParallelizationFactor.
   * @default 1
   */
  parallelization?: number;
  /**
   * Per-key quarantine: once a record of a partition key is dead-lettered by the failure policy,
   * the later records of that key in the shard go to the DLQ too (`KeyQuarantined`), in order, until
   * the key is released (`ksp dlq replay --partition-key`, `ksp quarantine release`). Needs a DLQ.
   * @default false
   */
  quarantineKeys?: boolean;
  /** At most this many keys quarantined per shard; past it the shard pauses. @default 100 */
  maxQuarantinedKeys?: number;
  /**
   * A retry hands the handler only the records it failed (and the later records of their keys),
   * up to this many per shard; past it (or at 0) a retry redelivers every record after the lowest
   * failed one, as Lambda does. @default 100
   */
  maxOwedRecords?: number;
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
  busyPollIntervalMs: number;
  maxActivityLifetimeMs: number;
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
  /** Role assumed for this stream's Kinesis calls; absent: the worker's own credentials. */
  roleArn?: string;
  /** Lanes per shard (1–LIMITS.maxParallelization). */
  parallelization: number;
  quarantineKeys: boolean;
  maxQuarantinedKeys: number;
  /** 0: Lambda's redelivery of everything after the lowest failed record. */
  maxOwedRecords: number;
  /** The enhanced fan-out consumer; absent: polling (and in workflows started before the option existed). */
  consumer?: CompiledConsumer;
}

export const DEFAULTS = {
  startPosition: { type: 'TRIM_HORIZON' } as StartPosition,
  batchSize: 100,
  maxPollWait: '5m',
  idlePollInterval: '1s',
  busyPollInterval: '400ms',
  maxActivityLifetime: '10m',
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
  parallelization: 1,
  quarantineKeys: false,
  maxQuarantinedKeys: 100,
  maxOwedRecords: 100,
} as const;

export const LIMITS = {
  maxBatchSize: 10_000,
  minIdlePollIntervalMs: 200,
  /** Every poll cycle writes ~6 history events: a shorter long poll makes an idle shard costly. */
  minMaxPollWaitMs: 1_000,
  maxPollWaitMs: 60 * 60_000,
  maxBatchingWindowMs: 5 * 60_000,
  minHeartbeatTimeoutMs: 1_000,
  minActivityLifetimeMs: 10_000,
  maxActivityLifetimeMs: 60 * 60_000,
  minRecordAgeMs: 1_000,
  /** Kinesis' longest retention: a record cannot be older. */
  maxRecordAgeMs: 365 * 86_400_000,
  maxErrorTypeLength: 256,
  /** Concurrent handler calls per shard (Lambda allows 10; more is cheap for an I/O-bound handler). */
  maxParallelization: 100,
  /** Quarantined keys live in workflow state (as hashes, 16 characters each). */
  maxQuarantinedKeys: 1_000,
  /** Owed records live in workflow state and in every batch input (about 60 bytes each). */
  maxOwedRecords: 1_000,
} as const;
