/**
 * Every error type of this project, in one place. The `type` strings are what crosses the workflow
 * boundary (ApplicationFailure.type): match on them, never on `instanceof` (STYLE.md habit 9).
 * Each entry says who raises it and when. Pure module: workflows import it too.
 */

export const ErrorType = {
  /** An option is invalid; thrown by compile*Options (ConfigError), never retried. */
  Config: 'KspConfigError',
  /** A batch result whose checkpoint is behind the shard's: refused by the shard workflow (ShardConsumer), never applied. */
  CheckpointRegression: 'KspCheckpointRegression',
  /** A seek to a time the stream no longer keeps: the seek Update fails (src/workflows/shard-updates.ts). */
  SeekBeforeRetention: 'KspSeekBeforeRetention',
  /** The handler module cannot be loaded or exports no handler; thrown by the loader (HandlerLoadError). */
  HandlerLoad: 'KspHandlerLoadError',
  /** The stream does not exist (ResourceNotFoundException on the stream); src/aws/classify.ts. */
  StreamNotFound: 'KspStreamNotFound',
  /** The DLQ queue does not exist; src/aws/classify.ts. */
  QueueNotFound: 'KspQueueNotFound',
  /** A request AWS refuses as malformed or not allowed: retrying cannot help; src/aws/classify.ts. */
  AwsBadRequest: 'KspAwsBadRequest',
  /** Credentials missing or refused; src/aws/classify.ts. */
  AwsAccessDenied: 'KspAwsAccessDenied',
  /** Throttling: back off and retry; src/aws/classify.ts. */
  AwsThrottled: 'KspAwsThrottled',
  /**
   * Endpoint unreachable, 5xx, a call past its timeout: retry with backoff; src/aws/classify.ts,
   * and the shard reader when Kinesis stays unreachable (its heartbeat says since when).
   */
  AwsUnavailable: 'KspAwsUnavailable',
  /** The shard iterator expired: derive a new one from the checkpoint; src/aws/classify.ts. */
  ExpiredIterator: 'KspExpiredIterator',
  /** A bug (TypeError, RangeError…): never retried; src/aws/classify.ts. */
  Programming: 'KspProgrammingError',
  /** `put` was given a record Kinesis would refuse; the producer (InvalidRecordError). */
  InvalidRecord: 'KspInvalidRecord',
  /** `put` after `close()`; the producer (ProducerClosedError). */
  ProducerClosed: 'KspProducerClosed',
  /** Not sent because an earlier record of its key failed for good; the producer (EarlierRecordFailedError). */
  EarlierRecordFailed: 'KspEarlierRecordFailed',
  /** The stream, queue or workflow a CLI command names is missing or unusable; src/client/* (TargetError). */
  Target: 'KspTargetError',
  /** Kinesis refused a reshard (a limit, a bad argument); the reshard workflow and activities. Same as RESHARD_REFUSED. */
  ReshardRefused: 'KspReshardRefused',
  /** The stream workflow's reshard ledger cannot be queried now; readReshardLedger, retried. */
  LedgerUnavailable: 'KspLedgerUnavailable',
  /**
   * The stream was deleted and recreated under its name: its checkpoints are refused
   * (src/workflows/stream-identity.ts); the batch activity, the shard starter, the stream workflow.
   */
  StreamRecreated: 'KspStreamRecreated',
  /** The Kinesis endpoint has no enhanced fan-out (kinesalite): the stream's `consumer` option cannot work; the batch activity. */
  EfoUnsupported: 'KspEfoUnsupported',
  /** No handler is configured for the stream on this worker (KSP_HANDLERS); the batch activity, retried. */
  NoHandlerForStream: 'KspNoHandlerForStream',
  /** Where a stopped shard workflow left off cannot be read; startShardWorkflow, retried. */
  ShardRecoveryFailed: 'KspShardRecoveryFailed',
  /** The load cannot be measured now; sampleStreamLoad, and autoscale.ts lists it as non-retryable. */
  NoLoadMeasurement: 'KspNoLoadMeasurement',
  /** A DLQ replay stopped without a more precise error; the dlq-replay workflow's failure. */
  ReplayFailed: 'KspReplayFailed',
  /** SQS refused to delete replayed messages (they come back and are replayed again); replayDlqBatch's lastError. */
  DlqDeleteRefused: 'KspDlqDeleteRefused',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/**
 * Failures no retry can fix (missing stream or queue, refused request, bad credentials, a bug):
 * the activities' Temporal retry policies list these as non-retryable, and workflows that see one
 * stop and report it instead of retrying.
 */
export const NON_RETRYABLE_TYPES: string[] = [
  ErrorType.StreamNotFound,
  ErrorType.QueueNotFound,
  ErrorType.AwsBadRequest,
  ErrorType.AwsAccessDenied,
  ErrorType.Programming,
  ErrorType.StreamRecreated,
  ErrorType.EfoUnsupported,
];

/** An error about one field of the user's input; the message starts with the field's name. */
abstract class FieldError extends Error {
  constructor(
    /** The offending field: an option's dotted path (`retry.maximumAttempts`) or a record's field. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Thrown by option compilation; the message names the field and the fix. */
export class ConfigError extends FieldError {
  override readonly name = 'ConfigError';
  readonly type = ErrorType.Config;
}

/** Thrown by the handler loader when a handler module does not load or does not export a function. */
export class HandlerLoadError extends Error {
  override readonly name = 'HandlerLoadError';
  readonly type = ErrorType.HandlerLoad;
}

/** Thrown by the producer's `put` for a record Kinesis would refuse, before anything is buffered. */
export class InvalidRecordError extends FieldError {
  override readonly name = 'InvalidRecordError';
  readonly type = ErrorType.InvalidRecord;
}

/** Thrown by the producer's `put` after `close()`. */
export class ProducerClosedError extends Error {
  override readonly name = 'ProducerClosedError';
  readonly type = ErrorType.ProducerClosed;
  constructor() {
    super('the producer is closed: create a new one to write more records');
  }
}

/**
 * Rejected by the producer's `put` when an earlier record of the same partition key failed for
 * good: sending this one would let a retry of the failed record land after it, out of order.
 */
export class EarlierRecordFailedError extends Error {
  override readonly name = 'EarlierRecordFailedError';
  readonly type = ErrorType.EarlierRecordFailed;
  constructor(
    readonly partitionKey: string,
    override readonly cause: unknown,
  ) {
    super(
      `not sent: an earlier record of partition key ${JSON.stringify(partitionKey)} failed (${cause instanceof Error ? cause.message : String(cause)}); put both again, in order`,
    );
  }
}

/** Thrown by src/client/* for a problem with what the user asked for, worded for them (the CLI prints only the message). */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  readonly type = ErrorType.Target;
  constructor(
    message: string,
    /** The service did not answer (the CLI exits 1), rather than refusing what was asked (2). */
    readonly unavailable = false,
  ) {
    super(message);
  }
}
