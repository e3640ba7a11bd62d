/**
 * What of a handler's error leaves the batch activity (DESIGN.md rule 1: error text counts as
 * record data): a bounded message, or the type alone, in the result that enters history; the full
 * error in the DLQ envelope. A huge error neither swells the result nor keeps a record out of the DLQ.
 */
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { MAX_RESULT_BYTES } from '../../src/activities/shard/batch-results';
import { decodeDlqRecords } from '../../src/dlq/envelope';
import { ERROR_SUMMARY_MAX_BYTES, MESSAGE_WITHHELD } from '../../src/handler/error-text';
import { drainQueue } from '../helpers/kinesis';
import { batchInput, decode, envelopeOf, sequenceAt, useEmulators } from './harness';

/** Temporal's limit on one payload: a result over it can never be reported. */
const TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024;
const ATTEMPTS = 3;

describe('processBatch with handler errors (kinesalite, fauxqs DLQ)', () => {
  const suite = useEmulators('kinesalite', { sqs: true });

  /** Runs the batch as the shard workflow would: attempts 1…ATTEMPTS, dead-lettering on the last. */
  async function runAttempts(input: ProcessBatchInput): Promise<ProcessBatchResult[]> {
    const results: ProcessBatchResult[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      results.push(await suite.harness.run({ ...input, attempt, deadLetterOnFailure: attempt === ATTEMPTS }));
    }
    return results;
  }

  it('a 3 MiB error message: the record is dead-lettered after its attempts, every result stays small', async () => {
    // Prepare
    const { streamName, shardId, puts } = await suite.stream('huge-error', ['poison']);
    const dlqQueueUrl = await suite.queue('huge-error-dlq');
    const huge = `first words of the error ${'x'.repeat(3 * 1024 * 1024)}`;
    suite.harness.behaviour = async () => {
      throw new Error(huge);
    };
    // Act
    const results = await runAttempts(batchInput({ streamName, shardId, dlqQueueUrl }));
    // Assess
    expect(results.map((r) => r.outcome)).toEqual(['retry', 'retry', 'dead-lettered']);
    for (const result of results) {
      const bytes = Buffer.byteLength(JSON.stringify(result));
      expect(bytes).toBeLessThanOrEqual(MAX_RESULT_BYTES);
      expect(bytes).toBeLessThan(TEMPORAL_PAYLOAD_LIMIT);
      expect(result.error?.type).toBe('Error');
      expect(result.error?.message.startsWith('first words of the error xxx')).toBe(true);
      expect(result.error?.message.endsWith('…')).toBe(true);
      expect(Buffer.byteLength(result.error?.message ?? '')).toBeLessThanOrEqual(ERROR_SUMMARY_MAX_BYTES);
    }
    expect(results[ATTEMPTS - 1]).toMatchObject({
      checkpoint: { sequenceNumber: sequenceAt(puts, 0) },
      deadLettered: 1,
      handled: 0,
    });
    const envelopes = await suite.harness.dlqEnvelopes(dlqQueueUrl);
    expect(envelopes.flatMap(decodeDlqRecords).map((r) => decode(r.data))).toEqual(['poison']);
    expect(envelopes[0]?.attempts).toBe(ATTEMPTS);
    expect(envelopes[0]?.error.message.startsWith('first words of the error xxx')).toBe(true);
  });

  it('a huge error on a queue of 1 KiB messages: the envelope carries a trimmed error, never refused', async () => {
    // Prepare
    const { streamName, shardId } = await suite.stream('huge-error-small-queue', ['p']);
    const dlqQueueUrl = await suite.queue('small-dlq');
    await suite.harness.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: dlqQueueUrl, Attributes: { MaximumMessageSize: '1024' } }),
    );
    suite.harness.behaviour = async () => {
      throw new RangeError(`bad value ${'y'.repeat(100_000)}`);
    };
    // Act
    const result = await suite.harness.run(
      batchInput({ streamName, shardId, dlqQueueUrl, attempt: ATTEMPTS, deadLetterOnFailure: true }),
    );
    // Assess
    expect(result).toMatchObject({ outcome: 'dead-lettered', deadLettered: 1 });
    const bodies = await drainQueue(suite.harness.sqs, dlqQueueUrl);
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024);
    const envelopes = bodies.map(envelopeOf);
    expect(envelopes[0]?.error.type).toBe('RangeError');
    expect(envelopes[0]?.error.message.startsWith('bad value y')).toBe(true);
  });

  describe('a handler that quotes the record in its error', () => {
    const SECRET = 'card=4111-1111-1111-1111;owner=Ada Lovelace';
    const quoting = async (records: readonly { data: Uint8Array }[]): Promise<never> => {
      const err = new Error(`cannot store ${records.map((r) => decode(r.data)).join(', ')}`);
      err.name = 'StoreError';
      throw err;
    };

    it('errorDetail "type": the record text appears nowhere in any result, only in the DLQ', async () => {
      // Prepare
      const { streamName, shardId } = await suite.stream('quoting-type', [SECRET]);
      const dlqQueueUrl = await suite.queue('quoting-type-dlq');
      suite.harness.behaviour = quoting;
      // Act
      const results = await runAttempts(
        batchInput({ streamName, shardId, dlqQueueUrl, errorDetail: 'type' }),
      );
      // Assess
      expect(results.map((r) => r.outcome)).toEqual(['retry', 'retry', 'dead-lettered']);
      for (const result of results) {
        // The card number as the record holds it (a bare '4111' can occur in a sequence number)
        expect(JSON.stringify(result)).not.toContain('4111-1111');
        expect(JSON.stringify(result)).not.toContain('Lovelace');
        expect(result.error).toEqual({ type: 'StoreError', message: MESSAGE_WITHHELD });
      }
      const [envelope] = await suite.harness.dlqEnvelopes(dlqQueueUrl);
      expect(envelope?.error).toMatchObject({ type: 'StoreError', message: `cannot store ${SECRET}` });
    });

    it('errorDetail "type" withholds an invalid response that quotes what the handler returned', async () => {
      // Prepare
      const { streamName, shardId } = await suite.stream('quoting-response', [SECRET]);
      suite.harness.behaviour = async (records) => ({
        batchItemFailures: [{ itemIdentifier: decode(records[0]!.data) }],
      });
      // Act
      const result = await suite.harness.run(batchInput({ streamName, shardId, errorDetail: 'type' }));
      // Assess
      expect(result).toMatchObject({ outcome: 'retry', error: { type: 'InvalidBatchResponse' } });
      expect(JSON.stringify(result)).not.toContain('Lovelace');
    });

    it('by default (errorDetail "message"), the result keeps the type and the message', async () => {
      // Prepare
      const { streamName, shardId } = await suite.stream('quoting-message', [SECRET]);
      suite.harness.behaviour = quoting;
      // Act
      const result = await suite.harness.run(batchInput({ streamName, shardId }));
      // Assess
      expect(result.error).toEqual({ type: 'StoreError', message: `cannot store ${SECRET}` });
    });
  });

  it('whatever is thrown (a string, an object whose message getter throws), the batch is retried', async () => {
    // Prepare
    const { streamName, shardId } = await suite.stream('odd-throws', ['a']);
    const odd = [
      'a plain string',
      Object.defineProperty({}, 'message', {
        get() {
          throw new Error('getter');
        },
      }),
      null,
    ];
    const results: ProcessBatchResult[] = [];
    // Act
    for (const thrown of odd) {
      suite.harness.behaviour = async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- user code may throw anything
        throw thrown;
      };
      results.push(await suite.harness.run(batchInput({ streamName, shardId })));
    }
    // Assess
    expect(results.map((r) => [r.outcome, r.error?.type, r.error?.message])).toEqual([
      ['retry', 'Error', 'a plain string'],
      ['retry', 'Error', '[object Object]'],
      ['retry', 'Error', 'null'],
    ]);
  });
});
