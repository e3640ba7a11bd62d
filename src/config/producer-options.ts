/**
 * Producer options: the documented interface, defaults in one place, and one compile step that
 * refuses every bad value with a message naming the field and the fix (STYLE.md habit 10).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { MetricMeter } from '@temporalio/common';
import { type Duration, formatDuration } from './duration';
import { ConfigError } from '../errors';
import { checkDuration, checkInteger } from './checks';
import { MAX_RECORD_BYTES } from '../producer/limits';

export interface AggregationOptions {
  /** Largest aggregate, magic and checksum included (KPL's `AggregationMaxSize`). @default 51200 */
  maxBytes?: number;
  /** Most user records per aggregate. @default 10000 */
  maxRecords?: number;
}

export interface RetryDelayOptions {
  /** First delay after a failed put of a record. @default '100ms' */
  initialDelay?: Duration;
  /** Longest delay: doubling stops here. @default '5s' */
  maxDelay?: Duration;
}

export interface ProducerOptions {
  /** The Kinesis client (its SDK retries apply to whole-call failures first). Required. */
  kinesis: KinesisClient;
  /** The stream written to. Required. */
  streamName: string;
  /**
   * Pack user records bound for one shard into KPL aggregates. Readers must de-aggregate (this
   * project's consumer, KCL, or aws-kinesis-agg in a Lambda): leave it off for plain readers.
   * `true` takes the defaults of {@link AggregationOptions}. @default false
   */
  aggregation?: boolean | AggregationOptions;
  /** How long a record may wait for a fuller request before it is sent anyway. @default '100ms' */
  maxBufferedTime?: Duration;
  /** Records accepted and not yet settled; `put` waits while the buffer is full. @default 20000 */
  maxBufferedRecords?: number;
  /** Bytes accepted and not yet settled, at least 1 MiB; `put` waits while full. @default 16 MiB */
  maxBufferedBytes?: number;
  /** PutRecords calls in flight at once. @default 8 */
  maxInFlightRequests?: number;
  /** Share of each shard's write limit (1,000 records/s, 1 MiB/s) to use, in percent. @default 100 */
  rateLimit?: number;
  /** Backoff between attempts of a record (exponential with jitter). */
  retry?: RetryDelayOptions;
  /** A record not in the stream this long after `put` is rejected with its last error; 0 never gives up. @default '30s' */
  recordTtl?: Duration;
  /** Re-read the shard map at least this often (it is re-read at once on signs of resharding). @default '5m' */
  shardMapMaxAge?: Duration;
  /**
   * Where to record the producer's metrics (`ksp_producer_*`, labelled by stream): a Temporal
   * `MetricMeter`, e.g. `Runtime.instance().metricMeter`. @default none: nothing is recorded
   */
  metricMeter?: MetricMeter;
}

export interface CompiledProducerOptions {
  kinesis: KinesisClient;
  streamName: string;
  aggregation: { maxBytes: number; maxRecords: number } | null;
  maxBufferedTimeMs: number;
  maxBufferedRecords: number;
  maxBufferedBytes: number;
  maxInFlightRequests: number;
  rateLimit: number;
  retry: { initialDelayMs: number; maxDelayMs: number };
  /** Infinity when records never expire. */
  recordTtlMs: number;
  shardMapMaxAgeMs: number;
  metricMeter: MetricMeter | null;
}

export const PRODUCER_DEFAULTS = {
  aggregation: { maxBytes: 51_200, maxRecords: 10_000 },
  maxBufferedTime: '100ms',
  maxBufferedRecords: 20_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxInFlightRequests: 8,
  rateLimit: 100,
  retry: { initialDelay: '100ms', maxDelay: '5s' },
  recordTtl: '30s',
  shardMapMaxAge: '5m',
} as const;

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

