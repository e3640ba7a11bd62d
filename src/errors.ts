/**
 * Error types of this project. The `type` strings are what crosses the workflow boundary
 * (ApplicationFailure.type): match on them, never on `instanceof` (STYLE.md habit 9).
 */

export const ErrorType = {
  /** An option is invalid; thrown by compile*Options, never retried. */
  Config: 'KspConfigError',
  /** The handler module cannot be loaded or exports no handler. */
  HandlerLoad: 'KspHandlerLoadError',
  /** The stream does not exist (ResourceNotFoundException on the stream). */
  StreamNotFound: 'KspStreamNotFound',
  /** The DLQ queue does not exist. */
  QueueNotFound: 'KspQueueNotFound',
  /** A request AWS refuses as malformed or not allowed: retrying cannot help. */
  AwsBadRequest: 'KspAwsBadRequest',
  /** Credentials missing or refused. */
  AwsAccessDenied: 'KspAwsAccessDenied',
  /** Throttling: back off and retry. */
  AwsThrottled: 'KspAwsThrottled',
  /** Endpoint unreachable, 5xx, timeouts: retry with backoff. */
  AwsUnavailable: 'KspAwsUnavailable',
  /** The shard iterator expired: derive a new one from the checkpoint. */
  ExpiredIterator: 'KspExpiredIterator',
  /** A bug (TypeError, RangeError…): never retried. */
  Programming: 'KspProgrammingError',
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
];

/** Thrown by option compilation; the message names the field and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly type = ErrorType.Config;
  constructor(
    /** Dotted path of the offending option, e.g. `retry.maximumAttempts`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Thrown when a handler module does not load or does not export a function. */
export class HandlerLoadError extends Error {
  override readonly name = 'HandlerLoadError';
  readonly type = ErrorType.HandlerLoad;
}
