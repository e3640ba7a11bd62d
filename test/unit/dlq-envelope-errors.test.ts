/**
 * A huge handler error in the DLQ envelope: the records always go, with as much of the error as the
 * queue's message size leaves room for; the error is trimmed, never the reason to refuse them.
 */
import {
  buildDlqMessages,
  type DlqBatchInput,
  type DlqEnvelope,
  type DlqMessage,
  ERROR_MESSAGE_MAX_BYTES,
  envelopeError,
  parseDlqMessage,
  sqsMessageBytes,
  STACK_MAX_BYTES,
} from '../../src/dlq/envelope';
import { ERROR_TYPE_MAX_BYTES } from '../../src/handler/error-text';
import type { KinesisRecord } from '../../src/records';
import { makeBatch, SHARD_ID, STREAM_NAME } from '../helpers/records';

const MIB = 1024 * 1024;

function input(records: readonly KinesisRecord[], error: DlqBatchInput['error']): DlqBatchInput {
  return {
    streamName: STREAM_NAME,
    shardId: SHARD_ID,
    records,
    streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
    condition: 'RetryAttemptsExhausted',
    error,
    attempts: 3,
    handler: 'native handler /srv/h.js#handler',
    now: new Date('2026-03-02T08:00:00.000Z'),
  };
}

function envelopeOf(message: DlqMessage): DlqEnvelope {
  const parsed = parseDlqMessage(message.body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.envelope;
}

const huge = {
  type: 'Error',
  message: `it broke: ${'x'.repeat(3 * MIB)}`,
  stack: `Error: it broke: ${'x'.repeat(3 * MIB)}\n    at handler (h.js:1:1)`,
};

describe('buildDlqMessages with a huge error', () => {
  it.each([262_144, 1_048_576])('keeps every record and bounds the error (%d-byte messages)', (max) => {
    // Act
    const messages = buildDlqMessages(input(makeBatch(20), huge), { maxMessageBytes: max });
    // Assess
    const envelopes = messages.map(envelopeOf);
    expect(envelopes.flatMap((e) => e.records ?? []).length).toBe(20);
    for (const m of messages) expect(sqsMessageBytes(m)).toBeLessThanOrEqual(max);
    const { error } = envelopes[0] as DlqEnvelope;
    expect(Buffer.byteLength(error.message)).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_BYTES);
    expect(Buffer.byteLength(error.stack)).toBeLessThanOrEqual(STACK_MAX_BYTES);
    expect(error.message.startsWith('it broke: xxx')).toBe(true);
  });

  it('trims the error to the room a 1 KiB queue leaves, rather than refuse the records', () => {
    // Act
    const messages = buildDlqMessages(input(makeBatch(3), huge), { maxMessageBytes: 1024 });
    // Assess
    expect(messages.length).toBe(3);
    for (const m of messages) expect(sqsMessageBytes(m)).toBeLessThanOrEqual(1024);
    const envelopes = messages.map(envelopeOf);
    expect(envelopes.map((e) => e.recordsIncluded)).toEqual([false, false, false]);
    expect(envelopes[0]?.error.message.startsWith('it broke')).toBe(true);
    expect(envelopes[0]?.error.stack).toBe('');
  });

  it('bounds a huge error type too (the name of the thrown error)', () => {
    // Act
    const [message] = buildDlqMessages(input(makeBatch(1), { type: 'T'.repeat(MIB), message: 'm' }), {
      maxMessageBytes: 262_144,
    });
    // Assess
    expect(Buffer.byteLength(envelopeOf(message as DlqMessage).error.type)).toBeLessThanOrEqual(
      ERROR_TYPE_MAX_BYTES,
    );
  });
});

describe('envelopeError', () => {
  it('keeps an error that fits as it is (within its bounds)', () => {
    expect(envelopeError({ type: 'E', message: 'm', stack: 's' }, () => true)).toEqual({
      type: 'E',
      message: 'm',
      stack: 's',
    });
  });

  it('drops the stack first, then keeps the longest message that fits', () => {
    const error = envelopeError(huge, (e) => Buffer.byteLength(JSON.stringify(e)) <= 200);
    expect(error.stack).toBe('');
    expect(Buffer.byteLength(JSON.stringify(error))).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(JSON.stringify(error))).toBeGreaterThan(195);
  });

  it('ends with an empty message when nothing fits', () => {
    expect(envelopeError(huge, () => false)).toEqual({ type: 'Error', message: '', stack: '' });
  });
});
