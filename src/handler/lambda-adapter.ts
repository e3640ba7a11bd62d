/**
 * Runs an unmodified AWS Lambda Kinesis handler as a ksp {@link BatchHandler}: the same event
 * shape, a Lambda-like context, async or callback style, and the `batchItemFailures` response
 * passed through unchanged (see `batch-result.ts` for how it moves the checkpoint).
 *
 * The types below are structurally compatible with `@types/aws-lambda`'s `KinesisStreamEvent`,
 * `Context` and `Callback`, defined here so the project needs no dependency for them.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { BatchHandler, BatchResult, HandlerContext } from './contract';
import type { KinesisRecord } from '../records';

/** `Records[].kinesis` of a Lambda Kinesis event. */
export interface LambdaKinesisPayload {
  kinesisSchemaVersion: string;
  partitionKey: string;
  sequenceNumber: string;
  /** The record payload, base64. */
  data: string;
  /** Seconds since the epoch, with milliseconds as the fraction. */
  approximateArrivalTimestamp: number;
}

/** One entry of `Records` in a Lambda Kinesis event. */
export interface LambdaKinesisRecord {
  kinesis: LambdaKinesisPayload;
  eventSource: string;
  eventVersion: string;
  /** `<shardId>:<sequenceNumber>`. */
  eventID: string;
  eventName: string;
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

/** The event Lambda hands a Kinesis handler. */
export interface LambdaKinesisEvent {
  Records: LambdaKinesisRecord[];
}

/** Where the records come from, as the event reports it. */
export interface LambdaEventSource {
  region: string;
  streamArn: string;
  /** The identity Lambda would run as. @default `arn:aws:iam::<account of streamArn>:role/ksp` */
  invokeIdentityArn?: string;
}

/** The Lambda `context` argument (the subset `@types/aws-lambda`'s `Context` requires). */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  /** Legacy completion methods, still used by old handlers. */
  done(error?: Error | string | null, result?: unknown): void;
  fail(error: Error | string): void;
  succeed(result: unknown): void;
}

/** The Lambda `callback` argument. */
export type LambdaCallback = (error?: Error | string | null, result?: unknown) => void;

/** A Lambda Kinesis handler: async (returns a promise) or callback style (declares three parameters). */
export type LambdaKinesisHandler = (
  event: LambdaKinesisEvent,
  context: LambdaContext,
  callback: LambdaCallback,
) => unknown;

/** How {@link fromLambdaHandler} fills the event and context. */
export interface LambdaAdapterOptions {
  /** `awsRegion` of every record. */
  region: string;
  /** The stream ARN, or how to build it from the stream name. @default {@link placeholderStreamArn} */
  streamArn?: string | ((streamName: string) => string);
  invokeIdentityArn?: string;
  /** @default 'ksp' */
  functionName?: string;
  /** What `getRemainingTimeInMillis` counts down from; the invocation fails when it runs out, as in Lambda. @default 900000 (15 min) */
  timeoutMs?: number;
  /** Lambda handlers cannot heartbeat, so the adapter does it for them while they run. @default 500 */
  heartbeatIntervalMs?: number;
}

const PLACEHOLDER_ACCOUNT = '000000000000';

/** `arn:aws:kinesis:<region>:000000000000:stream/<name>`: what the event carries when the real ARN is not configured. */
export function placeholderStreamArn(region: string, streamName: string): string {
  if (streamName.startsWith('arn:')) return streamName; // a stream named by its ARN
  return `arn:aws:kinesis:${region}:${PLACEHOLDER_ACCOUNT}:stream/${streamName}`;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] || PLACEHOLDER_ACCOUNT;
}

/**
 * Builds exactly the event Lambda would deliver for these records.
 *
 * A user record de-aggregated from a KPL aggregate shares its sequence number with its siblings:
 * its `eventID` (and so the `itemIdentifier` a handler reports) is still `<shardId>:<sequenceNumber>`,
 * as in Lambda, which never sees the sub-sequence number. Reporting it fails the whole aggregate.
 */
