/**
 * Filtering inside the batch activity (createProcessBatch over the in-memory shard and DLQ of
 * test/helpers/memory-shard.ts), where a clock is needed: filtering comes before the maximum
 * record age, so an old record no filter wants is dropped, never dead-lettered.
 * The emulator-backed cases are in test/activities/filter.test.ts.
 */
import type { ProcessBatchInput } from '../../src/activities/shard/process-batch';
import { compileFilterCriteria } from '../../src/filter/criteria';
import type { KinesisRecord } from '../../src/records';
import { batchInput } from '../activities/harness';
import { indexOf, MemoryDlq, MemoryShard, SHARD, memoryBatchActivity } from '../helpers/memory-shard';

const HOUR = 3_600_000;

function setup(count: number, arrival: (index: number) => Date, now: number) {
  const dlq = new MemoryDlq();
  const handed: KinesisRecord[][] = [];
  const handler = async (records: readonly KinesisRecord[]): Promise<void> => {
    handed.push([...records]);
  };
  const processBatch = memoryBatchActivity(
    new MemoryShard(count, arrival),
    dlq,
    handler,
    'unit handler',
    () => now,
  );
  return { processBatch, dlq, handed };
}

/** Records of the memory shard have partition keys key-0 … key-6 in turn. */
const KEY_1 = compileFilterCriteria({ filters: [{ pattern: '{"partitionKey": ["key-1"]}' }] });

const input = (over: Partial<ProcessBatchInput>): ProcessBatchInput =>
  batchInput({
    streamName: 'orders',
    shardId: SHARD,
    dlqQueueUrl: 'http://127.0.0.1:1/dlq',
    filterCriteria: KEY_1,
    ...over,
  });

describe('processBatch: filtering and the maximum record age', () => {
  it('old records no filter wants are filtered out, the old ones it wants are dead-lettered', async () => {
    // Prepare: records 0-9 arrived two hours ago, 10-19 just now
    const now = Date.UTC(2026, 2, 1, 12);
    const { processBatch, dlq, handed } = setup(20, (i) => new Date(now - (i < 10 ? 2 * HOUR : 0)), now);
    // Act
    const result = await processBatch(input({ maxRecordAgeMs: HOUR }));
    // Assess: key-1 is records 1, 8 (old) and 15 (new)
    expect(dlq.entries().map((e) => [e.index, e.condition])).toEqual([
      [1, 'RecordAgeExceeded'],
      [8, 'RecordAgeExceeded'],
    ]);
    expect(handed.map((batch) => batch.map(indexOf))).toEqual([[15]]);
    expect(result).toMatchObject({
      outcome: 'dead-lettered',
      fetched: 20,
      filteredOut: 17,
      expired: 2,
      deadLettered: 2,
      handled: 1,
    });
  });

  it('a batch of old records that are all filtered out goes nowhere: handled, nothing dead-lettered', async () => {
    // Prepare: records 0-6 under key-0 … key-6, all old; the filter wants key-9 only
    const now = Date.UTC(2026, 2, 1, 12);
    const { processBatch, dlq, handed } = setup(7, () => new Date(now - 2 * HOUR), now);
    const key9 = compileFilterCriteria({ filters: [{ pattern: '{"partitionKey": ["key-9"]}' }] });
    // Act
    const result = await processBatch(input({ maxRecordAgeMs: HOUR, filterCriteria: key9 }));
    // Assess
    expect(dlq.entries()).toEqual([]);
    expect(handed).toEqual([]);
    expect(result).toMatchObject({ outcome: 'handled', filteredOut: 7, expired: 0, deadLettered: 0 });
  });
});
