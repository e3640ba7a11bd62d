import {
  buildDlqMessages,
  decodeDlqRecords,
  decodeParsedRecords,
  DLQ_ENVELOPE_VERSION,
  type DlqBatchInput,
  type DlqCondition,
  type DlqEnvelope,
  type DlqMessage,
  type DlqRecord,
  parseDlqMessage,
  sqsMessageBytes,
  STACK_MAX_BYTES,
} from '../../src/dlq/envelope';
import type { KinesisRecord } from '../../src/records';
import {
  makeAggregate,
  makeBatch,
  makeRecord,
  sequenceNumber,
  SHARD_ID,
  STREAM_NAME,
} from '../helpers/records';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
const NOW = new Date('2026-03-02T08:00:00.000Z');
const BIG = 1_048_576;

function input(records: readonly KinesisRecord[], overrides: Partial<DlqBatchInput> = {}): DlqBatchInput {
  return {
    streamName: STREAM_NAME,
    shardId: SHARD_ID,
    records,
    streamArn: STREAM_ARN,
    condition: 'RetryAttemptsExhausted',
    error: {
      type: 'TypeError',
      message: 'Cannot read properties of undefined',
      stack: 'TypeError: x\n    at handler (h.js:1:1)',
    },
    attempts: 3,
    handler: 'native handler /srv/h.js#handler',
    now: NOW,
    ...overrides,
  };
}

function envelopeOf(message: DlqMessage | undefined): DlqEnvelope {
  const parsed = parseDlqMessage(message?.body ?? '');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.envelope;
}

/** Records of `bytes` bytes of data each. */
function sized(count: number, bytes: number): KinesisRecord[] {
  return makeBatch(count, (i) => ({ data: new Uint8Array(bytes).fill(65 + i) }));
}

