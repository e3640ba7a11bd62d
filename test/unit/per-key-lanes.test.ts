/**
 * Per-key lanes, owed records and the per-key quarantine: the real batch activity over the
 * in-memory shard and DLQ (test/helpers/memory-shard.ts), driven by the real ShardConsumer, so
 * every request the shard makes and every decision it takes on a result is the workflow's own.
 */
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { laneOf } from '../../src/activities/shard/batch-lanes';
import { partitionKeyHash } from '../../src/activities/shard/key-hash';
import type { BatchResult } from '../../src/handler/contract';
import type { KinesisRecord } from '../../src/records';
import { ShardConsumer } from '../../src/workflows/shard-consumer';
import { upgradeShardInput } from '../../src/workflows/shard-input';
import { testOptions } from '../helpers/fake-batches';
import { MemoryDlq, MemoryShard, SHARD, indexOf, memoryBatchActivity } from '../helpers/memory-shard';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const keyOf = (i: number): string => `key-${i % 7}`;

interface Call {
  indexes: number[];
  attempt: number;
}

/** A handler that fails the records `fails(index, delivery)` picks, by throwing or in batchItemFailures. */
function recordingHandler(
  fails: (index: number, delivery: number) => boolean,
  mode: 'throw' | 'partial',
  delayMs = 0,
) {
  const calls: Call[] = [];
  const deliveries = new Map<number, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const handler = async (
    records: readonly KinesisRecord[],
    context: { attempt: number },
  ): Promise<BatchResult | undefined> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    inFlight--;
    const indexes = records.map(indexOf);
    calls.push({ indexes, attempt: context.attempt });
    const bad = records.filter((r) => {
      const i = indexOf(r);
      const n = (deliveries.get(i) ?? 0) + 1;
      deliveries.set(i, n);
      return fails(i, n);
    });
    if (bad.length === 0) return undefined;
    if (mode === 'throw') throw new Error(`failed ${bad.map(indexOf).join(',')}`);
    return { batchItemFailures: bad.map((r) => ({ itemIdentifier: r.sequenceNumber })) };
  };
  return { handler, calls, deliveries, maxInFlight: () => maxInFlight };
}

function setup(
  count: number,
  options: Record<string, unknown>,
  handler: ReturnType<typeof recordingHandler>,
) {
  const memory = new MemoryShard(count, () => new Date(T0));
  const dlq = new MemoryDlq();
  const processBatch = memoryBatchActivity(memory, dlq, handler.handler, 'unit handler', () => T0);
  const shard = new ShardConsumer(
    {
      streamName: 'orders',
      shardId: SHARD,
      streamWorkflowId: null,
      options: testOptions({ batchSize: 100, retry: { maximumAttempts: 3 }, ...options }),
      startPosition: { type: 'TRIM_HORIZON' },
      state: null,
    },
    () => T0,
    { warn: () => undefined, error: () => undefined },
  );
  return { memory, dlq, processBatch, shard };
}

/** Runs the shard like its workflow (without waiting out backoffs) until it ends or pauses. */
async function drive(
  shard: ShardConsumer,
  processBatch: (input: ProcessBatchInput) => Promise<ProcessBatchResult>,
  each: (input: ProcessBatchInput, result: ProcessBatchResult) => void = () => undefined,
  maxSteps = 60,
): Promise<'ended' | 'paused'> {
  for (let step = 0; step < maxSteps; step++) {
    if (shard.paused) return 'paused';
    const input = shard.next();
    const result = await processBatch(input);
    shard.settled();
    each(input, result);
    if (shard.apply(result).kind === 'ended') return 'ended';
  }
  throw new Error('shard did not end');
}

