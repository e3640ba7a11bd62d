/**
 * The failure policy end to end on the time-skipping server: the shard workflow with the real
 * batch activity over an in-memory shard and DLQ (test/helpers/memory-shard.ts), so every handler
 * call and every dead-lettered record is visible. Lambda parity: bisect on error, partial batch
 * responses, maximum record age, non-retryable error types.
 */
import { ERROR_SUMMARY_MAX_BYTES } from '../../src/handler/error-text';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import { seq } from '../helpers/fake-batches';
import {
  type HandlerCall,
  MemoryDlq,
  MemoryShard,
  memoryProcessBatch,
  memoryShardInput,
  memoryShardWorker,
  poisonHandler,
} from '../helpers/memory-shard';
import { useTimeSkipping } from '../helpers/time-skipping';

const { env } = useTimeSkipping();
let queueCounter = 0;

class PoisonError extends Error {
  override readonly name = 'PoisonError';
}
class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

interface Run {
  shard: MemoryShard;
  out: ShardWorkflowResult;
  calls: HandlerCall[];
  dlq: MemoryDlq;
}

/** Runs a shard workflow to the end of an in-memory shard of `count` records. */
async function runShard(options: {
  count: number;
  poisoned: (index: number) => boolean;
  mode: { throws: () => Error } | { partial: true };
  streamOptions: Record<string, unknown>;
  arrival?: (index: number, t0: number) => Date;
}): Promise<Run> {
  const t0 = await env.currentTimeMs();
  const shard = new MemoryShard(options.count, (i) => options.arrival?.(i, t0) ?? new Date(t0));
  const dlq = new MemoryDlq();
  const calls: HandlerCall[] = [];
  const taskQueue = `failure-policy-${++queueCounter}`;
  const worker = await memoryShardWorker(env, taskQueue, {
    processBatch: memoryProcessBatch(env, shard, dlq, poisonHandler(options.poisoned, calls, options.mode)),
  });
  const input = memoryShardInput(options.streamOptions);
  const out = await worker.runUntil(
    env.client.workflow.execute<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>('shardWorkflow', {
      taskQueue,
      workflowId: `failure-policy-${taskQueue}`,
      args: [input],
    }),
  );
  return { shard, out, calls, dlq };
}

/** How many successful handler calls delivered each record. */
function confirmations(calls: HandlerCall[], count: number): number[] {
  const n = new Array<number>(count).fill(0);
  for (const call of calls) if (call.outcome === 'ok') for (const i of call.indexes) n[i] = (n[i] ?? 0) + 1;
  return n;
}

const fastRetry = { maximumAttempts: 3, initialInterval: '1s', maximumInterval: '10s' };

describe('bisectBatchOnError', () => {
  it('isolates one poison record among 1,000 in about log2(1000) calls; every good record is handled once', async () => {
    // Prepare
    const poison = 617;
    // Act
    const { shard, out, calls, dlq } = await runShard({
      count: 1_000,
      poisoned: (i) => i === poison,
      mode: { throws: () => new PoisonError('cannot parse record 617') },
      streamOptions: { batchSize: 1_000, bisectBatchOnError: true, retry: fastRetry },
    });
    // Assess
    const isolatedAt = calls.findIndex((c) => c.indexes.length === 1 && c.indexes[0] === poison);
    const alone = calls.filter((c) => c.indexes.length === 1 && c.indexes[0] === poison);
    console.info(
      `bisect: poison alone after ${isolatedAt + 1} handler calls (log2(1000) ≈ 10), ${calls.length} calls in all`,
    );
    expect(isolatedAt + 1).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(1_000)));
    // Splitting used no attempts: the record alone is tried maximumAttempts times, then dead-lettered.
    expect(alone.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(dlq.entries()).toEqual([
      { index: poison, condition: 'RetryAttemptsExhausted', attempts: 3, errorType: 'PoisonError' },
    ]);
    const confirmed = confirmations(calls, 1_000);
    expect(confirmed.filter((n, i) => i !== poison && n !== 1)).toEqual([]);
    expect(confirmed[poison]).toBe(0);
    // The splits came from the worker's copy of the batch: the shard was read twice, not per call.
    expect(shard.fetches).toBeLessThanOrEqual(2);
    expect(out).toMatchObject({
      reason: 'shard-ended',
      status: { handled: 999, deadLettered: 1, checkpoint: { sequenceNumber: seq(999) }, attempt: 1 },
    });
  });

  it('without it, the whole failing batch goes to the DLQ after its attempts (Lambda’s default)', async () => {
    // Act
    const { out, calls, dlq } = await runShard({
      count: 100,
      poisoned: (i) => i === 42,
      mode: { throws: () => new PoisonError('boom') },
      streamOptions: { batchSize: 100, retry: fastRetry },
    });
    // Assess
    expect(calls.map((c) => [c.indexes.length, c.attempt])).toEqual([
      [100, 1],
      [100, 2],
      [100, 3],
    ]);
    expect(dlq.entries()).toHaveLength(100);
    expect(out.status).toMatchObject({ handled: 0, deadLettered: 100 });
  });
});

