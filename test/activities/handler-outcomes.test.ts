/**
 * What the handler's answer does to the checkpoint (DESIGN.md rule 3): success moves it past the
 * batch, a throw keeps it, partial failures stop it just before the lowest failed record, and on
 * the final attempt failed records go to the SQS DLQ, data included, before it moves past them.
 */
import { decodeDlqRecords } from '../../src/dlq/envelope';
import { payloads } from '../helpers/kinesis';
import { batchInput, sequenceAt, useEmulators } from './harness';

/** Payloads that are not valid UTF-8 and hold every byte value, so any text round trip shows. */
function binaryPayload(i: number): Uint8Array {
  return Uint8Array.from({ length: 300 }, (_, j) => (j * 7 + i * 31) % 256);
}

describe('processBatch handler outcomes (kinesis-local, fauxqs DLQ)', () => {
  const suite = useEmulators('kinesis-local', { sqs: true });
  const streamWith = (data: ReadonlyArray<string | Uint8Array>) => suite.stream('outcomes', data);

  it('success: the checkpoint is the last record, every record handled', async () => {
    const { streamName, shardId, puts } = await streamWith(payloads(0, 4));
    const result = await suite.harness.run(batchInput({ streamName, shardId }));
    expect(result).toMatchObject({
      outcome: 'handled',
      checkpoint: { sequenceNumber: sequenceAt(puts, 3) },
      fetched: 4,
      handled: 4,
      deadLettered: 0,
      error: null,
    });
  });

  it('thrown error: outcome retry, checkpoint unchanged, the same records come again', async () => {
    const { streamName, shardId, puts } = await streamWith(payloads(0, 4));
    const first = await suite.harness.run(batchInput({ streamName, shardId, batchSize: 1 }));
    suite.harness.behaviour = async () => {
      throw new TypeError('sink rejected the record');
    };

    const input = batchInput({ streamName, shardId, batchSize: 2, checkpoint: first.checkpoint });
    const failed = await suite.harness.run(input);
    expect(failed).toMatchObject({
      outcome: 'retry',
      checkpoint: { sequenceNumber: sequenceAt(puts, 0) },
      handled: 0,
      deadLettered: 0,
      error: { type: 'TypeError', message: 'sink rejected the record' },
    });

    suite.harness.behaviour = async () => undefined;
    const retried = await suite.harness.run({ ...input, checkpoint: failed.checkpoint, attempt: 2 });
    expect(retried.checkpoint).toEqual({ sequenceNumber: sequenceAt(puts, 2) });
    expect(suite.harness.batches.map((b) => b.map((r) => r.sequenceNumber))).toEqual([
      [sequenceAt(puts, 0)],
      [sequenceAt(puts, 1), sequenceAt(puts, 2)],
      [sequenceAt(puts, 1), sequenceAt(puts, 2)],
    ]);
    expect(suite.harness.contexts.map((c) => c.attempt)).toEqual([1, 1, 2]);
  });

  it('partial batchItemFailures: the checkpoint stops just before the lowest failed record', async () => {
    const { streamName, shardId, puts } = await streamWith(payloads(0, 5));
    suite.harness.behaviour = async () => ({
      batchItemFailures: [{ itemIdentifier: sequenceAt(puts, 4) }, { itemIdentifier: sequenceAt(puts, 2) }],
    });

    const result = await suite.harness.run(batchInput({ streamName, shardId }));

    expect(result).toMatchObject({
      outcome: 'retry',
      checkpoint: { sequenceNumber: sequenceAt(puts, 1) },
      handled: 2,
      deadLettered: 0,
      error: { type: 'BatchItemFailures' },
    });
    suite.harness.behaviour = async () => undefined;
    await suite.harness.run(batchInput({ streamName, shardId, checkpoint: result.checkpoint }));
    expect(suite.harness.receivedData().slice(5)).toEqual(['record-2', 'record-3', 'record-4']);
  });

  it('final attempt, partial failures: the failed records land in the DLQ with their bytes', async () => {
    const data = [0, 1, 2, 3, 4].map(binaryPayload);
    const { streamName, shardId, puts } = await streamWith(data);
    const dlqQueueUrl = await suite.queue('outcomes-dlq');
    suite.harness.behaviour = async () => ({
      batchItemFailures: [{ itemIdentifier: sequenceAt(puts, 1) }, { itemIdentifier: sequenceAt(puts, 3) }],
    });

    const result = await suite.harness.run(
      batchInput({ streamName, shardId, attempt: 3, deadLetterOnFailure: true, dlqQueueUrl }),
    );

    expect(result).toMatchObject({
      outcome: 'dead-lettered',
      checkpoint: { sequenceNumber: sequenceAt(puts, 4) },
      handled: 3,
      deadLettered: 2,
      error: { type: 'BatchItemFailures' },
    });
    const [envelope, ...more] = await suite.harness.dlqEnvelopes(dlqQueueUrl);
    expect(more).toHaveLength(0);
    if (!envelope) throw new Error('no DLQ message');
    expect(envelope).toMatchObject({
      streamName,
      attempts: 3,
      handler: 'test-handler',
      recordsIncluded: true,
      requestContext: { condition: 'RetryAttemptsExhausted' },
      KinesisBatchInfo: {
        shardId,
        batchSize: 2,
        startSequenceNumber: sequenceAt(puts, 1),
        endSequenceNumber: sequenceAt(puts, 3),
      },
    });
    expect(envelope.KinesisBatchInfo.streamArn).toContain(streamName);
    const records = decodeDlqRecords(envelope);
    expect(records.map((r) => r.sequenceNumber)).toEqual([sequenceAt(puts, 1), sequenceAt(puts, 3)]);
    expect(records.map((r) => Buffer.from(r.data))).toEqual([Buffer.from(data[1]!), Buffer.from(data[3]!)]);
    expect(records.map((r) => r.partitionKey)).toEqual(['pk-1', 'pk-1']);
  });

  it('final attempt, thrown error: the whole batch lands in the DLQ and the checkpoint passes it', async () => {
    const data = [0, 1, 2].map(binaryPayload);
    const { streamName, shardId, puts } = await streamWith(data);
    const dlqQueueUrl = await suite.queue('outcomes-dlq');
    suite.harness.behaviour = async () => {
      throw new Error('downstream is down');
    };

    const result = await suite.harness.run(
      batchInput({ streamName, shardId, attempt: 5, deadLetterOnFailure: true, dlqQueueUrl }),
    );

    expect(result).toMatchObject({
      outcome: 'dead-lettered',
      checkpoint: { sequenceNumber: sequenceAt(puts, 2) },
      handled: 0,
      deadLettered: 3,
    });
    const envelopes = await suite.harness.dlqEnvelopes(dlqQueueUrl);
    const records = envelopes.flatMap(decodeDlqRecords);
    expect(records.map((r) => Buffer.from(r.data))).toEqual(data.map((d) => Buffer.from(d)));
    expect(envelopes[0]?.error).toMatchObject({ type: 'Error', message: 'downstream is down' });
    expect(envelopes[0]?.error.stack).toContain('downstream is down');
  });
});
