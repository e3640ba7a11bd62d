/**
 * Classifies AWS SDK v3 errors once, at the activity boundary (STYLE.md habit 8): each becomes an
 * ApplicationFailure whose `type` is an {@link ErrorType}, retryable or not, with the original as
 * `cause` and a message that says what failed and how to fix it.
 *
 * The rule, in order:
 * 1. Already an ApplicationFailure → unchanged (classifying twice is harmless).
 * 2. A known error name (the table below; SQS's query-compatible `Code` counts too).
 * 3. Network failures anywhere in the `cause` chain (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, socket hang
 *    up…), `TimeoutError`, `AbortError`, `$fault: 'server'` or HTTP 5xx → AwsUnavailable, retried.
 * 4. TypeError, RangeError, ReferenceError, SyntaxError → Programming, never retried — except the
 *    SDK's parse error on a 5xx answer whose body is not the service's (`$response.statusCode`):
 *    AwsUnavailable, retried.
 * 5. Any other error the SDK produced (it carries `$metadata`, `$fault` or an HTTP status): an AWS
 *    answer we do not know → AwsUnavailable, retried; the workflow's retry policy bounds it, and
 *    retrying an unknown answer cannot lose records, where giving up would stop the shard.
 * 6. Anything else never reached AWS: a bug in our code → Programming, never retried.
 *
 * ResourceInUseException (a stream CREATING, UPDATING or DELETING) is retried: during a reshard it
 * passes. A caller that creates a resource must treat it as "already exists" before classifying.
 * SQS is assumed when `queueUrl` is given or the operation names a Message or a Queue.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type ErrorTypeName } from '../errors';

/** What was being done when the error happened; every field given ends up in the message. */
export interface AwsErrorContext {
  /** The SDK command without `Command`, e.g. `GetRecords`, `SendMessage`. */
  operation: string;
  streamName?: string;
  shardId?: string;
  queueUrl?: string;
  endpoint?: string;
  region?: string;
}

type Kind =
  | 'notFound'
  | 'badRequest'
  | 'accessDenied'
  | 'throttled'
  | 'expiredIterator'
  | 'unavailable'
  | 'programming';