/** How often each record reached the handler, by index. */
function handledCounts(calls: Call[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const c of calls) for (const i of c.indexes) counts.set(i, (counts.get(i) ?? 0) + 1);
  return counts;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('per-key lanes', () => {
  test('records are split by key into concurrent lanes, each key whole and in order', async () => {
    const h = recordingHandler(() => false, 'partial', 20);
    const { shard, processBatch } = setup(70, { parallelization: 4 }, h);
    expect(await drive(shard, processBatch)).toBe('ended');
    expect(h.calls.length).toBeGreaterThan(1);
    expect(h.maxInFlight()).toBeGreaterThan(1);
    for (const call of h.calls) {
      // One lane per call, every key of it in stream order
      expect(new Set(call.indexes.map((i) => laneOf(keyOf(i), 4))).size).toBe(1);
      expect(call.indexes).toEqual([...call.indexes].sort((a, b) => a - b));
    }
    expect([...handledCounts(h.calls).entries()].sort((a, b) => a[0] - b[0])).toEqual(
      range(70).map((i) => [i, 1]),
    );
    expect(shard.status()).toMatchObject({ handled: 70, deadLettered: 0 });
  });

  test('one failing key: the other lanes are not redelivered, the checkpoint waits for the failing one', async () => {
    // key-3 (records 3, 10, 17, …) fails its first two deliveries, reported in batchItemFailures
    const h = recordingHandler((i, n) => keyOf(i) === 'key-3' && n <= 2, 'partial');
    const { shard, processBatch } = setup(70, { parallelization: 4 }, h);
    const checkpoints: Array<string | undefined> = [];
    await drive(shard, processBatch, (_, r) => {
      if (r.outcome === 'retry') checkpoints.push(r.checkpoint?.sequenceNumber);
    });
    const counts = handledCounts(h.calls);
    for (const i of range(70)) expect([i, counts.get(i)]).toEqual([i, keyOf(i) === 'key-3' ? 3 : 1]);
    // Held before record 3, the first of key-3, while it failed
    expect(checkpoints).toEqual([seqOf(2), seqOf(2)]);
    expect(shard.status()).toMatchObject({ handled: 70, deadLettered: 0, attempt: 1 });
  });

  test('a lane that throws fails all of it: only that lane is redelivered', async () => {
    const h = recordingHandler((i, n) => i === 10 && n === 1, 'throw');
    const { shard, processBatch } = setup(70, { parallelization: 4 }, h);
    await drive(shard, processBatch);
    const counts = handledCounts(h.calls);
    const failingLane = laneOf(keyOf(10), 4);
    for (const i of range(70)) {
      expect([i, counts.get(i)]).toEqual([i, laneOf(keyOf(i), 4) === failingLane ? 2 : 1]);
    }
    expect(shard.status()).toMatchObject({ handled: 70, deadLettered: 0 });
  });

  test('bisect inside lanes: the poison record alone goes to the DLQ, the other lanes are handled once', async () => {
    const h = recordingHandler((i) => i === 24, 'throw');
    const { shard, processBatch, dlq } = setup(70, { parallelization: 4, bisectBatchOnError: true }, h);
    await drive(shard, processBatch);
    expect(dlq.entries().map((e) => [e.index, e.condition])).toEqual([[24, 'RetryAttemptsExhausted']]);
    const counts = handledCounts(h.calls);
    const poisonLane = laneOf(keyOf(24), 4);
    for (const i of range(70)) {
      if (laneOf(keyOf(i), 4) !== poisonLane) expect([i, counts.get(i)]).toEqual([i, 1]);
      else expect(counts.get(i)).toBeGreaterThanOrEqual(1);
    }
    expect(shard.status()).toMatchObject({ handled: 69, deadLettered: 1 });
  });
});

const seqOf = (i: number): string => `4959${String(i).padStart(52, '0')}`;

describe('owed records: no redelivery of what the handler confirmed', () => {
  test('a partial failure of 1 record in 100: the retry delivers it and the later records of its key only', async () => {
    const h = recordingHandler((i, n) => i === 42 && n === 1, 'partial');
    const { shard, processBatch } = setup(100, {}, h);
    await drive(shard, processBatch);
    expect(h.calls.map((c) => c.indexes)).toEqual([
      range(100),
      // 42 is key-0: 49, 56, … were confirmed but are held back with it to keep key-0 in order
      [42, 49, 56, 63, 70, 77, 84, 91, 98],
    ]);
    expect(h.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(shard.status()).toMatchObject({ handled: 100, deadLettered: 0 });
  });

  test('the owed set survives continue-as-new between the two attempts', async () => {
    const h = recordingHandler((i, n) => i === 42 && n === 1, 'partial');
    const first = setup(100, {}, h);
    const input = first.shard.next();
    first.shard.apply(await first.processBatch(input));
    first.shard.settled();
    expect(first.shard.status()).toMatchObject({ owedRecords: 9, checkpoint: { sequenceNumber: seqOf(41) } });
    // A new run from the carried state (as after continue-as-new, or a crash between the attempts)
    const next = new ShardConsumer(upgradeShardInput(first.shard.continuation()), () => T0, {
      warn: () => undefined,
      error: () => undefined,
    });
    await drive(next, first.processBatch);
    expect(h.calls.map((c) => c.indexes)[1]).toEqual([42, 49, 56, 63, 70, 77, 84, 91, 98]);
    expect(next.status()).toMatchObject({ handled: 100 });
  });

  test('past maxOwedRecords a retry redelivers everything after the lowest failed record, and says so', async () => {
    const h = recordingHandler((i, n) => [5, 6, 40].includes(i) && n === 1, 'partial');
    const { shard, processBatch } = setup(50, { maxOwedRecords: 2 }, h);
    const statuses: unknown[] = [];
    await drive(shard, processBatch, (_, r) => {
      if (r.outcome === 'retry') statuses.push({ overflow: r.owedOverflow, owed: r.owed });
    });
    expect(statuses).toEqual([{ overflow: true, owed: null }]);
    expect(h.calls.map((c) => c.indexes)).toEqual([range(50), range(50).slice(5)]);
  });

  test('maxOwedRecords 0 keeps Lambda’s redelivery', async () => {
    const h = recordingHandler((i, n) => i === 42 && n === 1, 'partial');
    const { shard, processBatch } = setup(100, { maxOwedRecords: 0 }, h);
    await drive(shard, processBatch);
    expect(h.calls.map((c) => c.indexes)).toEqual([range(100), range(100).slice(42)]);
  });
});

describe('per-key quarantine', () => {
  const key3 = partitionKeyHash('key-3');

  test('after a record of a key is dead-lettered, the later records of the key follow it to the DLQ in order', async () => {
    const h = recordingHandler((i) => i === 10, 'partial');
    const { shard, processBatch, dlq } = setup(70, { quarantineKeys: true, batchSize: 30 }, h);
    await drive(shard, processBatch);
    const later = range(70).filter((i) => i > 10 && keyOf(i) === 'key-3');
    expect(dlq.entries().map((e) => [e.index, e.condition])).toEqual([
      [10, 'RetryAttemptsExhausted'],
      ...later.map((i) => [i, 'KeyQuarantined']),
    ]);
    // No later record of key-3 was handed over after 10 first failed; every other record was, once
    const counts = handledCounts(h.calls);
    for (const i of range(70).filter((i) => keyOf(i) !== 'key-3')) expect([i, counts.get(i)]).toEqual([i, 1]);
    expect(shard.status()).toMatchObject({ quarantinedKeys: [key3], handled: 70 - 1 - later.length });
  });

  test('quarantined keys survive continue-as-new and are released by hash', async () => {
    const h = recordingHandler((i) => i === 3, 'partial');
    const first = setup(10, { quarantineKeys: true, batchSize: 5 }, h);
    // Only the first 5 records: 3 fails three times and is dead-lettered
    for (let n = 0; n < 3; n++) {
      const r = await first.processBatch(first.shard.next());
      first.shard.settled();
      first.shard.apply(r);
    }
    expect(first.shard.status().quarantinedKeys).toEqual([key3]);
    const next = new ShardConsumer(upgradeShardInput(first.shard.continuation()), () => T0, {
      warn: () => undefined,
      error: () => undefined,
    });
    expect(next.next().quarantine).toEqual({ keys: [key3], max: 100 });
    expect(next.releaseKeys([key3])).toEqual([key3]);
    expect(next.next().quarantine).toEqual({ keys: [], max: 100 });
  });

  test('the quarantine bound: past maxQuarantinedKeys the shard pauses, nothing more is dead-lettered', async () => {
    const h = recordingHandler((i) => i === 3 || i === 5, 'partial');
    const { shard, processBatch, dlq } = setup(20, { quarantineKeys: true, maxQuarantinedKeys: 1 }, h);
    expect(await drive(shard, processBatch)).toBe('paused');
    const status = shard.status();
    expect(status.pauseReason).toMatch(
      /^quarantine full: 0 key\(s\) quarantined .* maxQuarantinedKeys \(1\)/,
    );
    expect(status.quarantinedKeys).toEqual([]);
    expect(dlq.entries()).toEqual([]);
    // With room for both keys, resuming dead-letters the two records and quarantines both keys
    const roomier = setup(20, { quarantineKeys: true, maxQuarantinedKeys: 2 }, h);
    await drive(roomier.shard, roomier.processBatch);
    expect(
      roomier.dlq
        .entries()
        .filter((e) => e.condition === 'RetryAttemptsExhausted')
        .map((e) => e.index),
    ).toEqual([3, 5]);
  });
});
