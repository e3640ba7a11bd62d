/**
 * Kinesis answers the reader handles itself, injected with client middleware because neither
 * emulator produces them: an expired iterator is re-derived from the checkpoint, throttling is
 * waited out with backoff. Either way no record is skipped or repeated.
 */
import { BACKENDS, expiredIterator, payloads, putRecords, throttled } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { type StreamFixture, batchInput, useEmulators } from './harness';

describe.each(BACKENDS)('processBatch on %s', (kind) => {
  const suite = useEmulators(kind);
  const streamWith = (n: number): Promise<StreamFixture> => suite.stream('reader-errors', payloads(0, n));

  describe('expired iterator', () => {
    it('re-derives the cached iterator from the checkpoint: nothing skipped, nothing repeated', async () => {
      const { streamName, shardId } = await streamWith(6);
      const first = await suite.harness.run(batchInput({ streamName, shardId, batchSize: 3 }));
      expect(suite.harness.spy.count('GetShardIterator')).toBe(1);

      suite.harness.spy.inject('GetRecords', expiredIterator);
      const second = await suite.harness.run(
        batchInput({ streamName, shardId, batchSize: 3, checkpoint: first.checkpoint }),
      );

      expect(second.outcome).toBe('handled');
      expect(suite.harness.receivedData()).toEqual(payloads(0, 6));
      // The cached iterator failed, so a fresh one was derived (AFTER_SEQUENCE_NUMBER the checkpoint).
      expect(suite.harness.spy.count('GetShardIterator')).toBe(2);
      expect(second.getRecordsCalls).toBe(2);
    });

    it('re-derives during an idle poll and still returns the record that arrives', async () => {
      const { streamName, shardId } = await streamWith(2);
      const first = await suite.harness.run(batchInput({ streamName, shardId }));
      // The second GetRecords of the next call (mid idle poll) finds its iterator expired.
      suite.harness.spy.inject('GetRecords', expiredIterator, 1, 1);
      const started = suite.harness.start(
        batchInput({ streamName, shardId, checkpoint: first.checkpoint, maxPollWaitMs: 10_000 }),
      );
      // Arrives after the first (empty) poll of this call, before the expired one: the iterator
      // re-derived from the checkpoint must still see it.
      await waitFor(() => suite.harness.spy.count('GetRecords') >= 2, {
        what: 'the first idle poll',
        intervalMs: 5,
      });
      await putRecords(suite.harness.kinesis, streamName, ['during-poll']);
      const second = await started.result;

      expect(suite.harness.receivedData()).toEqual(['record-0', 'record-1', 'during-poll']);
      expect(second.outcome).toBe('handled');
      expect(suite.harness.spy.count('GetShardIterator')).toBe(2);
    });
  });

  describe('throttling', () => {
    it('backs off on ProvisionedThroughputExceededException from GetRecords, then reads every record', async () => {
      const { streamName, shardId } = await streamWith(4);
      suite.harness.spy.inject('GetRecords', throttled, 3);
      const t0 = Date.now();

      const started = suite.harness.start(batchInput({ streamName, shardId }));
      const result = await started.result;
      const elapsed = Date.now() - t0;

      expect(result.outcome).toBe('handled');
      expect(suite.harness.receivedData()).toEqual(payloads(0, 4));
      expect(result.getRecordsCalls).toBe(4);
      // Jittered exponential backoff from 250 ms: at least 125 + 250 + 500 ms.
      expect(result.waitedMs).toBeGreaterThanOrEqual(875);
      expect(elapsed).toBeGreaterThanOrEqual(875);
      const times = suite.harness.spy.times('GetRecords');
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      expect(gaps[2]).toBeGreaterThan(gaps[0] as number);
      // Backing off is progress: a long throttle must not run into the heartbeat timeout.
      expect(started.heartbeats.filter((h) => (h as { phase?: string }).phase === 'throttled')).toHaveLength(
        3,
      );
    });

    it('backs off on throttled GetShardIterator calls too', async () => {
      const { streamName, shardId } = await streamWith(2);
      suite.harness.spy.inject('GetShardIterator', throttled, 2);
      const t0 = Date.now();

      const started = suite.harness.start(batchInput({ streamName, shardId }));
      const result = await started.result;

      expect(result.outcome).toBe('handled');
      expect(suite.harness.receivedData()).toEqual(payloads(0, 2));
      expect(suite.harness.spy.count('GetShardIterator')).toBe(3);
      expect(started.heartbeats.filter((h) => (h as { phase?: string }).phase === 'throttled')).toHaveLength(
        2,
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(125 + 250);
    });
  });
});
