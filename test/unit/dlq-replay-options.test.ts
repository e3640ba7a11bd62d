import {
  type DlqReplayOptions,
  compileDlqReplayOptions,
  replayRetryDelayMs,
} from '../../src/config/replay-options';
import { expectConfigError } from '../helpers/config-error';

const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';
const PARKING = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-parking';
const raw = (value: unknown): DlqReplayOptions => value as DlqReplayOptions;

describe('compileDlqReplayOptions', () => {
  it('fills every default', () => {
    // Act
    const compiled = compileDlqReplayOptions({ queueUrl: DLQ });
    // Assess
    expect(compiled).toEqual({
      queueUrl: DLQ,
      mode: 'handler',
      targetStream: null,
      filters: { errorTypes: [], streamNames: [], shardIds: [], since: null, until: null, partitionKeys: [] },
      ratePerSecond: null,
      maxMessages: null,
      dryRun: false,
      maxTries: 3,
      parkingQueueUrl: null,
      parkUnreadable: false,
      emptyGracePeriodMs: 20_000,
      retryDelayMs: 30_000,
      visibilityTimeoutMs: 300_000,
      holdForMs: 3_600_000,
      receiveWaitMs: 5_000,
      reportIntervalMs: 5_000,
      maxHistoryEvents: 10_000,
    });
  });

  it('normalises filter times to ISO-8601 and drops repeated list entries', () => {
    // Act
    const compiled = compileDlqReplayOptions({
      queueUrl: DLQ,
      mode: 'reput',
      targetStream: 'orders-replay',
      filters: {
        since: '2026-03-01T09:00:00+01:00',
        until: '2026-03-01T10:00:00Z',
        shardIds: ['shardId-000000000001', 'shardId-000000000001'],
        partitionKeys: ['k1'],
      },
      ratePerSecond: 500,
      parkingQueueUrl: PARKING,
      parkUnreadable: true,
      emptyGracePeriod: '2s',
    });
    // Assess
    expect(compiled).toMatchObject({
      mode: 'reput',
      targetStream: 'orders-replay',
      filters: {
        since: '2026-03-01T08:00:00.000Z',
        until: '2026-03-01T10:00:00.000Z',
        shardIds: ['shardId-000000000001'],
        partitionKeys: ['k1'],
      },
      ratePerSecond: 500,
      parkUnreadable: true,
      emptyGracePeriodMs: 2_000,
    });
  });

  describe.each<[string, unknown, string, string]>([
    ['options null', null, 'options', 'must be an object'],
    ['no queueUrl', {}, 'queueUrl', 'is not an SQS queue URL'],
    ['a queue name instead of a URL', { queueUrl: 'orders-dlq' }, 'queueUrl', 'is not an SQS queue URL'],
    ['an unknown mode', { queueUrl: DLQ, mode: 'resend' }, 'mode', 'is not a replay mode'],
    [
      'a target stream in handler mode',
      { queueUrl: DLQ, targetStream: 'x' },
      'targetStream',
      'only used with mode "reput"',
    ],
    [
      'a bad target stream',
      { queueUrl: DLQ, mode: 'reput', targetStream: 'my stream' },
      'targetStream',
      'is not a Kinesis stream name',
    ],
    ['filters as a list', { queueUrl: DLQ, filters: [] }, 'filters', 'must be an object'],
    [
      'a since that is no time',
      { queueUrl: DLQ, filters: { since: 'yesterday' } },
      'filters.since',
      'is not a time',
    ],
    [
      'until before since',
      { queueUrl: DLQ, filters: { since: '2026-03-02T00:00:00Z', until: '2026-03-01T00:00:00Z' } },
      'filters.until',
      'is not after filters.since',
    ],
    [
      'shard ids as a string',
      { queueUrl: DLQ, filters: { shardIds: 'shardId-1' } },
      'filters.shardIds',
      'is not a list',
    ],
    [
      'an empty error type',
      { queueUrl: DLQ, filters: { errorTypes: [''] } },
      'filters.errorTypes[0]',
      'non-empty string',
    ],
    [
      'a bad stream filter',
      { queueUrl: DLQ, filters: { streamNames: ['a b'] } },
      'filters.streamNames',
      'stream name',
    ],
    ['rate 0', { queueUrl: DLQ, ratePerSecond: 0 }, 'ratePerSecond', 'records per second'],
    ['maxMessages 0', { queueUrl: DLQ, maxMessages: 0 }, 'maxMessages', 'from 1'],
    ['maxTries 0', { queueUrl: DLQ, maxTries: 0 }, 'maxTries', 'from 1 to 1000'],
    ['dryRun as a string', { queueUrl: DLQ, dryRun: 'yes' }, 'dryRun', 'use true or false'],
    [
      'a parking queue that is the DLQ',
      { queueUrl: DLQ, parkingQueueUrl: DLQ },
      'parkingQueueUrl',
      'the queue being replayed',
    ],
    [
      'a parking queue that is no URL',
      { queueUrl: DLQ, parkingQueueUrl: 'parking' },
      'parkingQueueUrl',
      'is not an SQS queue URL',
    ],
    [
      'parkUnreadable without a parking queue',
      { queueUrl: DLQ, parkUnreadable: true },
      'parkUnreadable',
      'needs parkingQueueUrl',
    ],
    ['a receive wait over 20s', { queueUrl: DLQ, receiveWait: '21s' }, 'receiveWait', 'out of range'],
    [
      'a visibility timeout over 12h',
      { queueUrl: DLQ, visibilityTimeout: '13h' },
      'visibilityTimeout',
      'out of range',
    ],
    ['holdFor below 1s', { queueUrl: DLQ, holdFor: 10 }, 'holdFor', 'out of range'],
    [
      'a grace period that is no duration',
      { queueUrl: DLQ, emptyGracePeriod: 'a while' },
      'emptyGracePeriod',
      'is not a duration',
    ],
    ['a retry delay over 15m', { queueUrl: DLQ, retryDelay: '16m' }, 'retryDelay', 'out of range'],
    [
      'a report interval not below the visibility timeout',
      { queueUrl: DLQ, reportInterval: '10s', visibilityTimeout: '10s' },
      'reportInterval',
      'must be shorter than visibilityTimeout',
    ],
    [
      'maxHistoryEvents below 20',
      { queueUrl: DLQ, maxHistoryEvents: 5 },
      'maxHistoryEvents',
      'from 20 to 50000',
    ],
  ])('%s', (_what, options, field, message) => {
    it(`is a ConfigError naming ${field}`, () => {
      expectConfigError(() => compileDlqReplayOptions(raw(options)), field, message);
    });
  });
});

describe('replayRetryDelayMs', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [10, 900_000],
  ])('after try %i waits %i ms', (tries, expected) => {
    // Act
    const delay = replayRetryDelayMs({ retryDelayMs: 30_000 }, tries);
    // Assess
    expect(delay).toBe(expected);
  });
});