describe('partial batch responses (batchItemFailures)', () => {
  it('stop the checkpoint just before the lowest failed record; the last attempt dead-letters only the failed ones', async () => {
    // Act
    const { out, calls, dlq } = await runShard({
      count: 100,
      poisoned: (i) => i === 30 || i === 60,
      mode: { partial: true },
      // Lambda's redelivery (no owed records); the default is in test/workflows/per-key.test.ts
      streamOptions: { batchSize: 100, retry: fastRetry, maxOwedRecords: 0 },
    });
    // Assess: Lambda's rule, everything from the lowest failed record is retried.
    expect(calls.map((c) => [c.indexes[0], c.indexes.length, c.attempt])).toEqual([
      [0, 100, 1],
      [30, 70, 2],
      [30, 70, 3],
    ]);
    expect(dlq.entries().map((e) => [e.index, e.condition, e.attempts])).toEqual([
      [30, 'RetryAttemptsExhausted', 3],
      [60, 'RetryAttemptsExhausted', 3],
    ]);
    expect(out.status).toMatchObject({
      handled: 98,
      deadLettered: 2,
      checkpoint: { sequenceNumber: seq(99) },
    });
  });

  it('with bisect, isolate the reported record at once, so its retries no longer redeliver the records after it', async () => {
    // Act
    const { calls, dlq } = await runShard({
      count: 100,
      poisoned: (i) => i === 30,
      mode: { partial: true },
      streamOptions: { batchSize: 100, bisectBatchOnError: true, retry: fastRetry, maxOwedRecords: 0 },
    });
    // Assess
    expect(calls.map((c) => [c.indexes[0], c.indexes.length, c.attempt])).toEqual([
      [0, 100, 1],
      [30, 1, 2],
      [30, 1, 3],
      [31, 69, 1],
    ]);
    expect(dlq.entries().map((e) => [e.index, e.attempts])).toEqual([[30, 3]]);
    // Records before the failure are confirmed once; those after it once more after it is resolved.
    const delivered = new Array<number>(100).fill(0);
    for (const c of calls) for (const i of c.indexes) delivered[i] = (delivered[i] ?? 0) + 1;
    expect(delivered.slice(0, 30).every((n) => n === 1)).toBe(true);
    expect(delivered.slice(31).every((n) => n === 2)).toBe(true);
  });
});

describe('maximumRecordAge', () => {
  it('sends records older than it to the DLQ without calling the handler; the checkpoint moves on', async () => {
    // Act: records 0–9 arrived two hours ago, 10–19 just now.
    const { out, calls, dlq } = await runShard({
      count: 20,
      poisoned: () => false,
      mode: { throws: () => new Error('never') },
      streamOptions: { batchSize: 100, maximumRecordAge: '1h', retry: fastRetry },
      arrival: (i, t0) => new Date(i < 10 ? t0 - 2 * 3_600_000 : t0),
    });
    // Assess
    expect(calls.map((c) => c.indexes)).toEqual([[10, 11, 12, 13, 14, 15, 16, 17, 18, 19]]);
    expect(dlq.batches).toHaveLength(1);
    expect(dlq.batches[0]).toMatchObject({
      condition: 'RecordAgeExceeded',
      error: { type: 'RecordAgeExceeded' },
    });
    expect(dlq.entries().map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.status).toMatchObject({
      handled: 10,
      deadLettered: 10,
      checkpoint: { sequenceNumber: seq(19) },
    });
  });

  it('ends the retries of a failing batch once its records are too old, even with infinite attempts', async () => {
    // Act
    const { out, calls, dlq } = await runShard({
      count: 5,
      poisoned: () => true,
      mode: { throws: () => new PoisonError('downstream rejects everything') },
      streamOptions: {
        batchSize: 100,
        maximumRecordAge: '10m',
        retry: { maximumAttempts: 0, initialInterval: '1s', maximumInterval: '1m' },
      },
    });
    // Assess
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.every((c) => c.outcome === 'threw')).toBe(true);
    expect(dlq.entries().map((e) => [e.index, e.condition])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i, 'RecordAgeExceeded']),
    );
    expect(dlq.batches[0]?.attempts).toBe(calls.length);
    expect(out.status).toMatchObject({ handled: 0, deadLettered: 5, checkpoint: { sequenceNumber: seq(4) } });
  });
});

