/**
 * Consecutive batches: `batchSize` bounds a batch, the returned checkpoint carries the shard
 * forward with every record read once and in order, and the worker's iterator cache spares the
 * GetShardIterator call that would otherwise precede every batch.
 */
import { BACKENDS, payloads, putRecords } from '../helpers/kinesis';
import { type StreamFixture, batchInput, sequenceAt, useEmulators } from './harness';

describe.each(BACKENDS)('processBatch batches on %s', (kind) => {
  const suite = useEmulators(kind);
  const streamWith = (n: number): Promise<StreamFixture> => suite.stream('batches', payloads(0, n));

  it('reads every record exactly once, in order, batchSize at a time, carrying the checkpoint', async () => {
    const { harness } = suite;
    const { streamName, shardId, puts } = await streamWith(7);

    const results = await harness.drain(batchInput({ streamName, shardId, batchSize: 3 }));

    expect(harness.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(harness.receivedData()).toEqual(payloads(0, 7));
    expect(results.map((r) => r.outcome)).toEqual(['handled', 'handled', 'handled', 'idle']);
    expect(results.map((r) => r.checkpoint?.sequenceNumber)).toEqual(
      [2, 5, 6, 6].map((i) => sequenceAt(puts, i)),
    );
    // Each record reaches the handler with its own identity, in sequence-number order.
    expect(harness.batches.flat().map((r) => r.sequenceNumber)).toEqual(puts.map((p) => p.sequenceNumber));
  });

  it('derives one iterator for a run of batches on the same worker (iterator cache)', async () => {
    const { harness } = suite;
    const { streamName, shardId } = await streamWith(5);

    const first = await harness.run(batchInput({ streamName, shardId, batchSize: 2 }));
    expect(harness.spy.count('GetShardIterator')).toBe(1);
    const second = await harness.run(
      batchInput({ streamName, shardId, batchSize: 2, checkpoint: first.checkpoint }),
    );
    const third = await harness.run(
      batchInput({ streamName, shardId, batchSize: 2, checkpoint: second.checkpoint }),
    );

    expect(harness.receivedData()).toEqual(payloads(0, 5));
    expect(third.outcome).toBe('handled');
    expect(harness.spy.count('GetShardIterator')).toBe(1);
    expect(harness.spy.count('GetRecords')).toBe(3);
  });

  it('derives a new iterator when the checkpoint handed in is not the one the cached iterator follows', async () => {
    const { harness } = suite;
    const { streamName, shardId, puts } = await streamWith(4);

    await harness.run(batchInput({ streamName, shardId, batchSize: 2 }));
    // The workflow rewinds (or retries) from record 0 instead of continuing after record 1.
    const rewound = await harness.run(
      batchInput({
        streamName,
        shardId,
        batchSize: 2,
        checkpoint: { sequenceNumber: sequenceAt(puts, 0) },
      }),
    );

    expect(harness.receivedData()).toEqual(['record-0', 'record-1', 'record-1', 'record-2']);
    expect(rewound.checkpoint).toEqual({ sequenceNumber: sequenceAt(puts, 2) });
    expect(harness.spy.count('GetShardIterator')).toBe(2);
  });

  it('does not serve an iterator cached for one start position to another (no checkpoint yet)', async () => {
    const { harness } = suite;
    const { streamName, shardId } = await streamWith(2);
    // An idle LATEST poll leaves the tip iterator cached under "no checkpoint".
    const latest = await harness.run(batchInput({ streamName, shardId, startPosition: { type: 'LATEST' } }));
    expect(latest.outcome).toBe('idle');

    // The shard is started again from TRIM_HORIZON (stream restarted with another start position).
    const result = await harness.run(
      batchInput({ streamName, shardId, startPosition: { type: 'TRIM_HORIZON' } }),
    );

    expect(harness.receivedData()).toEqual(['record-0', 'record-1']);
    expect(result.outcome).toBe('handled');
  });

  it('continues an idle LATEST poll from its cached iterator: a record put between polls is read', async () => {
    const { harness } = suite;
    const { streamName, shardId } = await streamWith(1);
    const input = batchInput({ streamName, shardId, startPosition: { type: 'LATEST' } });
    expect((await harness.run(input)).outcome).toBe('idle');

    await putRecords(harness.kinesis, streamName, ['between-polls']);
    const result = await harness.run(input);

    expect(harness.receivedData()).toEqual(['between-polls']);
    expect(result.outcome).toBe('handled');
    expect(harness.spy.count('GetShardIterator')).toBe(1);
  });

  it('another worker (no cache) continues from the checkpoint alone', async () => {
    const first = suite.harness;
    const { streamName, shardId } = await streamWith(4);
    const batch = await first.run(batchInput({ streamName, shardId, batchSize: 2 }));

    const other = suite.newHarness();
    await other.run(batchInput({ streamName, shardId, batchSize: 2, checkpoint: batch.checkpoint }));

    expect(other.receivedData()).toEqual(['record-2', 'record-3']);
    expect(other.spy.count('GetShardIterator')).toBe(1);
  });
});
