import {
  type DlqEnvelope,
  buildDlqMessages,
  decodeDlqRecords,
  parseDlqMessage,
  sqsMessageBytes,
} from '../../src/dlq/envelope';
import { messageFilterMiss, selectRecords } from '../../src/dlq/filter';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import {
  REPLAY_TRIES_ATTRIBUTE,
  parkedMessage,
  priorTries,
  requeueMessages,
  retriedMessage,
} from '../../src/dlq/requeue';
import { makeBatch, SHARD_ID, STREAM_NAME } from '../helpers/records';

const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';
const BIG = 1_048_576;
const records = makeBatch(4);

function envelope(over: Partial<Parameters<typeof buildDlqMessages>[0]> = {}): DlqEnvelope {
  const [message] = buildDlqMessages(
    {
      streamName: STREAM_NAME,
      shardId: SHARD_ID,
      records,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
      condition: 'RetryAttemptsExhausted',
      error: { type: 'TypeError', message: 'boom', stack: 'TypeError: boom' },
      attempts: 3,
      handler: 'test',
      now: new Date('2026-03-01T12:00:00Z'),
      ...over,
    },
    { maxMessageBytes: BIG },
  );
  const parsed = parseDlqMessage(message?.body ?? '');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.envelope;
}

const filters = (f: Parameters<typeof compileDlqReplayOptions>[0]['filters']) =>
  compileDlqReplayOptions({ queueUrl: DLQ, filters: f }).filters;

describe('messageFilterMiss', () => {
  it.each<[string, Parameters<typeof filters>[0], string | null]>([
    ['no filter', {}, null],
    ['its stream', { streamNames: ['orders'] }, null],
    ['another stream', { streamNames: ['payments'] }, 'stream orders not selected'],
    ['another shard', { shardIds: ['shardId-000000000009'] }, `shard ${SHARD_ID} not selected`],
    ['its error type', { errorTypes: ['TypeError', 'RangeError'] }, null],
    ['another error type', { errorTypes: ['RangeError'] }, 'error type TypeError not selected'],
    ['a range holding it', { since: '2026-03-01T12:00:00Z', until: '2026-03-01T12:00:01Z' }, null],
    [
      'a range that ends at it',
      { until: '2026-03-01T12:00:00Z' },
      'dead-lettered at or after 2026-03-01T12:00:00.000Z',
    ],
    ['a range after it', { since: '2026-03-01T12:00:01Z' }, 'dead-lettered before 2026-03-01T12:00:01.000Z'],
  ])('%s', (_what, f, miss) => {
    // Act
    const result = messageFilterMiss(envelope(), filters(f));
    // Assess
    expect(result).toBe(miss);
  });
});

describe('selectRecords', () => {
  it('keeps every record without a partition-key filter', () => {
    // Act
    const { selected, rest } = selectRecords(records, filters({}));
    // Assess
    expect([selected.length, rest.length]).toEqual([4, 0]);
  });

  it('splits by partition key, both sides in stream order', () => {
    // Act (makeBatch keys: key-0, key-1, key-2, key-0)
    const { selected, rest } = selectRecords(records, filters({ partitionKeys: ['key-0'] }));
    // Assess
    expect(selected.map((r) => r.sequenceNumber)).toEqual([
      records[0]!.sequenceNumber,
      records[3]!.sequenceNumber,
    ]);
    expect(rest.map((r) => r.sequenceNumber)).toEqual([
      records[1]!.sequenceNumber,
      records[2]!.sequenceNumber,
    ]);
  });
});