describe('retry.nonRetryableErrorTypes', () => {
  it('sends the records of a listed error to the DLQ at once, without retries', async () => {
    // Act
    const { calls, dlq } = await runShard({
      count: 10,
      poisoned: (i) => i === 3,
      mode: { throws: () => new ValidationError('field "amount" is negative') },
      streamOptions: {
        batchSize: 10,
        retry: { ...fastRetry, maximumAttempts: 5, nonRetryableErrorTypes: ['ValidationError'] },
      },
    });
    // Assess
    expect(calls.map((c) => [c.indexes.length, c.attempt])).toEqual([[10, 1]]);
    expect(new Set(dlq.entries().map((e) => `${e.condition}/${e.attempts}/${e.errorType}`))).toEqual(
      new Set(['NonRetryableError/1/ValidationError']),
    );
    expect(dlq.entries()).toHaveLength(10);
  });

  it('with bisect, isolates the failing record first, then sends only it at once', async () => {
    // Act
    const { out, calls, dlq } = await runShard({
      count: 64,
      poisoned: (i) => i === 40,
      mode: { throws: () => new ValidationError('bad record') },
      streamOptions: {
        batchSize: 64,
        bisectBatchOnError: true,
        retry: { ...fastRetry, maximumAttempts: 5, nonRetryableErrorTypes: ['ValidationError'] },
      },
    });
    // Assess
    const alone = calls.filter((c) => c.indexes.length === 1 && c.indexes[0] === 40);
    expect(alone.map((c) => c.attempt)).toEqual([1]);
    expect(calls.every((c) => c.attempt === 1)).toBe(true);
    expect(dlq.entries()).toEqual([
      { index: 40, condition: 'NonRetryableError', attempts: 1, errorType: 'ValidationError' },
    ]);
    expect(out.status).toMatchObject({ handled: 63, deadLettered: 1 });
  });

  it('leaves errors that are not listed to the retry policy', async () => {
    // Act
    const { calls, dlq } = await runShard({
      count: 4,
      poisoned: (i) => i === 0,
      mode: { throws: () => new PoisonError('transient?') },
      streamOptions: { batchSize: 4, retry: { ...fastRetry, nonRetryableErrorTypes: ['ValidationError'] } },
    });
    // Assess
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(dlq.entries().every((e) => e.condition === 'RetryAttemptsExhausted')).toBe(true);
  });
});

describe('handler error text (issue 15 finding 2)', () => {
  it('a 3 MiB error: the record is dead-lettered after its attempts, the status shows the error cut to 2 KiB', async () => {
    // Act
    const huge = `record 1 is poison: ${'x'.repeat(3 * 1024 * 1024)}`;
    const { out, calls, dlq } = await runShard({
      count: 3,
      poisoned: (i) => i === 1,
      mode: { throws: () => new Error(huge) },
      streamOptions: { batchSize: 1, retry: fastRetry },
    });
    // Assess
    expect(calls.filter((c) => c.outcome === 'threw').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(dlq.entries()).toEqual([
      { index: 1, condition: 'RetryAttemptsExhausted', attempts: 3, errorType: 'Error' },
    ]);
    expect(dlq.batches[0]?.error.message).toBe(huge);
    expect(out).toMatchObject({
      reason: 'shard-ended',
      status: { handled: 2, deadLettered: 1, checkpoint: { sequenceNumber: seq(2) } },
    });
    const { lastError } = out.status;
    expect(lastError?.type).toBe('Error');
    expect(lastError?.message.startsWith('record 1 is poison: xxx')).toBe(true);
    expect(Buffer.byteLength(lastError?.message ?? '')).toBeLessThanOrEqual(ERROR_SUMMARY_MAX_BYTES);
  });
});
