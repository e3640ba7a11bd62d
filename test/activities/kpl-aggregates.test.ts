/**
 * The batch activity on a stream holding KPL aggregates and plain records mixed: user records
 * reach the handler expanded, in order; the checkpoint lands inside an aggregate when the batch
 * size or a partial failure cuts it there, and the next call resumes after the last handled user
 * record; a corrupt aggregate goes to the DLQ as one raw record and never reaches the handler.
 */
import { type DlqEnvelope, decodeDlqRecords } from '../../src/dlq/envelope';
import { encodeAggregate } from '../../src/kpl';
import { batchInput, decode, useEmulators } from './harness';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An aggregate of user records `<prefix>0` … `<prefix><count - 1>`, each under its own key. */
function aggregate(prefix: string, count: number): Uint8Array {
  return encodeAggregate(
    Array.from({ length: count }, (_, i) => ({
      partitionKey: `${prefix}-key-${i % 3}`,
      data: text(`${prefix}${i}`),
    })),
  );
}

/** An aggregate whose MD5 trailer no longer matches. */
function corruptAggregate(): Uint8Array {
  const bytes = Buffer.from(aggregate('z', 3));
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  return bytes;
}

describe('processBatch with KPL aggregates (kinesalite, fauxqs DLQ)', () => {
  const suite = useEmulators('kinesalite', { sqs: true });

  it('plain and aggregated records mixed: every user record once, in order, with sub-sequence numbers', async () => {
    // Prepare
    const { streamName, shardId, puts } = await suite.stream('kpl-mixed', [
      'p0',
      aggregate('a', 4),
      'p1',
      aggregate('b', 2),
    ]);
    // Act
    const results = await suite.harness.drain(batchInput({ streamName, shardId }));
    // Assess
    expect(suite.harness.receivedData()).toEqual(['p0', 'a0', 'a1', 'a2', 'a3', 'p1', 'b0', 'b1']);
    const records = suite.harness.batches.flat();
    expect(records.map((r) => r.subSequenceNumber)).toEqual([undefined, 0, 1, 2, 3, undefined, 0, 1]);
    expect(records[2]?.partitionKey).toBe('a-key-1');
    expect(records[2]?.idempotencyKey).toBe(`${shardId}:${puts[1]?.sequenceNumber}:1`);
    expect(results[0]?.checkpoint).toEqual({ sequenceNumber: puts[3]?.sequenceNumber, subSequenceNumber: 1 });
  });

  it('a batch size smaller than an aggregate: checkpoints inside it, and each call resumes after the last handled user record', async () => {
    // Prepare
    const { streamName, shardId, puts } = await suite.stream('kpl-cut', [aggregate('a', 7), 'p0']);
    // Act
    const results = await suite.harness.drain(batchInput({ streamName, shardId, batchSize: 3 }));
    // Assess
    expect(suite.harness.batches.map((b) => b.map((r) => decode(r.data)))).toEqual([
      ['a0', 'a1', 'a2'],
      ['a3', 'a4', 'a5'],
      ['a6', 'p0'],
    ]);
    const seq = puts[0]?.sequenceNumber;
    expect(results.map((r) => r.checkpoint)).toEqual([
      { sequenceNumber: seq, subSequenceNumber: 2 },
      { sequenceNumber: seq, subSequenceNumber: 5 },
      { sequenceNumber: puts[1]?.sequenceNumber },
      { sequenceNumber: puts[1]?.sequenceNumber },
    ]);
    expect(results.slice(0, 2).every((r) => !r.shardEnded)).toBe(true);
  });

  it('batchItemFailures naming one user record: the checkpoint stops at the sub-record before it, the retry starts at it', async () => {
    // Prepare
    const { streamName, shardId, puts } = await suite.stream('kpl-partial', [aggregate('a', 5)]);
    suite.harness.behaviour = async (records) => ({
      batchItemFailures: records
        .filter((r) => decode(r.data) === 'a3')
        .map((r) => ({ itemIdentifier: r.idempotencyKey })),
    });
    // Act
    const failed = await suite.harness.run(batchInput({ streamName, shardId }));
    suite.harness.behaviour = async () => undefined;
    const retried = await suite.harness.run(
      batchInput({ streamName, shardId, checkpoint: failed.checkpoint, attempt: 2 }),
    );
    // Assess
    expect(failed).toMatchObject({
      outcome: 'retry',
      handled: 3,
      checkpoint: { sequenceNumber: puts[0]?.sequenceNumber, subSequenceNumber: 2 },
    });
    expect(retried.checkpoint).toEqual({ sequenceNumber: puts[0]?.sequenceNumber, subSequenceNumber: 4 });
    expect(suite.harness.batches.map((b) => b.map((r) => decode(r.data)))).toEqual([
      ['a0', 'a1', 'a2', 'a3', 'a4'],
      ['a3', 'a4'],
    ]);
  });

  it('a corrupt aggregate goes to the DLQ as one raw record (CorruptRecord); the records around it are handled', async () => {
    // Prepare
    const dlqQueueUrl = await suite.queue('kpl-corrupt-dlq');
    const bad = corruptAggregate();
    const { streamName, shardId, puts } = await suite.stream('kpl-corrupt', ['p0', bad, aggregate('a', 2)]);
    // Act
    const results = await suite.harness.drain(batchInput({ streamName, shardId, dlqQueueUrl }));
    // Assess
    expect(suite.harness.receivedData()).toEqual(['p0', 'a0', 'a1']);
    expect(results.map((r) => [r.outcome, r.handled, r.deadLettered])).toEqual([
      ['handled', 1, 0],
      ['dead-lettered', 0, 1],
      ['handled', 2, 0],
      ['idle', 0, 0],
    ]);
    expect(results[1]?.checkpoint).toEqual({ sequenceNumber: puts[1]?.sequenceNumber });
    const [envelope, ...more] = await suite.harness.dlqEnvelopes(dlqQueueUrl);
    expect(more).toEqual([]);
    expect(envelope?.requestContext.condition).toBe('CorruptRecord');
    expect(envelope?.error.message).toMatch(/MD5/);
    expect(envelope?.attempts).toBe(0);
    const dead = decodeDlqRecords(envelope as DlqEnvelope);
    expect(
      dead.map((r) => [r.sequenceNumber, r.subSequenceNumber, Buffer.from(r.data).equals(Buffer.from(bad))]),
    ).toEqual([[puts[1]?.sequenceNumber, undefined, true]]);
  });

  it('without a DLQ (retries forever), a corrupt aggregate reaches the handler as a plain record, as KCL does', async () => {
    const { streamName, shardId } = await suite.stream('kpl-corrupt-nodlq', [corruptAggregate(), 'p0']);
    await suite.harness.drain(batchInput({ streamName, shardId }));
    const records = suite.harness.batches.flat();
    expect(records.map((r) => r.subSequenceNumber)).toEqual([undefined, undefined]);
    expect(decode(records[1]?.data ?? new Uint8Array())).toBe('p0');
  });
});