describe('buildDlqMessages', () => {
  it('round-trips a batch through one message', () => {
    // Prepare
    const records = [
      makeRecord({
        sequenceNumber: sequenceNumber(1),
        explicitHashKey: '12345',
        data: new Uint8Array([0, 255, 7]),
      }),
      ...makeAggregate(2, sequenceNumber(2)),
    ];
    // Act
    const messages = buildDlqMessages(input(records), { maxMessageBytes: BIG });
    const envelope = envelopeOf(messages[0]);
    // Assess
    expect(messages).toHaveLength(1);
    expect(envelope).toMatchObject({
      kind: 'ksp.dlq',
      version: 1,
      timestamp: NOW.toISOString(),
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      KinesisBatchInfo: {
        shardId: SHARD_ID,
        startSequenceNumber: sequenceNumber(1),
        endSequenceNumber: sequenceNumber(2),
        endSubSequenceNumber: 1,
        approximateArrivalOfFirstRecord: '2026-03-01T12:00:00.123Z',
        approximateArrivalOfLastRecord: '2026-03-01T12:00:00.123Z',
        batchSize: 3,
        streamArn: STREAM_ARN,
      },
      streamName: STREAM_NAME,
      error: { type: 'TypeError', message: 'Cannot read properties of undefined' },
      attempts: 3,
      handler: 'native handler /srv/h.js#handler',
      recordsIncluded: true,
      part: { index: 0, count: 1 },
    });
    expect(envelope.KinesisBatchInfo.startSubSequenceNumber).toBeUndefined();
    expect(decodeDlqRecords(envelope)).toEqual(records);
  });

  it('decodes records with and without the optional fields to the same shape (fields and their order)', () => {
    // Prepare: a plain record beside one with a hash key and two aggregated ones (sub-sequence numbers).
    const records = [
      makeRecord({ sequenceNumber: sequenceNumber(1) }),
      makeRecord({ sequenceNumber: sequenceNumber(2), explicitHashKey: '42' }),
      ...makeAggregate(2, sequenceNumber(3)),
    ];
    // Act
    const decoded = decodeDlqRecords(
      envelopeOf(buildDlqMessages(input(records), { maxMessageBytes: BIG })[0]),
    );
    // Assess: what the stream's reader would have handed over, key for key and in its order.
    expect(decoded).toEqual(records);
    const tail = ['approximateArrivalTimestamp', 'shardId', 'streamName', 'idempotencyKey'];
    expect(decoded.map((r) => Object.keys(r))).toEqual([
      ['data', 'partitionKey', 'sequenceNumber', ...tail],
      ['data', 'partitionKey', 'sequenceNumber', 'explicitHashKey', ...tail],
      ['data', 'partitionKey', 'sequenceNumber', 'subSequenceNumber', ...tail],
      ['data', 'partitionKey', 'sequenceNumber', 'subSequenceNumber', ...tail],
    ]);
    expect(decoded[0]?.data).toBeInstanceOf(Uint8Array);
    expect(decoded[0]?.approximateArrivalTimestamp).not.toBe(decoded[1]?.approximateArrivalTimestamp);
  });

  it('sets the filtering attributes', () => {
    // Act
    const [message] = buildDlqMessages(input(makeBatch(1), { condition: 'RecordAgeExceeded' }), {
      maxMessageBytes: BIG,
    });
    // Assess
    const s = (StringValue: string): unknown => ({ DataType: 'String', StringValue });
    expect(message?.attributes).toEqual({
      'ksp.stream': s(STREAM_NAME),
      'ksp.shard': s(SHARD_ID),
      'ksp.errorType': s('TypeError'),
      'ksp.condition': s('RecordAgeExceeded'),
      'ksp.version': s(String(DLQ_ENVELOPE_VERSION)),
    });
  });

  it('counts UTF-8 bytes of the body and every attribute name, type and value', () => {
    // Prepare
    const records = makeBatch(2, () => ({ partitionKey: 'ключ-🔑' }));
    // Act
    const [message] = buildDlqMessages(input(records), { maxMessageBytes: BIG });
    // Assess
    const body = message?.body ?? '';
    const attributes = Object.entries(message?.attributes ?? {}).reduce(
      (sum, [name, a]) =>
        sum + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
      0,
    );
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(sqsMessageBytes(message as DlqMessage)).toBe(Buffer.byteLength(body) + attributes);
  });

  describe('at the size limit', () => {
    // Prepare: the exact size of the batch as one message.
    const records = sized(3, 1000);
    const whole = buildDlqMessages(input(records), { maxMessageBytes: BIG });
    const exact = sqsMessageBytes(whole[0] as DlqMessage);

    it('keeps the batch in one message when it is exactly at the limit', () => {
      // Act
      const messages = buildDlqMessages(input(records), { maxMessageBytes: exact });
      // Assess
      expect(messages).toEqual(whole);
    });

    it('splits the batch when it is one byte over', () => {
      // Act
      const messages = buildDlqMessages(input(records), { maxMessageBytes: exact - 1 });
      // Assess
      expect(messages).toHaveLength(2);
      expect(messages.every((m) => sqsMessageBytes(m) <= exact - 1)).toBe(true);
      expect(messages.flatMap((m) => decodeDlqRecords(envelopeOf(m)))).toEqual(records);
    });
  });

  it('splits a large batch over several messages, each with the KinesisBatchInfo of its own records', () => {
    // Prepare
    const records = sized(10, 3000);
    const limit = 12_000;
    // Act
    const messages = buildDlqMessages(input(records), { maxMessageBytes: limit });
    const envelopes = messages.map(envelopeOf);
    // Assess
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.every((m) => sqsMessageBytes(m) <= limit)).toBe(true);
    expect(envelopes.map((e) => e.part)).toEqual(
      envelopes.map((_, index) => ({ index, count: messages.length })),
    );
    for (const e of envelopes) {
      const own = e.records ?? [];
      expect(e.recordsIncluded).toBe(true);
      expect(e.KinesisBatchInfo).toMatchObject({
        startSequenceNumber: own[0]?.sequenceNumber,
        endSequenceNumber: own[own.length - 1]?.sequenceNumber,
        approximateArrivalOfFirstRecord: own[0]?.approximateArrivalTimestamp,
        approximateArrivalOfLastRecord: own[own.length - 1]?.approximateArrivalTimestamp,
        batchSize: own.length,
      });
    }
    expect(envelopes.flatMap(decodeDlqRecords)).toEqual(records);
  });

  it('sends a record too large even alone as metadata that pinpoints it, between its neighbours', () => {
    // Prepare
    const records = [
      ...sized(1, 100),
      makeRecord({ sequenceNumber: sequenceNumber(2), data: new Uint8Array(20_000) }),
      makeRecord({ sequenceNumber: sequenceNumber(3) }),
    ];
    // Act
    const messages = buildDlqMessages(input(records), { maxMessageBytes: 10_000 });
    const [before, oversized, after] = messages.map(envelopeOf);
    // Assess
    expect(messages).toHaveLength(3);
    expect(oversized).toMatchObject({
      recordsIncluded: false,
      records: null,
      part: { index: 1, count: 3 },
      KinesisBatchInfo: {
        startSequenceNumber: sequenceNumber(2),
        endSequenceNumber: sequenceNumber(2),
        batchSize: 1,
      },
    });
    expect(decodeDlqRecords(oversized as DlqEnvelope)).toEqual([]);
    expect(before?.records?.map((r) => r.sequenceNumber)).toEqual([sequenceNumber(1)]);
    expect(after?.records?.map((r) => r.sequenceNumber)).toEqual([sequenceNumber(3)]);
  });

  it('pinpoints an oversized user record of a KPL aggregate by its sub-sequence number too', () => {
    // Prepare
    const [record] = makeAggregate(1).map((r) => ({
      ...r,
      subSequenceNumber: 4,
      data: new Uint8Array(20_000),
    }));
    // Act
    const [message] = buildDlqMessages(input([record as KinesisRecord]), { maxMessageBytes: 10_000 });
    // Assess
    expect(envelopeOf(message).KinesisBatchInfo).toMatchObject({
      startSequenceNumber: sequenceNumber(7),
      startSubSequenceNumber: 4,
      endSubSequenceNumber: 4,
    });
  });

  it('trims the stack to 20 lines and 4 KB, and keeps U+FFFF out of the body', () => {
    // Prepare
    const stack = [
      'Error: boom',
      ...Array.from({ length: 40 }, (_, i) => `    at frame${i} (${'x'.repeat(300)}.js:1:1)`),
    ].join('\n');
    const records = [makeRecord({ partitionKey: 'odd\uFFFFkey' })];
    // Act
    const [message] = buildDlqMessages(input(records, { error: { type: 'Error', message: 'boom', stack } }), {
      maxMessageBytes: BIG,
    });
    const envelope = envelopeOf(message);
    // Assess
    expect(envelope.error.stack.split('\n').length).toBeLessThanOrEqual(21);
    expect(Buffer.byteLength(envelope.error.stack)).toBeLessThanOrEqual(STACK_MAX_BYTES);
    expect(envelope.error.stack.startsWith('Error: boom\n    at frame0')).toBe(true);
    expect(message?.body).not.toContain('\uFFFF');
    expect(envelope.records?.[0]?.partitionKey).toBe('odd\uFFFFkey');
  });

  it('builds nothing for no records', () => {
    // Act
    const messages = buildDlqMessages(input([]), { maxMessageBytes: BIG });
    // Assess
    expect(messages).toEqual([]);
  });

  describe.each([
    ['a limit too small even for the metadata', input(makeBatch(1)), 500, 'cannot hold even the metadata'],
    [
      'records of another shard',
      input([makeRecord(), makeRecord({ shardId: 'shardId-000000000009' })]),
      BIG,
      'does not belong to orders/shardId-000000000003',
    ],
  ])('with %s', (_what, batch, maxMessageBytes, message) => {
    it('throws a RangeError', () => {
      // Act
      const build = (): unknown => buildDlqMessages(batch, { maxMessageBytes });
      // Assess
      expect(build).toThrow(RangeError);
      expect(build).toThrow(message);
    });
  });
});

