/**
 * The long poll that keeps an idle shard cheap (DESIGN.md rule 7): one activity call waits up to
 * maxPollWaitMs, polling within Kinesis' 5 GetRecords/s per shard and heartbeating, and returns as
 * soon as a record arrives.
 */
import { BACKENDS, payloads, putRecords } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { batchInput, useEmulators } from './harness';

const MAX_POLL_WAIT_MS = 1_500;
/**
 * The reader spaces its GetRecords calls 200 ms apart; the spy sees each a little later, by a
 * delay that varies with the machine's load (193 ms gaps seen with 8 runnable processes on 2
 * cores). Without the spacing the gaps are 3-60 ms, so 180 ms still tells the two apart.
 */
const MIN_MEASURED_GAP_MS = 180;

describe.each(BACKENDS)('processBatch long poll on %s', (kind) => {
  const suite = useEmulators(kind);

  it('returns idle after about maxPollWaitMs, polling at most 5 times a second and heartbeating', async () => {
    const { streamName, shardId } = await suite.stream('long-poll');
    const t0 = Date.now();
    // An idle interval below the per-shard limit: the 200 ms spacing must come from the reader.
    const started = suite.harness.start(
      batchInput({ streamName, shardId, maxPollWaitMs: MAX_POLL_WAIT_MS, idlePollIntervalMs: 50 }),
    );
    const result = await started.result;
    const elapsed = Date.now() - t0;

    expect(result).toMatchObject({ outcome: 'idle', fetched: 0, checkpoint: null, shardEnded: false });
    expect(result.waitedMs).toBeGreaterThanOrEqual(MAX_POLL_WAIT_MS);
    expect(elapsed).toBeLessThan(MAX_POLL_WAIT_MS + 2_000);
    expect(suite.harness.batches).toHaveLength(0);

    const times = suite.harness.spy.times('GetRecords');
    expect(result.getRecordsCalls).toBe(times.length);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_MEASURED_GAP_MS);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(Math.floor(result.waitedMs / 200) + 1);

    expect(started.heartbeats.length).toBeGreaterThanOrEqual(times.length - 1);
    expect(started.heartbeats[0]).toMatchObject({ phase: 'idle' });
  });

  it('keeps back-to-back batches of a busy shard within 5 GetRecords/s too', async () => {
    const { streamName, shardId } = await suite.stream('long-poll', payloads(0, 8));

    await suite.harness.drain(batchInput({ streamName, shardId, batchSize: 2 }));

    expect(suite.harness.receivedData()).toEqual(payloads(0, 8));
    const times = suite.harness.spy.times('GetRecords');
    expect(times).toHaveLength(5);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_MEASURED_GAP_MS);
  });

  it('returns a record put 1 s into the poll promptly, well before maxPollWaitMs', async () => {
    const { streamName, shardId } = await suite.stream('long-poll');
    const t0 = Date.now();
    const started = suite.harness.start(
      batchInput({ streamName, shardId, maxPollWaitMs: 20_000, idlePollIntervalMs: 250 }),
    );
    await waitFor(() => Date.now() - t0 >= 1_000 && suite.harness.spy.count('GetRecords') >= 2, {
      what: 'the poll to be 1 s old',
      intervalMs: 10,
    });
    const [put] = await putRecords(suite.harness.kinesis, streamName, ['arrived-late']);
    const putAt = Date.now();

    const result = await started.result;
    const latency = Date.now() - putAt;

    expect(suite.harness.receivedData()).toEqual(['arrived-late']);
    expect(result).toMatchObject({ outcome: 'handled', checkpoint: { sequenceNumber: put?.sequenceNumber } });
    // Found on the next poll (250 ms later), not at the 20 s deadline; loose bounds for a loaded machine.
    expect(latency).toBeLessThan(3_000);
    expect(result.waitedMs).toBeLessThan(5_000);
  });
});