export function toLambdaEvent(
  records: readonly KinesisRecord[],
  source: LambdaEventSource,
): LambdaKinesisEvent {
  const invokeIdentityArn =
    source.invokeIdentityArn ?? `arn:aws:iam::${accountOf(source.streamArn)}:role/ksp`;
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
        approximateArrivalTimestamp: r.approximateArrivalTimestamp.getTime() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${r.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn,
      awsRegion: source.region,
      eventSourceARN: source.streamArn,
    })),
  };
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (
    typeof value === 'object' &&
    value !== null &&
    'message' in value &&
    typeof value.message === 'string'
  ) {
    // An Error from another realm (an ES module loaded outside a test sandbox): keep name and message.
    const error = new Error(value.message);
    if ('name' in value && typeof value.name === 'string') error.name = value.name;
    return error;
  }
  return new Error(typeof value === 'string' ? value : `Lambda handler failed with ${JSON.stringify(value)}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    'then' in value &&
    typeof value.then === 'function'
  );
}

/** The response as a BatchResult: an object with `batchItemFailures` goes through as is; anything else (`'ok'`, `{ statusCode: 200 }`) means success. */
function toBatchResult(value: unknown): BatchResult | undefined {
  return typeof value === 'object' && value !== null && 'batchItemFailures' in value
    ? (value as BatchResult)
    : undefined;
}

interface Invocation {
  functionName: string;
  region: string;
  streamArn: string;
  timeoutMs: number;
}

function lambdaContext(inv: Invocation, settle: (error: unknown, result?: unknown) => void): LambdaContext {
  const deadline = Date.now() + inv.timeoutMs;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: inv.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${inv.region}:${accountOf(inv.streamArn)}:function:${inv.functionName}`,
    memoryLimitInMB: String(Math.floor(os.totalmem() / 2 ** 20)),
    awsRequestId,
    logGroupName: `/aws/lambda/${inv.functionName}`,
    logStreamName: `ksp/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error, result) => settle(error, result),
    fail: (error) => settle(error ?? new Error('context.fail called')),
    succeed: (result) => settle(null, result),
  };
}

/**
 * Calls the handler and settles on whichever comes first: its promise, its callback (or legacy
 * `context.done/succeed/fail`), the timeout, or the batch's abort signal. A handler that declares
 * fewer than three parameters and returns no promise has returned its result synchronously.
 */
function invoke(fn: LambdaKinesisHandler, event: LambdaKinesisEvent, inv: Invocation, ctx: HandlerContext) {
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, result?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (error === null || error === undefined) resolve(result);
      else reject(toError(error));
    };
    const seconds = (inv.timeoutMs / 1000).toFixed(2);
    const timer = setTimeout(
      () => settle(new Error(`Task timed out after ${seconds} seconds`)),
      inv.timeoutMs,
    );
    const onAbort = (): void => settle(ctx.signal.reason ?? new Error('The batch was aborted'));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let returned: unknown;
    try {
      returned = fn(event, lambdaContext(inv, settle), (error, result) => settle(error, result));
    } catch (error) {
      return settle(error ?? new Error('Lambda handler threw a nullish value'));
    }
    if (isThenable(returned)) {
      returned.then(
        (result) => settle(null, result),
        (error: unknown) => settle(error ?? new Error('Lambda handler rejected with a nullish value')),
      );
    } else if (fn.length < 3) {
      settle(null, returned);
    }
  });
}

/**
 * Wraps a Lambda Kinesis handler as a BatchHandler. Each batch becomes one invocation with a fresh
 * `awsRequestId`; the stream ARN is resolved per batch from the context's stream name.
 */
export function fromLambdaHandler(fn: LambdaKinesisHandler, options: LambdaAdapterOptions): BatchHandler {
  const { region, functionName = 'ksp', timeoutMs = 900_000, heartbeatIntervalMs = 500 } = options;
  return async (records, ctx) => {
    const streamArn =
      typeof options.streamArn === 'function'
        ? options.streamArn(ctx.streamName)
        : (options.streamArn ?? placeholderStreamArn(region, ctx.streamName));
    const event = toLambdaEvent(records, { region, streamArn, invokeIdentityArn: options.invokeIdentityArn });
    const beat = setInterval(() => ctx.heartbeat(), heartbeatIntervalMs);
    try {
      return toBatchResult(await invoke(fn, event, { functionName, region, streamArn, timeoutMs }, ctx));
    } finally {
      clearInterval(beat);
    }
  };
}