function compileAggregation(value: unknown): CompiledProducerOptions['aggregation'] {
  if (value === undefined || value === false) return null;
  if (value === true) return { ...PRODUCER_DEFAULTS.aggregation };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('aggregation', 'use true, false or { maxBytes, maxRecords }');
  }
  const v = value as AggregationOptions;
  return {
    maxBytes: checkInteger(
      'aggregation.maxBytes',
      v.maxBytes ?? PRODUCER_DEFAULTS.aggregation.maxBytes,
      1024,
      MAX_RECORD_BYTES,
      ' (an aggregate is one Kinesis record: at most 1 MiB)',
    ),
    maxRecords: checkInteger(
      'aggregation.maxRecords',
      v.maxRecords ?? PRODUCER_DEFAULTS.aggregation.maxRecords,
      1,
      1_000_000,
    ),
  };
}

/** Validates `options` and fills in the defaults; throws a ConfigError naming the first bad field. */
export function compileProducerOptions(options: ProducerOptions): CompiledProducerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'pass { kinesis, streamName, … }');
  }
  if (typeof options.kinesis?.send !== 'function') {
    throw new ConfigError('kinesis', 'pass a KinesisClient (createKinesisClient from src/aws/clients)');
  }
  if (typeof options.streamName !== 'string' || !STREAM_NAME.test(options.streamName)) {
    throw new ConfigError(
      'streamName',
      `${JSON.stringify(options.streamName)} is not a stream name: 1-128 letters, digits, "_", "-" or "."`,
    );
  }
  /** A top-level option as given, or its default. */
  const given = (field: keyof typeof PRODUCER_DEFAULTS): unknown =>
    options[field] ?? PRODUCER_DEFAULTS[field];
  const maxBufferedBytes = checkInteger(
    'maxBufferedBytes',
    given('maxBufferedBytes'),
    MAX_RECORD_BYTES,
    Number.MAX_SAFE_INTEGER,
    ' (the buffer must hold the largest record, 1 MiB)',
  );
  const initialDelayMs = checkDuration(
    'retry.initialDelay',
    options.retry?.initialDelay ?? PRODUCER_DEFAULTS.retry.initialDelay,
    1,
    60_000,
  );
  const maxDelayMs = checkDuration(
    'retry.maxDelay',
    options.retry?.maxDelay ?? PRODUCER_DEFAULTS.retry.maxDelay,
    1,
    600_000,
  );
  if (maxDelayMs < initialDelayMs) {
    throw new ConfigError(
      'retry.maxDelay',
      `${formatDuration(maxDelayMs)} must not be lower than retry.initialDelay (${formatDuration(initialDelayMs)})`,
    );
  }
  if (options.metricMeter !== undefined && typeof options.metricMeter?.createCounter !== 'function') {
    throw new ConfigError('metricMeter', 'pass a MetricMeter from @temporalio/common, or leave it out');
  }
  const ttl = checkDuration('recordTtl', given('recordTtl'), 0, 7 * 86_400_000);
  return {
    kinesis: options.kinesis,
    streamName: options.streamName,
    aggregation: compileAggregation(options.aggregation),
    maxBufferedTimeMs: checkDuration('maxBufferedTime', given('maxBufferedTime'), 0, 60_000),
    maxBufferedRecords: checkInteger('maxBufferedRecords', given('maxBufferedRecords'), 1, 10_000_000),
    maxBufferedBytes,
    maxInFlightRequests: checkInteger('maxInFlightRequests', given('maxInFlightRequests'), 1, 1000),
    rateLimit: checkInteger(
      'rateLimit',
      given('rateLimit'),
      1,
      1000,
      ' (percent of each shard’s write limit)',
    ),
    retry: { initialDelayMs, maxDelayMs },
    recordTtlMs: ttl === 0 ? Infinity : ttl,
    shardMapMaxAgeMs: checkDuration('shardMapMaxAge', given('shardMapMaxAge'), 1000, 86_400_000),
    metricMeter: options.metricMeter ?? null,
  };
}
