/**
 * Where the first batch of a shard starts: each configured start position, and a checkpoint,
 * which always wins over the start position (AFTER_SEQUENCE_NUMBER).
 */
import { BACKENDS, payloads, putRecords } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { type StreamFixture, batchInput, sequenceAt, useEmulators } from './harness';

describe.each(BACKENDS)('processBatch start positions on %s', (kind) => {
  const suite = useEmulators(kind);
  /** A one-shard stream holding `record-0` … `record-<n-1>`. */
  const streamWith = (n: number): Promise<StreamFixture> => suite.stream('start', payloads(0, n));

  it('TRIM_HORIZON reads from the oldest record and checkpoints the last one', async () => {
    const { streamName, shardId, puts } = await streamWith(3);
    const result = await suite.harness.run(batchInput({ streamName, shardId }));
    expect(suite.harness.receivedData()).toEqual(['record-0', 'record-1', 'record-2']);
    expect(result).toMatchObject({
      outcome: 'handled',
      fetched: 3,
      handled: 3,
      checkpoint: { sequenceNumber: sequenceAt(puts, 2) },
    });
  });

  it('LATEST skips what is in the shard and returns a record put after the poll started', async () => {
    const { streamName, shardId } = await streamWith(2);
    const started = suite.harness.start(
      batchInput({ streamName, shardId, startPosition: { type: 'LATEST' }, maxPollWaitMs: 10_000 }),
    );
    await waitFor(() => suite.harness.spy.count('GetRecords') >= 1, {
      what: 'the first GetRecords',
      intervalMs: 10,
    });
    const [late] = await putRecords(suite.harness.kinesis, streamName, ['late']);
    const result = await started.result;
    expect(suite.harness.receivedData()).toEqual(['late']);
    expect(result.checkpoint).toEqual({ sequenceNumber: late?.sequenceNumber });
  });

  it('AT_TIMESTAMP starts at the first record that arrived at or after the time', async () => {
    const { streamName, shardId } = await suite.stream('start-ts', ['before-0', 'before-1']);
    // Arrival times have millisecond precision: leave a clear gap on both sides of the timestamp.
    const gapStart = Date.now();
    await waitFor(() => Date.now() >= gapStart + 50, { what: '50 ms to pass', intervalMs: 10 });
    const timestamp = new Date().toISOString();
    await waitFor(() => Date.now() >= Date.parse(timestamp) + 50, { what: '50 ms to pass', intervalMs: 10 });
    await putRecords(suite.harness.kinesis, streamName, ['after-0', 'after-1']);

    const result = await suite.harness.run(
      batchInput({ streamName, shardId, startPosition: { type: 'AT_TIMESTAMP', timestamp } }),
    );
    expect(suite.harness.receivedData()).toEqual(['after-0', 'after-1']);
    expect(result.outcome).toBe('handled');
  });

  it.each([
    [
      'AT_SEQUENCE_NUMBER',
      'includes the record at that sequence number',
      ['record-1', 'record-2', 'record-3'],
    ],
    ['AFTER_SEQUENCE_NUMBER', 'starts with the record after that sequence number', ['record-2', 'record-3']],
  ] as const)('%s %s', async (type, _what, expected) => {
    const { streamName, shardId, puts } = await streamWith(4);
    await suite.harness.run(
      batchInput({ streamName, shardId, startPosition: { type, sequenceNumber: sequenceAt(puts, 1) } }),
    );
    expect(suite.harness.receivedData()).toEqual(expected);
  });

  it('a checkpoint reads after it (AFTER_SEQUENCE_NUMBER), whatever the start position', async () => {
    const { streamName, shardId, puts } = await streamWith(4);
    const result = await suite.harness.run(
      batchInput({
        streamName,
        shardId,
        checkpoint: { sequenceNumber: sequenceAt(puts, 1) },
        startPosition: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: sequenceAt(puts, 0) },
      }),
    );
    expect(suite.harness.receivedData()).toEqual(['record-2', 'record-3']);
    expect(result.checkpoint).toEqual({ sequenceNumber: sequenceAt(puts, 3) });
  });
});