const KIND_BY_NAME: Record<string, Kind> = {};
const table: Array<[Kind, string[]]> = [
  ['notFound', ['ResourceNotFoundException', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']],
  [
    'badRequest',
    [
      ...['InvalidArgumentException', 'ValidationException', 'ValidationError', 'InvalidParameterValue'],
      ...['InvalidParameterCombination', 'MissingParameter', 'MessageTooLong', 'InvalidMessageContents'],
      ...[
        'BatchRequestTooLong',
        'TooManyEntriesInBatchRequest',
        'EmptyBatchRequest',
        'BatchEntryIdsNotDistinct',
      ],
      ...['InvalidBatchEntryId', 'InvalidAttributeName', 'InvalidAttributeValue', 'InvalidIdFormat'],
      ...['ReceiptHandleIsInvalid', 'MessageNotInflight', 'InvalidAddress', 'InvalidSecurity'],
      ...['UnsupportedOperation', 'UnknownOperationException', 'InvalidAction', 'SerializationException'],
    ],
  ],
  [
    'accessDenied',
    [
      ...['AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException', 'ExpiredTokenException'],
      ...['ExpiredToken', 'InvalidSignatureException', 'IncompleteSignature', 'MissingAuthenticationToken'],
      ...['InvalidClientTokenId', 'SignatureDoesNotMatch', 'CredentialsProviderError', 'TokenProviderError'],
      ...[
        'KMSAccessDeniedException',
        'KMSDisabledException',
        'KMSInvalidStateException',
        'KMSNotFoundException',
      ],
      ...['KMSOptInRequired', 'KmsAccessDenied', 'KmsDisabled', 'KmsInvalidKeyUsage', 'KmsInvalidState'],
      ...['KmsNotFound', 'KmsOptInRequired'],
    ],
  ],
  [
    'throttled',
    [
      ...['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException'],
      ...['Throttling', 'KMSThrottlingException', 'KmsThrottled', 'RequestThrottled', 'RequestLimitExceeded'],
      ...['TooManyRequestsException', 'OverLimit'],
    ],
  ],
  ['expiredIterator', ['ExpiredIteratorException']],
  [
    'unavailable',
    [
      ...['InternalFailureException', 'InternalFailure', 'InternalError', 'ServiceUnavailable'],
      ...['ServiceUnavailableException', 'ResourceInUseException', 'TimeoutError', 'RequestTimeout'],
      ...['RequestTimeoutException', 'AbortError', 'PurgeQueueInProgress', 'QueueDeletedRecently'],
    ],
  ],
  ['programming', ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']],
];
for (const [kind, names] of table) for (const name of names) KIND_BY_NAME[name] = kind;

const NETWORK_CODES = new Set([
  ...['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN'],
  ...['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EPROTO', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'],
]);

const TYPE_BY_KIND: Record<Kind, ErrorTypeName> = {
  notFound: ErrorType.StreamNotFound,
  badRequest: ErrorType.AwsBadRequest,
  accessDenied: ErrorType.AwsAccessDenied,
  throttled: ErrorType.AwsThrottled,
  expiredIterator: ErrorType.ExpiredIterator,
  unavailable: ErrorType.AwsUnavailable,
  programming: ErrorType.Programming,
};

const RETRYABLE: ReadonlySet<Kind> = new Set(['throttled', 'expiredIterator', 'unavailable']);

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The error and its causes (and an AggregateError's members), outermost first, without looping. */
function chain(err: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue = [err];
  while (queue.length > 0 && seen.length < 10) {
    const e = queue.shift();
    if (e === undefined || e === null || seen.includes(e)) continue;
    seen.push(e);
    queue.push(field(e, 'cause'));
    const members = field(e, 'errors');
    if (Array.isArray(members)) queue.push(...(members as unknown[]));
  }
  return seen;
}

/** The network error code (or `socket hang up`) somewhere in the chain, if any. */
function networkCode(err: unknown): string | undefined {
  for (const e of chain(err)) {
    const code = str(field(e, 'code'));
    if (code && (NETWORK_CODES.has(code) || code.startsWith('ERR_HTTP2'))) return code;
    if (/socket hang up/i.test(String(field(e, 'message')))) return 'socket hang up';
  }
  return undefined;
}

function httpStatus(err: unknown): number | undefined {
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

function looksLikeAws(err: unknown): boolean {
  return (
    field(err, '$metadata') !== undefined ||
    field(err, '$fault') !== undefined ||
    httpStatus(err) !== undefined
  );
}

/** The HTTP status of the raw answer the SDK could not read (it attaches `$response` to its parse error). */
function unreadableAnswerStatus(err: unknown): number | undefined {
  const status = field(field(err, '$response'), 'statusCode');
  return typeof status === 'number' ? status : undefined;
}

function kindOf(err: unknown): Kind {
  // A 5xx answer whose body is not the service's (a proxy or load balancer in between) fails to
  // parse: that is the service being unavailable, not a bug.
  if ((unreadableAnswerStatus(err) ?? 0) >= 500) return 'unavailable';
  const names = [str(field(err, 'name')), str(field(err, 'Code')), str(field(field(err, 'Error'), 'Code'))];
  for (const name of names) {
    const kind = name === undefined ? undefined : KIND_BY_NAME[name];
    if (kind) return kind;
  }
  if (field(field(err, '$retryable'), 'throttling') === true) return 'throttled';
  if (networkCode(err) !== undefined || field(err, '$fault') === 'server' || (httpStatus(err) ?? 0) >= 500) {
    return 'unavailable';
  }
  return looksLikeAws(err) ? 'unavailable' : 'programming';
}

function failureType(err: unknown): string | undefined {
  return err instanceof ApplicationFailure ? (err.type ?? undefined) : undefined;
}

function isSqs(context: AwsErrorContext): boolean {
  return context.queueUrl !== undefined || /Message|Queue/.test(context.operation);
}

function describeTarget(context: AwsErrorContext): string {
  if (isSqs(context)) return context.queueUrl ? `queue ${context.queueUrl}` : 'SQS';
  const shard = context.shardId ? ` shard ${context.shardId}` : '';
  return context.streamName ? `stream "${context.streamName}"${shard}` : `Kinesis${shard}`;
}

function describeEndpoint(context: AwsErrorContext): string {
  const service = isSqs(context) ? 'SQS' : 'Kinesis';
  const region = context.region ? ` in ${context.region}` : '';
  return context.endpoint
    ? `endpoint ${context.endpoint}${region}`
    : `the default AWS ${service} endpoint${region}`;
}

function advice(
  kind: Kind,
  context: AwsErrorContext,
  name: string,
  code: string | undefined,
  status?: number,
): string {
  const sqs = isSqs(context);
  const what = describeTarget(context);
  const where = describeEndpoint(context);
  const envVar = sqs ? 'AWS_ENDPOINT_URL_SQS' : 'AWS_ENDPOINT_URL_KINESIS';
  const op = context.operation;
  switch (kind) {
    case 'notFound':
      return sqs
        ? `${op}: ${what} does not exist at ${where}. Create it (aws sqs create-queue) or fix dlqQueueUrl, the region or ${envVar}.`
        : `${op}: ${what} was not found at ${where}. Create the stream (aws kinesis create-stream --stream-name ${context.streamName ?? '<name>'}) or fix the stream name, the region or ${envVar}.`;
    case 'badRequest':
      return `${op}: AWS refused the request on ${what} as invalid (${name}). Retrying cannot help: fix the request or the option that produced it.`;
    case 'accessDenied':
      return (
        `${op}: the request on ${what} was refused for its credentials or key (${name}). Credentials come from the default AWS chain: ` +
        'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE (~/.aws/credentials, SSO), ' +
        'web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), then container or instance metadata. ' +
        `Refresh expired credentials, grant the IAM permission for ${op} on it (and on its KMS key), ` +
        'or, for the local emulators, set any static key (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test).'
      );
    case 'throttled':
      return `${op}: ${what} is throttled (${name}); backing off and retrying. If it persists, add shards or reduce the readers of the stream.`;
    case 'expiredIterator':
      return `${op}: the shard iterator for ${what} expired (${name}); a new one is derived from the checkpoint and the read retried.`;
    case 'unavailable':
      return (
        `${op}: the request on ${what} could not complete at ${where} (${code ?? name}); it is retried with backoff. ` +
        `If it persists, check that the service (or local emulator) is running and that ${envVar} and the region are right.` +
        (op === 'GetRecords' && (status ?? 0) >= 500
          ? ' (kinesis-local also answers a garbled shard iterator with HTTP 500: a retry derives a fresh one.)'
          : '')
      );
    case 'programming':
      return `${op}: failed on ${what} with ${name}, which is a bug, not an AWS answer; it is not retried.`;
  }
}

/**
 * Turns anything an AWS SDK v3 call threw into an ApplicationFailure (see the rule at the top of
 * this file). Throw the result: `throw classifyAwsError(err, { operation: 'GetRecords', … })`.
 */
export function classifyAwsError(err: unknown, context: AwsErrorContext): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const kind = kindOf(err);
  const name = str(field(err, 'name')) ?? 'Error';
  const message = str(field(err, 'message')) ?? String(err);
  const type = kind === 'notFound' && isSqs(context) ? ErrorType.QueueNotFound : TYPE_BY_KIND[kind];
  const code = networkCode(err);
  const status = httpStatus(err);
  return ApplicationFailure.create({
    type,
    nonRetryable: !RETRYABLE.has(kind),
    message: `${advice(kind, context, name, code, status)} [${name}: ${message}]`,
    cause: err instanceof Error ? err : new Error(message),
    details: [
      { operation: context.operation, name, ...(code ? { code } : {}), httpStatusCode: status ?? null },
    ],
  });
}

/** Throttled: back off, then repeat the same request. Also true for a failure classified AwsThrottled. */
export function isThrottling(err: unknown): boolean {
  const type = failureType(err);
  return type !== undefined ? type === ErrorType.AwsThrottled : kindOf(err) === 'throttled';
}

/** The shard iterator expired: derive a new one from the checkpoint; repeating the request cannot help. */
export function isExpiredIterator(err: unknown): boolean {
  const type = failureType(err);
  return type !== undefined ? type === ErrorType.ExpiredIterator : kindOf(err) === 'expiredIterator';
}

/**
 * Repeating the same request later may succeed: throttling, or the service unreachable, 5xx or
 * timing out. Not an expired iterator (see {@link isExpiredIterator}). On GetRecords against
 * kinesis-local a 5xx can also mean a garbled iterator: after a few in-process retries, derive a
 * fresh iterator (or throw, and let the activity's retry do it).
 */
export function isTransient(err: unknown): boolean {
  const type = failureType(err);
  if (type !== undefined) return type === ErrorType.AwsThrottled || type === ErrorType.AwsUnavailable;
  const kind = kindOf(err);
  return kind === 'throttled' || kind === 'unavailable';
}
