/**
 * The options compilers on random and mutated input: whatever a config file, the CLI or a
 * JavaScript caller passes, they either return plain-JSON options or throw the documented
 * ConfigError naming the field — never a TypeError from deep inside.
 */
import fc from 'fast-check';
import { compileAutoscaleOptions, type AutoscaleOptions } from '../../src/config/autoscale-options';
import { compileDlqReplayOptions, type DlqReplayOptions } from '../../src/config/replay-options';
import { compileStreamOptions, type StreamProcessorOptions } from '../../src/config/stream-options';
import { duration, expectSuccessOrConfigError, oddValue, validOrOdd } from '../helpers/arbitraries';

const RUNS = { numRuns: 300 };
const NOW = new Date('2026-12-01T12:00:00Z');

/** Applied to each field's valid arbitrary: `same` gives valid options, `validOrOdd` mixed ones. */
type Wrap = (valid: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>;
type Fields = (f: Wrap) => Record<string, fc.Arbitrary<unknown>>;
const same: Wrap = (valid) => valid;

const queueUrl = fc.constantFrom(
  'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq',
  'http://127.0.0.1:4566/000000000000/dlq',
);
const streamName = fc.constantFrom('orders', 'clicks.v2', 'a');
const sequence = fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String);
const isoTime = fc.date({ noInvalidDate: true, max: NOW }).map((d) => d.toISOString());
const fraction = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const some = (f: Wrap, items: fc.Arbitrary<unknown>) => f(fc.array(f(items), { maxLength: 3 }));

const startPosition = (f: Wrap) =>
  fc.oneof(
    fc.constantFrom({ type: 'TRIM_HORIZON' }, { type: 'LATEST' }),
    fc.record({ type: fc.constant('AT_TIMESTAMP'), timestamp: f(isoTime) }),
    fc.record({
      type: f(fc.constantFrom('AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER')),
      sequenceNumbers: f(fc.dictionary(fc.string({ maxLength: 24 }), f(sequence), { minKeys: 1 })),
    }),
  );

const streamFields: Fields = (f) => ({
  streamName: f(streamName),
  startPosition: f(startPosition(f)),
  batchSize: f(fc.integer({ min: 1, max: 10_000 })),
  maxPollWait: f(duration(0, 3_600_000)),
  idlePollInterval: f(duration(200, 60_000)),
  maxBatchingWindow: f(duration(0, 300_000)),
  retry: f(
    fc.record(
      {
        maximumAttempts: f(fc.integer({ min: 0, max: 20 })),
        initialInterval: f(duration(1, 60_000)),
        backoffCoefficient: f(fc.double({ min: 1, max: 100, noNaN: true })),
        maximumInterval: f(duration(60_000, 3_600_000)),
        nonRetryableErrorTypes: some(f, fc.stringMatching(/^[A-Za-z]{1,20}$/)),
      },
      { requiredKeys: [] },
    ),
  ),
  maximumRecordAge: f(fc.oneof(fc.constant(null), fc.constant(-1), duration(1_000, 365 * 86_400_000))),
  bisectBatchOnError: f(fc.boolean()),
  dlqQueueUrl: f(queueUrl),
  progressInterval: f(duration(100, 3_600_000)),
  heartbeatTimeout: f(duration(60_000, 600_000)),
  maxHistoryEvents: f(fc.integer({ min: 20, max: 50_000 })),
});

const replayFields: Fields = (f) => ({
  queueUrl: f(queueUrl),
  mode: f(fc.constantFrom('handler', 'reput')),
  targetStream: f(fc.option(streamName, { freq: 2 })),
  filters: f(
    fc.record(
      {
        errorTypes: some(f, fc.string({ minLength: 1 })),
        streamNames: some(f, streamName),
        shardIds: some(f, fc.string({ minLength: 1 })),
        since: f(isoTime),
        until: f(isoTime),
        partitionKeys: some(f, fc.string({ minLength: 1 })),
      },
      { requiredKeys: [] },
    ),
  ),
  ratePerSecond: f(fc.option(fc.integer({ min: 1, max: 1_000_000 }))),
  maxMessages: f(fc.option(fc.integer({ min: 1, max: 1_000 }))),
  dryRun: f(fc.boolean()),
  maxTries: f(fc.integer({ min: 1, max: 1_000 })),
  parkingQueueUrl: f(fc.option(fc.constant('https://sqs.us-east-1.amazonaws.com/123456789012/parked'))),
  parkUnreadable: f(fc.boolean()),
  emptyGracePeriod: f(duration(0, 86_400_000)),
  retryDelay: f(duration(0, 900_000)),
  visibilityTimeout: f(duration(600_001, 43_200_000)),
  holdFor: f(duration(1_000, 43_200_000)),
  receiveWait: f(duration(0, 20_000)),
  reportInterval: f(duration(100, 600_000)),
  maxHistoryEvents: f(fc.integer({ min: 20, max: 50_000 })),
});

const autoscaleFields: Fields = (f) => ({
  streamName: f(streamName),
  minShards: f(fc.integer({ min: 1, max: 4 })),
  maxShards: f(fc.integer({ min: 4, max: 64 })),
  scaleUpThreshold: f(fraction(0.6, 1)),
  scaleDownThreshold: f(fraction(0.01, 0.29)),
  targetUtilisation: f(fraction(0.3, 0.59)),
  scaleUpWindow: f(duration(7_200_000, 86_400_000)),
  scaleDownWindow: f(duration(7_200_000, 86_400_000)),
  cooldown: f(duration(0, 86_400_000)),
  sampleInterval: f(duration(1_000, 3_600_000)),
  maxLag: f(fc.option(duration(1_000, 86_400_000))),
  lagHold: f(duration(0, 86_400_000)),
  reserveForScaleUp: f(fc.integer({ min: 0, max: 9 })),
  dryRun: f(fc.boolean()),
  maxDecisions: f(fc.integer({ min: 10, max: 10_000 })),
  maxHistoryEvents: f(fc.integer({ min: 100, max: 50_000 })),
});

const COMPILERS = [
  {
    name: 'compileStreamOptions',
    compile: (input: unknown) => compileStreamOptions(input as StreamProcessorOptions, NOW),
    fields: streamFields,
    required: ['streamName', 'dlqQueueUrl'],
    whole: 'options',
  },
  {
    name: 'compileDlqReplayOptions',
    compile: (input: unknown) => compileDlqReplayOptions(input as DlqReplayOptions),
    fields: replayFields,
    required: ['queueUrl'],
    whole: 'options',
  },
  {
    name: 'compileAutoscaleOptions',
    compile: (input: unknown) => compileAutoscaleOptions(input as AutoscaleOptions),
    fields: autoscaleFields,
    required: ['streamName', 'maxShards'],
    whole: 'autoscale',
  },
];

describe.each(COMPILERS)('$name', ({ compile, fields, required, whole }) => {
  const names = [whole, ...Object.keys(fields(same))];
  const valid = fc.record(fields(same), { requiredKeys: required });
  const mixed = fc.record(fields(validOrOdd), { requiredKeys: [] });

  it('compiles any input to plain JSON or throws a ConfigError naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(oddValue, mixed), (input) => {
        expectSuccessOrConfigError(() => compile(input), names, input);
      }),
      RUNS,
    );
  });

  it('keeps to that when one field of valid options, or an extra key, gets an odd value', () => {
    const key = fc.oneof(fc.constantFrom(...names.slice(1)), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(valid, key, oddValue, (input, name, value) => {
        const mutated = { ...input, [name]: value };
        expectSuccessOrConfigError(() => compile(mutated), names, mutated);
      }),
      RUNS,
    );
  });
});
