import { describeDlqMessage, formatDlqPeek, previewBytes } from '../../src/dlq/describe';
import { buildDlqMessages } from '../../src/dlq/envelope';
import { makeBatch, makeRecord, SHARD_ID, STREAM_NAME } from '../helpers/records';

const meta = {
  messageId: '3c2e9f1a-0000-4000-8000-000000000001',
  receiveCount: 4,
  replayTries: 2,
  sentAt: '2026-03-01T12:00:01.000Z',
};
const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';

function body(records = makeBatch(3), maxMessageBytes = 1_048_576): string {
  return (
    buildDlqMessages(
      {
        streamName: STREAM_NAME,
        shardId: SHARD_ID,
        records,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
        condition: 'RetryAttemptsExhausted',
        error: { type: 'PoisonError', message: 'cannot parse record' },
        attempts: 3,
        handler: 'test',
        now: new Date('2026-03-01T12:00:00Z'),
      },
      { maxMessageBytes },
    )[0]?.body ?? ''
  );
}

describe('previewBytes', () => {
  it.each([
    ['printable text', new TextEncoder().encode('{"key":"k","n":1}'), '{\\"key\\":\\"k\\",\\"n\\":1}'],
    ['text with a newline', new TextEncoder().encode('a\nb'), 'a\\nb'],
    ['binary', Uint8Array.from([0, 255, 1]), '0x00ff01'],
    ['long text, cut', new TextEncoder().encode('x'.repeat(60)), `${'x'.repeat(48)}…`],
    ['text cut inside a code point', new TextEncoder().encode(`${'x'.repeat(47)}é`), `${'x'.repeat(47)}…`],
  ])('%s', (_what, bytes, expected) => {
    // Act
    const preview = previewBytes(bytes);
    // Assess
    expect(preview).toBe(expected);
  });
});

describe('describeDlqMessage', () => {
  it('summarises an envelope: stream, shard, error, attempts, records and the first data', () => {
    // Act
    const summary = describeDlqMessage(body(), meta);
    // Assess
    expect(summary).toEqual({
      ...meta,
      readable: true,
      streamName: STREAM_NAME,
      shardId: SHARD_ID,
      condition: 'RetryAttemptsExhausted',
      error: { type: 'PoisonError', message: 'cannot parse record' },
      attempts: 3,
      records: 3,
      recordsIncluded: true,
      part: { index: 0, count: 1 },
      deadLetteredAt: '2026-03-01T12:00:00.000Z',
      startSequenceNumber: makeBatch(1)[0]!.sequenceNumber,
      firstData: 'record-0',
      firstPartitionKey: 'key-0',
    });
  });

  it('says when the records were not included', () => {
    // Act
    const summary = describeDlqMessage(body([makeRecord({ data: new Uint8Array(20_000) })], 10_000), meta);
    // Assess
    expect(summary).toMatchObject({ readable: true, recordsIncluded: false, records: 1, firstData: null });
  });

  it.each([
    ['garbage bytes', '\u0000\u00ff garbage', 'not-json'],
    ['foreign JSON', '{"kind":"orders.created","id":7}', 'foreign'],
    ['another envelope version', body().replace('"version":1', '"version":2'), 'unknown-version'],
    ['a broken envelope', body().replace('"attempts":3', '"attempts":-1'), 'invalid'],
  ])('flags %s as not replayable, with the reason and the first bytes', (_what, text, problem) => {
    // Act
    const summary = describeDlqMessage(text, meta);
    // Assess
    expect(summary).toMatchObject({ readable: false, problem, messageId: meta.messageId });
    expect(summary.readable ? '' : summary.bodyPreview.length).toBeGreaterThan(0);
  });
});

describe('formatDlqPeek', () => {
  it('lists messages readably and flags what a replay cannot read', () => {
    // Prepare
    const summaries = [
      describeDlqMessage(body(), meta),
      describeDlqMessage('{"kind":"orders.created"}', meta),
    ];
    // Act
    const text = formatDlqPeek(DLQ, summaries);
    // Assess
    const [headline, legend, header, good, foreign] = text.split('\n');
    expect(headline).toBe(
      `${DLQ}: 2 message(s), 3 record(s), 1 not replayable (!!): a replay leaves them for a person`,
    );
    expect(legend).toContain('TRIES');
    expect(header).toMatch(
      /^MESSAGE\s+STREAM\/SHARD\s+ERROR\s+TRIES\s+RECORDS\s+DEAD-LETTERED\s+FIRST DATA$/,
    );
    expect(good).toContain(`${STREAM_NAME}/${SHARD_ID}`);
    expect(good).toContain('RetryAttemptsExhausted: PoisonError: cannot parse record');
    expect(good).toContain('3+2');
    expect(good).toContain('key-0: record-0');
    expect(foreign).toContain('!! FOREIGN');
    expect(foreign).toContain('{\\"kind\\":\\"orders.created\\"}');
  });

  it('says when the queue shows nothing', () => {
    // Act
    const text = formatDlqPeek(DLQ, []);
    // Assess
    expect(text).toBe(`${DLQ}: no visible messages`);
  });
});
