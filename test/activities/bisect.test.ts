/**
 * Bisecting against kinesalite: the halves of a failing batch are handed out from the worker's
 * copy of the batch, so isolating a poison record reads the shard once, not once per split.
 */
import { batchInput, decode, useEmulators } from './harness';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { payloads } from '../helpers/kinesis';

describe('processBatch while bisecting (kinesalite)', () => {
  const suite = useEmulators('kinesalite', { sqs: true });

  it('reads a failing batch once and serves its halves from memory until the poison record is alone', async () => {
    // Prepare
    const dlqQueueUrl = await suite.queue('bisect-dlq');
    const { streamName, shardId } = await suite.stream('bisect', payloads(0, 16));
    suite.harness.behaviour = async (records) => {
      if (records.some((r) => decode(r.data) === 'record-11')) throw new Error('poison');
    };
    const base = batchInput({ streamName, shardId, batchSize: 16, bisectBatchOnError: true, dlqQueueUrl });
    // Act: drive the calls as the shard workflow would (src/workflows/shard-failure.ts).
    const results: ProcessBatchResult[] = [];
    let input: ProcessBatchInput = base;
    let remaining = 0;
    for (let i = 0; i < 12; i++) {
      const r = await suite.harness.run(input);
      results.push(r);
      if (r.outcome === 'retry' && r.handlerRecords > 1) remaining = r.handlerRecords;
      else if (r.outcome === 'handled') remaining -= r.fetched;
      if (r.outcome === 'retry' && r.handlerRecords === 1) break;
      input = { ...base, checkpoint: r.checkpoint, maxRecords: Math.ceil(remaining / 2) };
    }
    // Assess
    const range = (from: number, to: number): string[] => payloads(from, to);
    expect(suite.harness.batches.map((b) => b.map((r) => decode(r.data)))).toEqual([
      range(0, 16),
      range(0, 8),
      range(8, 12),
      range(8, 10),
      range(10, 11),
      range(11, 12),
    ]);
    const last = suite.harness.batches[suite.harness.batches.length - 1]!;
    expect(last.map((r) => decode(r.data))).toEqual(['record-11']);
    expect(suite.harness.spy.count('GetRecords')).toBe(1);
    expect(results.slice(1).every((r) => r.getRecordsCalls === 0)).toBe(true);
  });
});