describe('requeueMessages', () => {
  it('puts records back as an envelope of the same stream, shard, condition and time, with the tries used', () => {
    // Prepare
    const original = envelope();
    // Act
    const [message, ...more] = requeueMessages(original, records.slice(1, 3), {
      maxMessageBytes: BIG,
      tries: 2,
      error: { type: 'BatchItemFailures', message: '2 of 4 failed' },
    });
    const parsed = parseDlqMessage(message?.body ?? '');
    // Assess
    expect(more).toEqual([]);
    expect(parsed.ok).toBe(true);
    const back = (parsed as { envelope: DlqEnvelope }).envelope;
    expect(back).toMatchObject({
      timestamp: original.timestamp,
      requestContext: original.requestContext,
      streamName: STREAM_NAME,
      attempts: 3,
      error: { type: 'BatchItemFailures', message: '2 of 4 failed' },
      KinesisBatchInfo: { shardId: SHARD_ID, batchSize: 2, streamArn: original.KinesisBatchInfo.streamArn },
    });
    expect(decodeDlqRecords(back)).toEqual(records.slice(1, 3));
    expect(priorTries(message?.attributes)).toBe(2);
    expect(message?.attributes['ksp.errorType']?.StringValue).toBe('BatchItemFailures');
  });

  it('keeps the original error when none is given, and stays within the size limit with the tries attribute', () => {
    // Prepare
    const original = envelope();
    const whole = requeueMessages(original, records, { maxMessageBytes: BIG, tries: 1 });
    const exact = sqsMessageBytes(whole[0]!);
    // Act
    const atLimit = requeueMessages(original, records, { maxMessageBytes: exact, tries: 1 });
    const overLimit = requeueMessages(original, records, { maxMessageBytes: exact - 1, tries: 1 });
    // Assess
    expect(atLimit).toHaveLength(1);
    expect(overLimit.length).toBeGreaterThan(1);
    expect(overLimit.every((m) => sqsMessageBytes(m) <= exact - 1)).toBe(true);
    expect(parseDlqMessage(atLimit[0]!.body)).toMatchObject({
      ok: true,
      envelope: { error: { type: 'TypeError' } },
    });
  });
});

describe('priorTries', () => {
  it.each([
    [undefined, 0],
    [{}, 0],
    [{ [REPLAY_TRIES_ATTRIBUTE]: { DataType: 'String', StringValue: '3' } }, 3],
    [{ [REPLAY_TRIES_ATTRIBUTE]: { DataType: 'String', StringValue: 'x' } }, 0],
    [{ [REPLAY_TRIES_ATTRIBUTE]: { DataType: 'String', StringValue: '-2' } }, 0],
  ])('%p → %i', (attributes, expected) => {
    // Act
    const tries = priorTries(attributes);
    // Assess
    expect(tries).toBe(expected);
  });
});

describe('retriedMessage', () => {
  it('keeps the body and the attributes, and counts the try', () => {
    // Prepare
    const stream = { DataType: 'String', StringValue: 'orders' };
    const tries = (n: number) => ({ DataType: 'String', StringValue: String(n) });
    // Act
    const again = retriedMessage(
      '{"kind":"ksp.dlq"}',
      { 'ksp.stream': stream, [REPLAY_TRIES_ATTRIBUTE]: tries(1) },
      2,
    );
    // Assess
    expect(again).toEqual({
      body: '{"kind":"ksp.dlq"}',
      attributes: { 'ksp.stream': stream, [REPLAY_TRIES_ATTRIBUTE]: tries(2) },
    });
    expect(priorTries(again.attributes)).toBe(2);
  });
});

describe('parkedMessage', () => {
  const info = {
    reason: 'replay failed 3 times',
    sourceQueueUrl: DLQ,
    tries: 3,
    at: new Date('2026-03-01T13:00:00Z'),
  };

  it('keeps the body and the original attributes, and adds why, from where, when and the tries', () => {
    // Act
    const parked = parkedMessage(
      'garbage \u0000 body',
      { custom: { DataType: 'Number', StringValue: '7' } },
      info,
      BIG,
    );
    // Assess
    expect(parked.body).toBe('garbage \u0000 body');
    expect(parked.attributes).toEqual({
      custom: { DataType: 'Number', StringValue: '7' },
      'ksp.parkedReason': { DataType: 'String', StringValue: 'replay failed 3 times' },
      'ksp.replayTries': { DataType: 'String', StringValue: '3' },
      'ksp.parkedFrom': { DataType: 'String', StringValue: DLQ },
      'ksp.parkedAt': { DataType: 'String', StringValue: '2026-03-01T13:00:00.000Z' },
    });
  });

  it('moves a message that already uses all 10 attributes exactly as it was', () => {
    // Prepare
    const ten = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: String(i) }]),
    );
    // Act
    const parked = parkedMessage('{}', ten, info, BIG);
    // Assess
    expect(parked.attributes).toEqual(ten);
  });

  it('adds no attribute that would take the message over the size limit', () => {
    // Act
    const parked = parkedMessage('x'.repeat(100), undefined, info, 100 + 20);
    // Assess
    expect(Object.keys(parked.attributes)).toEqual([]);
  });
});
