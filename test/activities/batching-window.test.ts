/**
 * The batching window (Lambda's MaximumBatchingWindowInSeconds): once records arrive, the batch
 * activity keeps polling for up to maxBatchingWindowMs to fill the batch, so a slow stream costs
 * fewer, fuller batches — and without it records are handed over at once.
 */
import { putRecords } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { batchInput, useEmulators } from './harness';

const SHARD = 'shardId-000000000000';

describe('processBatch batching window on kinesalite', () => {
  const suite = useEmulators('kinesalite');

  it('without a window the records found are handed over at once', async () => {
    const { streamName } = await suite.stream('window-off', ['a', 'b']);
    const t0 = Date.now();
    const result = await suite.harness.start(
      batchInput({ streamName, shardId: SHARD, maxBatchingWindowMs: 0 }),
    ).result;
    expect(result).toMatchObject({ outcome: 'handled', fetched: 2, getRecordsCalls: 1 });
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('with a window, records arriving within it join the same batch, in order', async () => {
    const { streamName } = await suite.stream('window-on', ['a', 'b']);
    const t0 = Date.now();
    const started = suite.harness.start(
      batchInput({ streamName, shardId: SHARD, idlePollIntervalMs: 200, maxBatchingWindowMs: 2_000 }),
    );
    // The first poll has come back with a and b and the window is open: now c and d arrive.
    await waitFor(() => started.heartbeats.some((h) => (h as { phase?: string }).phase === 'batching'), {
      what: 'the batching window to open',
      intervalMs: 5,
    });
    await putRecords(suite.harness.kinesis, streamName, ['c', 'd']);
    const result = await started.result;
    expect(result).toMatchObject({ outcome: 'handled', fetched: 4 });
    expect(result.getRecordsCalls).toBeGreaterThan(1);
    expect(suite.harness.batches).toHaveLength(1);
    expect(suite.harness.receivedData()).toEqual(['a', 'b', 'c', 'd']);
    // Nothing filled the batch, so it waited out the window — and not much longer.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - t0).toBeLessThan(6_000);
  });

  it('a batch that fills up does not wait for the rest of the window', async () => {
    const { streamName } = await suite.stream('window-full', ['a', 'b']);
    const t0 = Date.now();
    const started = suite.harness.start(
      batchInput({
        streamName,
        shardId: SHARD,
        batchSize: 4,
        idlePollIntervalMs: 200,
        maxBatchingWindowMs: 30_000,
      }),
    );
    await waitFor(() => started.heartbeats.some((h) => (h as { phase?: string }).phase === 'batching'), {
      what: 'the batching window to open',
      intervalMs: 5,
    });
    await putRecords(suite.harness.kinesis, streamName, ['c', 'd', 'e']);
    const result = await started.result;
    expect(result).toMatchObject({ outcome: 'handled', fetched: 4 });
    expect(suite.harness.receivedData()).toEqual(['a', 'b', 'c', 'd']);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