describe('parseDlqMessage', () => {
  // Prepare: one valid envelope to break in every way.
  const valid = JSON.parse(
    buildDlqMessages(input(makeBatch(2)), { maxMessageBytes: BIG })[0]?.body ?? '',
  ) as Record<string, unknown>;
  const without = (path: string): string => {
    const copy = JSON.parse(JSON.stringify(valid)) as Record<string, Record<string, unknown>>;
    const keys = path.split('.');
    const last = keys.pop() as string;
    const parent = keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
    delete parent[last];
    return JSON.stringify(copy);
  };
  const withValue = (patch: (e: DlqEnvelope) => void): string => {
    const copy = JSON.parse(JSON.stringify(valid)) as DlqEnvelope;
    patch(copy);
    return JSON.stringify(copy);
  };

  describe.each([
    ['garbage bytes', '\u0000\u00ff\u0001garbage', 'not JSON'],
    ['an empty body', '', 'not JSON'],
    ['truncated JSON', JSON.stringify(valid).slice(0, 100), 'not JSON'],
    ['a JSON string', '"hello"', 'foreign message'],
    ['JSON null', 'null', 'foreign message'],
    ['a JSON array', '[1,2]', 'foreign message'],
    [
      'Lambda’s own on-failure record',
      JSON.stringify({ version: '1.0', requestContext: {}, KinesisBatchInfo: {} }),
      'foreign message',
    ],
    ['another producer’s event', JSON.stringify({ kind: 'orders.created', version: 1 }), 'foreign message'],
    ['version 2', withValue((e) => ((e as { version: unknown }).version = 2)), 'unknown envelope version 2'],
    [
      'version "1" as a string',
      withValue((e) => ((e as { version: unknown }).version = '1')),
      'unknown envelope version "1"',
    ],
    ['no version', without('version'), 'unknown envelope version undefined'],
  ])('%s', (_what, body, reason) => {
    it(`is rejected: ${reason}`, () => {
      // Act
      const parsed = parseDlqMessage(body);
      // Assess
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.reason).toContain(reason);
    });
  });

  describe.each([
    'timestamp',
    'requestContext.condition',
    'requestContext.approximateInvokeCount',
    'KinesisBatchInfo.shardId',
    'KinesisBatchInfo.startSequenceNumber',
    'KinesisBatchInfo.endSequenceNumber',
    'KinesisBatchInfo.approximateArrivalOfFirstRecord',
    'KinesisBatchInfo.approximateArrivalOfLastRecord',
    'KinesisBatchInfo.batchSize',
    'KinesisBatchInfo.streamArn',
    'streamName',
    'error.type',
    'error.message',
    'error.stack',
    'attempts',
    'handler',
    'recordsIncluded',
    'records',
    'part.index',
    'part.count',
  ])('without %s', (path) => {
    it('names the missing field', () => {
      // Act
      const parsed = parseDlqMessage(without(path));
      // Assess
      expect(parsed).toEqual({ ok: false, problem: 'invalid', reason: `missing field "${path}"` });
    });
  });

  describe.each<[string, (e: DlqEnvelope) => void]>([
    ['KinesisBatchInfo.batchSize', (e) => (e.KinesisBatchInfo.batchSize = 0)],
    ['requestContext.condition', (e) => (e.requestContext.condition = 'Timeout' as DlqCondition)],
    ['timestamp', (e) => (e.timestamp = 'yesterday')],
    [
      'KinesisBatchInfo.startSequenceNumber',
      (e) => (e.KinesisBatchInfo.startSequenceNumber = 49 as unknown as string),
    ],
    ['records[1].data', (e) => (e.records![1]!.data = 'not base64!')],
    ['records[0].sequenceNumber', (e) => delete (e.records![0] as Partial<DlqRecord>).sequenceNumber],
    ['records[0].subSequenceNumber', (e) => (e.records![0]!.subSequenceNumber = -1)],
    ['records[0]', (e) => ((e.records as unknown[])[0] = 'x')],
    ['part.index', (e) => (e.part.index = 1)],
    ['records', (e) => (e.records = null)],
    ['records', (e) => (e.records = e.records!.slice(1))],
  ])('with a bad %s', (path, patch) => {
    it('names the invalid field', () => {
      // Act
      const parsed = parseDlqMessage(withValue(patch));
      // Assess
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.reason).toMatch(
        new RegExp(`^(invalid|missing) field "${path.replace(/[[\]]/g, '\\$&')}"`),
      );
    });
  });

  it('never throws, whatever the input', () => {
    // Prepare
    const bodies = [
      '{',
      '{}',
      '{"kind":"ksp.dlq","version":1}',
      '{"kind":"ksp.dlq","version":1,"records":[null]}',
      '\ud800',
    ];
    // Act
    const parse = (): unknown => bodies.map(parseDlqMessage);
    // Assess
    expect(parse).not.toThrow();
  });
});

