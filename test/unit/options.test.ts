import { ConfigError } from '../../src/errors';
import {
  type CompiledRetry,
  compileStreamOptions,
  retryDelayMs,
  shardStartPosition,
  type StreamProcessorOptions,
} from '../../src/config/stream-options';
import { parseDuration } from '../../src/config/duration';
import { expectConfigError } from '../helpers/config-error';

const NOW = new Date('2026-03-01T12:00:00Z');
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';
const base: StreamProcessorOptions = { streamName: 'orders', dlqQueueUrl: DLQ };

/** Options as a caller from JSON or the CLI may pass them: any shape. */
const raw = (value: unknown): StreamProcessorOptions => value as StreamProcessorOptions;

describe('compileStreamOptions', () => {
  it('fills every default', () => {
    // Act
    const compiled = compileStreamOptions(base, NOW);
    // Assess
    expect(compiled).toEqual({
      streamName: 'orders',
      startPosition: { type: 'TRIM_HORIZON' },
      batchSize: 100,
      maxPollWaitMs: 300_000,
      idlePollIntervalMs: 1_000,
      busyPollIntervalMs: 400,
      maxActivityLifetimeMs: 600_000,
      maxBatchingWindowMs: 0,
      retry: {
        maximumAttempts: 3,
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maximumIntervalMs: 60_000,
        nonRetryableErrorTypes: [],
      },
      maximumRecordAgeMs: null,
      bisectBatchOnError: false,
      dlqQueueUrl: DLQ,
      errorDetail: 'message',
      progressIntervalMs: 10_000,
      heartbeatTimeoutMs: 30_000,
      maxHistoryEvents: 10_000,
      parallelization: 1,
      quarantineKeys: false,
      maxQuarantinedKeys: 100,
      maxOwedRecords: 100,
    });
  });

  it('converts durations and normalises an AT_TIMESTAMP start to ISO-8601', () => {
    // Act
    const compiled = compileStreamOptions(
      {
        ...base,
        startPosition: { type: 'AT_TIMESTAMP', timestamp: '2026-02-28T08:00:00+01:00' },
        maxPollWait: '90s',
        idlePollInterval: 250,
        retry: { initialInterval: '500ms', maximumInterval: '2m', backoffCoefficient: 1.5 },
      },
      NOW,
    );
    // Assess
    expect(compiled).toMatchObject({
      startPosition: { type: 'AT_TIMESTAMP', timestamp: '2026-02-28T07:00:00.000Z' },
      maxPollWaitMs: 90_000,
      idlePollIntervalMs: 250,
      retry: {
        maximumAttempts: 3,
        initialIntervalMs: 500,
        maximumIntervalMs: 120_000,
        backoffCoefficient: 1.5,
      },
    });
  });

  it('compiles the failure policy: record age, bisect and non-retryable error types', () => {
    // Act
    const compiled = compileStreamOptions(
      {
        ...base,
        maximumRecordAge: '1h',
        bisectBatchOnError: true,
        retry: { nonRetryableErrorTypes: ['ValidationError', ' SyntaxError ', 'ValidationError'] },
      },
      NOW,
    );
    // Assess
    expect(compiled).toMatchObject({
      maximumRecordAgeMs: 3_600_000,
      bisectBatchOnError: true,
      retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['ValidationError', 'SyntaxError'] },
    });
  });

  it.each([null, -1])('reads maximumRecordAge %p as "never expire", as Lambda reads -1', (age) => {
    // Act
    const compiled = compileStreamOptions({ ...base, maximumRecordAge: age }, NOW);
    // Assess
    expect(compiled.maximumRecordAgeMs).toBeNull();
  });

  it('allows no DLQ when retries are infinite', () => {
    // Act
    const compiled = compileStreamOptions({ streamName: 'orders', retry: { maximumAttempts: 0 } }, NOW);
    // Assess
    expect(compiled.dlqQueueUrl).toBeNull();
  });

  describe.each<[string, unknown, string, string]>([
    ['options null', null, 'options', 'must be an object'],
    [
      'a batching window that is not a duration',
      { ...base, maxBatchingWindow: 'soon' },
      'maxBatchingWindow',
      'is not a duration',
    ],
    [
      'a batching window over 5 minutes',
      { ...base, maxBatchingWindow: '6m' },
      'maxBatchingWindow',
      'is out of range',
    ],
    ['no streamName', {}, 'streamName', 'is not a Kinesis stream name'],
    [
      'a streamName with spaces',
      { ...base, streamName: 'my orders' },
      'streamName',
      'is not a Kinesis stream name',
    ],
    [
      'a streamName of 129 characters',
      { ...base, streamName: 'x'.repeat(129) },
      'streamName',
      '1–128 characters',
    ],
    [
      'a startPosition that is a string',
      { ...base, startPosition: 'LATEST' },
      'startPosition',
      'must be an object with a "type"',
    ],
    [
      'an unknown startPosition type',
      { ...base, startPosition: { type: 'EARLIEST' } },
      'startPosition.type',
      'is not a start position',
    ],
    [
      'an AT_TIMESTAMP that is no time',
      { ...base, startPosition: { type: 'AT_TIMESTAMP', timestamp: 'yesterday' } },
      'startPosition.timestamp',
      'is not a time',
    ],
    [
      'an AT_TIMESTAMP in the future',
      { ...base, startPosition: { type: 'AT_TIMESTAMP', timestamp: '2026-03-02T00:00:00Z' } },
      'startPosition.timestamp',
      'is in the future',
    ],
    [
      'AT_SEQUENCE_NUMBER without a map',
      { ...base, startPosition: { type: 'AT_SEQUENCE_NUMBER', sequenceNumbers: {} } },
      'startPosition.sequenceNumbers',
      'must map shard IDs',
    ],
    [
      'AFTER_SEQUENCE_NUMBER with a bad number',
      {
        ...base,
        startPosition: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumbers: { 'shardId-000000000000': '49x' } },
      },
      'startPosition.sequenceNumbers.shardId-000000000000',
      'is not a sequence number',
    ],
    ['batchSize 0', { ...base, batchSize: 0 }, 'batchSize', 'from 1 to 10000'],
    ['batchSize 10001', { ...base, batchSize: 10_001 }, 'batchSize', 'from 1 to 10000'],
    ['a fractional batchSize', { ...base, batchSize: 1.5 }, 'batchSize', 'whole number'],
    ['batchSize as a string', { ...base, batchSize: '100' }, 'batchSize', 'whole number'],
    [
      'idlePollInterval below 200ms',
      { ...base, idlePollInterval: '100ms' },
      'idlePollInterval',
      'out of range',
    ],
    [
      'idlePollInterval that is no duration',
      { ...base, idlePollInterval: 'soon' },
      'idlePollInterval',
      'is not a duration',
    ],
    ['maxPollWait over an hour', { ...base, maxPollWait: '2h' }, 'maxPollWait', 'out of range'],
    ['heartbeatTimeout below 1s', { ...base, heartbeatTimeout: '500ms' }, 'heartbeatTimeout', 'out of range'],
    [
      'heartbeatTimeout not above idlePollInterval',
      { ...base, heartbeatTimeout: '2s', idlePollInterval: '2s' },
      'heartbeatTimeout',
      'must be longer than idlePollInterval',
    ],
    ['retry that is not an object', { ...base, retry: 'often' }, 'retry', 'must be an object'],
    [
      'retry.maximumAttempts negative',
      { ...base, retry: { maximumAttempts: -1 } },
      'retry.maximumAttempts',
      '0 retries forever',
    ],
    [
      'retry.maximumAttempts over 10000',
      { ...base, retry: { maximumAttempts: 10_001 } },
      'retry.maximumAttempts',
      'from 0 to 10000',
    ],
    [
      'retry.initialInterval that is no duration',
      { ...base, retry: { initialInterval: 'fast' } },
      'retry.initialInterval',
      'is not a duration',
    ],
    [
      'retry.maximumInterval of 0',
      { ...base, retry: { maximumInterval: 0 } },
      'retry.maximumInterval',
      'out of range',
    ],
    [
      'retry.backoffCoefficient below 1',
      { ...base, retry: { backoffCoefficient: 0.5 } },
      'retry.backoffCoefficient',
      'from 1 to 100',
    ],
    [
      'retry.maximumInterval below initialInterval',
      { ...base, retry: { initialInterval: '10s', maximumInterval: '5s' } },
      'retry.maximumInterval',
      'is below retry.initialInterval',
    ],
    [
      'a dlqQueueUrl that is no URL',
      { ...base, dlqQueueUrl: 'orders-dlq' },
      'dlqQueueUrl',
      'is not an SQS queue URL',
    ],
    [
      'no dlqQueueUrl with finite retries',
      { streamName: 'orders' },
      'dlqQueueUrl',
      'records that exhaust their retries would be lost',
    ],
    [
      'maximumRecordAge that is no duration',
      { ...base, maximumRecordAge: 'a week' },
      'maximumRecordAge',
      'is not a duration',
    ],
    ['maximumRecordAge below 1s', { ...base, maximumRecordAge: 500 }, 'maximumRecordAge', 'out of range'],
    [
      'maximumRecordAge over 365 days',
      { ...base, maximumRecordAge: '366d' },
      'maximumRecordAge',
      'out of range',
    ],
    [
      'maximumRecordAge without a DLQ',
      { streamName: 'orders', retry: { maximumAttempts: 0 }, maximumRecordAge: '1h' },
      'maximumRecordAge',
      'dlqQueueUrl is missing: those records would be lost',
    ],
    [
      'bisectBatchOnError as a string',
      { ...base, bisectBatchOnError: 'yes' },
      'bisectBatchOnError',
      'use true or false',
    ],
    [
      'retry.nonRetryableErrorTypes that is a string',
      { ...base, retry: { nonRetryableErrorTypes: 'ValidationError' } },
      'retry.nonRetryableErrorTypes',
      'is not a list',
    ],
    [
      'an empty non-retryable error type',
      { ...base, retry: { nonRetryableErrorTypes: ['TypeError', ' '] } },
      'retry.nonRetryableErrorTypes[1]',
      'is not an error type',
    ],
    [
      'a non-retryable error type that is no string',
      { ...base, retry: { nonRetryableErrorTypes: [42] } },
      'retry.nonRetryableErrorTypes[0]',
      'is not an error type',
    ],
    [
      'non-retryable error types without a DLQ',
      { streamName: 'orders', retry: { maximumAttempts: 0, nonRetryableErrorTypes: ['TypeError'] } },
      'retry.nonRetryableErrorTypes',
      'dlqQueueUrl is missing: those records would be lost',
    ],
    ['progressInterval below 100ms', { ...base, progressInterval: 50 }, 'progressInterval', 'out of range'],
    ['maxHistoryEvents below 20', { ...base, maxHistoryEvents: 10 }, 'maxHistoryEvents', 'from 20 to 50000'],
  ])('%s', (_what, options, field, message) => {
    it(`is a ConfigError naming ${field}`, () => {
      expectConfigError(() => compileStreamOptions(raw(options), NOW), field, message);
    });
  });
});

