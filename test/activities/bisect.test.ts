/**
 * Bisecting against kinesalite: the halves of a failing batch are handed out from the worker's
 * copy of the batch, so isolating a poison record reads the shard once, not once per split. The
 * calls are chained by the shard workflow's own decision (`afterBatch`), not a copy of it.
 */
import { batchInput, decode, useEmulators } from './harness';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { compileStreamOptions } from '../../src/config/stream-options';
import { compareCheckpoint } from '../../src/records';
import { type FailureState, afterBatch } from '../../src/workflows/shard-failure';
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
    const { retry } = compileStreamOptions({ streamName, dlqQueueUrl });
    const policy = { retry, bisectBatchOnError: true };
    const base = batchInput({ streamName, shardId, batchSize: 16, bisectBatchOnError: true, dlqQueueUrl });
    // Act: chain the calls as the shard workflow does, through its decision (src/workflows/shard-failure.ts).
    const results: ProcessBatchResult[] = [];
    let state: FailureState = { attempt: 1, bisect: null };
    let checkpoint = base.checkpoint;
    for (let i = 0; i < 12; i++) {
      const input: ProcessBatchInput = {
        ...base,
        checkpoint,
        attempt: state.attempt,
        maxRecords: state.bisect?.limit ?? null,
      };
      const r = await suite.harness.run(input);
      results.push(r);
      const advanced =
        r.checkpoint !== null && (checkpoint === null || compareCheckpoint(r.checkpoint, checkpoint) > 0);
      checkpoint = r.checkpoint;
      state = afterBatch(state, r, advanced, policy);
      if (r.outcome === 'retry' && r.handlerRecords === 1) break;
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
    // The poison record failing alone is retried after a backoff, not split again.
    expect(state).toMatchObject({ attempt: 2, bisect: { limit: 1, remaining: 1 } });
  });
});