describe('parseDlqMessage, more malformed messages', () => {
  // Prepare: one valid envelope to break in more ways.
  const valid = buildDlqMessages(input(makeBatch(2)), { maxMessageBytes: BIG })[0]?.body ?? '';
  const patched = (patch: (e: Record<string, unknown> & DlqEnvelope) => void): string => {
    const copy = JSON.parse(valid) as Record<string, unknown> & DlqEnvelope;
    patch(copy);
    return JSON.stringify(copy);
  };
  const set = (path: string, value: unknown) =>
    patched((e) => {
      const keys = path.split('.');
      const last = keys.pop() as string;
      const parent = keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, e);
      parent[last] = value;
    });

  describe.each([
    ['a byte-order mark before the JSON', `\uFEFF${valid}`, 'not-json', 'not JSON'],
    ['invalid UTF-8 decoded to replacement characters', '\uFFFD\uFFFD{', 'not-json', 'not JSON'],
    ['a JSON number', '42', 'foreign', 'foreign message'],
    ['JSON true', 'true', 'foreign', 'foreign message'],
    ['kind in another case', valid.replace('"ksp.dlq"', '"KSP.DLQ"'), 'foreign', 'foreign message'],
    [
      'an SNS notification wrapping an envelope',
      JSON.stringify({ Type: 'Notification', Message: valid }),
      'foreign',
      'foreign message',
    ],
    ['version null', set('version', null), 'unknown-version', 'unknown envelope version null'],
    ['version 1.5', set('version', 1.5), 'unknown-version', 'unknown envelope version 1.5'],
    ['version 0', set('version', 0), 'unknown-version', 'unknown envelope version 0'],
    [
      'KinesisBatchInfo null',
      set('KinesisBatchInfo', null),
      'invalid',
      'missing field "KinesisBatchInfo.shardId"',
    ],
    ['error as a string', set('error', 'boom'), 'invalid', 'missing field "error.type"'],
    ['part as a string', set('part', '1/2'), 'invalid', 'missing field "part.index"'],
    ['records as an object', set('records', { 0: {} }), 'invalid', 'invalid field "records"'],
    [
      'a fractional batchSize',
      set('KinesisBatchInfo.batchSize', 1.5),
      'invalid',
      'invalid field "KinesisBatchInfo.batchSize"',
    ],
    ['negative attempts', set('attempts', -1), 'invalid', 'invalid field "attempts"'],
    ['part.count 0', set('part.count', 0), 'invalid', 'invalid field "part.count"'],
    [
      'recordsIncluded as a string',
      set('recordsIncluded', 'true'),
      'invalid',
      'invalid field "recordsIncluded"',
    ],
    [
      'a sub-sequence number as a string',
      set('KinesisBatchInfo.startSubSequenceNumber', '0'),
      'invalid',
      'invalid field "KinesisBatchInfo.startSubSequenceNumber"',
    ],
    [
      'a sequence number with a sign',
      set('KinesisBatchInfo.endSequenceNumber', '-4959'),
      'invalid',
      'invalid field "KinesisBatchInfo.endSequenceNumber"',
    ],
    [
      'a record partition key as a number',
      patched((e) => ((e.records![0] as unknown as Record<string, unknown>).partitionKey = 7)),
      'invalid',
      'invalid field "records[0].partitionKey"',
    ],
    [
      'a record arrival that is no time',
      patched((e) => (e.records![1]!.approximateArrivalTimestamp = 'soon')),
      'invalid',
      'invalid field "records[1].approximateArrivalTimestamp"',
    ],
    [
      'a record hash key as a number',
      patched((e) => ((e.records![0] as unknown as Record<string, unknown>).explicitHashKey = 1)),
      'invalid',
      'invalid field "records[0].explicitHashKey"',
    ],
    [
      'a later record whose arrival is no time, after records that share a valid one',
      patched((e) => {
        e.records!.push({ ...e.records![0]!, approximateArrivalTimestamp: 'later' });
        e.KinesisBatchInfo.batchSize = 3;
      }),
      'invalid',
      'invalid field "records[2].approximateArrivalTimestamp"',
    ],
    [
      'a later record’s base64 with a stray character',
      patched((e) => (e.records![1]!.data = 'cmVj*2QtMQ==')),
      'invalid',
      'invalid field "records[1].data"',
    ],
    [
      'a record sub-sequence number that is not whole',
      patched((e) => (e.records![1]!.subSequenceNumber = 1.5)),
      'invalid',
      'invalid field "records[1].subSequenceNumber"',
    ],
    [
      'base64 without padding',
      patched((e) => (e.records![0]!.data = 'cmVjb3JkLTA')),
      'invalid',
      'invalid field "records[0].data"',
    ],
    // The check decodes the data instead of matching a pattern (parse.ts, decodedBase64): the
    // characters Node's decoder reads or skips but base64 does not allow are refused all the same.
    [
      'base64url characters in a record’s data',
      patched((e) => (e.records![1]!.data = 'cmVj-2Qt_Q==')),
      'invalid',
      'invalid field "records[1].data"',
    ],
    [
      'a space inside a record’s base64',
      patched((e) => (e.records![0]!.data = 'cmVj b3JkLTA')),
      'invalid',
      'invalid field "records[0].data"',
    ],
    [
      'padding inside a record’s base64',
      patched((e) => (e.records![0]!.data = 'cmVj=b3JkLT=')),
      'invalid',
      'invalid field "records[0].data"',
    ],
    [
      'three padding characters',
      patched((e) => (e.records![0]!.data = 'cmVjb3JkL===')),
      'invalid',
      'invalid field "records[0].data"',
    ],
    [
      'more records than batchSize',
      patched((e) => e.records!.push(e.records![0]!)),
      'invalid',
      'invalid field "records": holds 3 records',
    ],
  ])('%s', (_what, body, problem, reason) => {
    it(`is rejected as ${problem}: ${reason}`, () => {
      // Act
      const parsed = parseDlqMessage(body);
      // Assess
      expect(parsed).toMatchObject({ ok: false, problem });
      expect(parsed.ok ? '' : parsed.reason).toContain(reason);
    });
  });

  it('hands over the records’ data decoded by the check, equal to a decode of its own', () => {
    // Act
    const parsed = parseDlqMessage(valid);
    // Assess
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(decodeParsedRecords(parsed)).toEqual(decodeDlqRecords(parsed.envelope));
    expect(parsed.data).toHaveLength(parsed.envelope.records?.length ?? -1);
  });

  it('accepts JSON with surrounding whitespace', () => {
    // Act
    const parsed = parseDlqMessage(`\n  ${valid}\n`);
    // Assess
    expect(parsed.ok).toBe(true);
  });
});