describe('retryDelayMs', () => {
  const retry: CompiledRetry = {
    maximumAttempts: 10,
    initialIntervalMs: 1_000,
    backoffCoefficient: 2,
    maximumIntervalMs: 60_000,
    nonRetryableErrorTypes: [],
  };

  describe.each([
    [1, 1_000],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [7, 32_000],
    [8, 60_000],
    [50, 60_000],
  ])('before attempt %i', (attempt, expected) => {
    it(`waits ${expected} ms`, () => {
      // Act
      const delay = retryDelayMs(retry, attempt);
      // Assess
      expect(delay).toBe(expected);
    });
  });
});

describe('shardStartPosition', () => {
  const position = {
    type: 'AFTER_SEQUENCE_NUMBER' as const,
    sequenceNumbers: { 'shardId-000000000001': '49' },
  };

  describe.each([
    ['a listed shard', 'shardId-000000000001', { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '49' }],
    ['a shard not listed', 'shardId-000000000002', { type: 'TRIM_HORIZON' }],
  ])('for %s', (_what, shardId, expected) => {
    it('picks its own start', () => {
      // Act
      const start = shardStartPosition(position, shardId);
      // Assess
      expect(start).toEqual(expected);
    });
  });
});

describe('option bounds (issue 15, finding 6): exact messages', () => {
  const refusal = (options: unknown): string => {
    try {
      compileStreamOptions(raw(options), NOW);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const costly = '(each poll cycle writes workflow history: a shorter one makes an idle shard costly)';

  it.each<[string, unknown, string]>([
    ['maxPollWait 0', 0, `maxPollWait: 0ms is out of range: use 1s to 1h ${costly}`],
    ['maxPollWait "0s"', '0s', `maxPollWait: 0ms is out of range: use 1s to 1h ${costly}`],
    ['maxPollWait just under 1s', '999ms', `maxPollWait: 999ms is out of range: use 1s to 1h ${costly}`],
    [
      'a duration without a unit',
      '10',
      'maxPollWait: "10" has no unit: use a unit, e.g. 10s or 10ms (units: ms, s, m, h, d)',
    ],
    [
      'a fraction without a unit',
      '1.5',
      'maxPollWait: "1.5" has no unit: use a unit, e.g. 1.5s or 1.5ms (units: ms, s, m, h, d)',
    ],
    ['spaces around a duration', ' 10s', 'maxPollWait: " 10s" has spaces around it: write 10s'],
    [
      'a space before the unit',
      '10 s',
      'maxPollWait: "10 s" is not a duration: use a number with a unit, e.g. 500ms, 5s, 2m, 1h or 7d',
    ],
    [
      'an unknown unit',
      '10sec',
      'maxPollWait: "10sec" is not a duration: use a number with a unit, e.g. 500ms, 5s, 2m, 1h or 7d',
    ],
    [
      'a negative number',
      -5,
      'maxPollWait: -5 is not a duration: use a number with a unit, e.g. 500ms, 5s, 2m, 1h or 7d',
    ],
  ])('%s is refused', (_what, maxPollWait, message) => {
    expect(refusal({ ...base, maxPollWait })).toBe(message);
  });

  it('idlePollInterval keeps its 200ms minimum, saying why', () => {
    expect(refusal({ ...base, idlePollInterval: '199ms' })).toBe(
      'idlePollInterval: 199ms is out of range: use 200ms to 1m (Kinesis allows 5 GetRecords calls/s per shard)',
    );
    expect(compileStreamOptions({ ...base, idlePollInterval: '200ms' }, NOW).idlePollIntervalMs).toBe(200);
  });

  it.each<[unknown, number]>([
    ['1s', 1_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [90_000, 90_000], // from TypeScript, a number is milliseconds, as the Duration type documents
  ])('maxPollWait %p is %d ms', (maxPollWait, ms) => {
    expect(compileStreamOptions(raw({ ...base, maxPollWait }), NOW).maxPollWaitMs).toBe(ms);
  });

  it('zero needs no unit where 0 is allowed', () => {
    expect(compileStreamOptions(raw({ ...base, maxBatchingWindow: '0' }), NOW).maxBatchingWindowMs).toBe(0);
    expect(compileStreamOptions(raw({ ...base, maxBatchingWindow: 0 }), NOW).maxBatchingWindowMs).toBe(0);
  });

  it('integers from JSON must be whole numbers, not strings', () => {
    expect(refusal({ ...base, batchSize: '1e3' })).toBe(
      'batchSize: "1e3" is invalid: use a whole number from 1 to 10000',
    );
    expect(refusal({ ...base, batchSize: 1.5 })).toBe(
      'batchSize: 1.5 is invalid: use a whole number from 1 to 10000',
    );
  });
});

describe('parseDuration', () => {
  it.each<[unknown, number | undefined]>([
    ['250ms', 250],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['0', 0],
    [0, 0],
    [1500, 1500],
    ['10', undefined],
    ['0x10s', undefined],
    ['1e3ms', undefined],
    [' 5s', undefined],
    ['5s ', undefined],
    ['-5s', undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [null, undefined],
    [true, undefined],
  ])('%p → %p', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });
});

describe('consuming loop options', () => {
  it('busyPollInterval defaults to 400ms, never above idlePollInterval, and is refused above it when given', () => {
    expect(compileStreamOptions({ ...base, idlePollInterval: '300ms' }, NOW).busyPollIntervalMs).toBe(300);
    expect(() => compileStreamOptions({ ...base, busyPollInterval: '2s' }, NOW)).toThrow(
      'busyPollInterval: 2s is longer than idlePollInterval (1s): lower it, or raise idlePollInterval',
    );
    expect(() => compileStreamOptions({ ...base, busyPollInterval: '100ms' }, NOW)).toThrow(
      /busyPollInterval/,
    );
  });

  it('maxActivityLifetime defaults to the 10m loop; 0 means one batch per activity', () => {
    expect(compileStreamOptions(base, NOW).maxActivityLifetimeMs).toBe(600_000);
    expect(compileStreamOptions({ ...base, maxActivityLifetime: 0 }, NOW).maxActivityLifetimeMs).toBe(0);
    expect(compileStreamOptions({ ...base, maxActivityLifetime: '0s' }, NOW).maxActivityLifetimeMs).toBe(0);
  });

  it('maxActivityLifetime is 10s to 1h', () => {
    expect(compileStreamOptions({ ...base, maxActivityLifetime: '30m' }, NOW).maxActivityLifetimeMs).toBe(
      1_800_000,
    );
    expect(() => compileStreamOptions({ ...base, maxActivityLifetime: '2h' }, NOW)).toThrow(
      /maxActivityLifetime/,
    );
    expect(() => compileStreamOptions({ ...base, maxActivityLifetime: '1s' }, NOW)).toThrow(
      /maxActivityLifetime/,
    );
  });
});
