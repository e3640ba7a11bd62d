import { type CompiledRetry } from '../../src/config/stream-options';
import { type BatchVerdict, type FailureState, afterBatch } from '../../src/workflows/shard-failure';

const retry: CompiledRetry = {
  maximumAttempts: 3,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 60_000,
  nonRetryableErrorTypes: [],
};
const bisect = { retry, bisectBatchOnError: true };
const plain = { retry, bisectBatchOnError: false };
const fresh: FailureState = { attempt: 1, bisect: null };

const failedAll = (n: number): BatchVerdict => ({
  outcome: 'retry',
  fetched: n,
  handlerRecords: n,
  failure: 'batch',
});
const handled = (n: number): BatchVerdict => ({
  outcome: 'handled',
  fetched: n,
  handlerRecords: n,
  failure: null,
});

describe('afterBatch without bisect (Lambda defaults)', () => {
  it('retries a failed batch with the next attempt after the backoff', () => {
    // Act
    const next = afterBatch({ attempt: 2, bisect: null }, failedAll(100), false, plain);
    // Assess
    expect(next).toEqual({ attempt: 3, bisect: null, delayMs: 2_000 });
  });

  it('counts a partial success that moved the checkpoint as the new first record’s first failure', () => {
    // Act
    const next = afterBatch(
      { attempt: 3, bisect: null },
      { outcome: 'retry', fetched: 100, handlerRecords: 100, failure: 'records' },
      true,
      plain,
    );
    // Assess
    expect(next).toEqual({ attempt: 2, bisect: null, delayMs: 1_000 });
  });

  it('starts again from attempt 1 after a handled or dead-lettered batch', () => {
    // Act
    const after = [handled(5), { ...handled(5), outcome: 'dead-lettered' as const }].map((b) =>
      afterBatch({ attempt: 3, bisect: null }, b, true, plain),
    );
    // Assess
    expect(after).toEqual([
      { attempt: 1, bisect: null, delayMs: 0 },
      { attempt: 1, bisect: null, delayMs: 0 },
    ]);
  });

  it('reads results recorded before bisecting existed (no failure field) as before', () => {
    // Act
    const next = afterBatch(fresh, { outcome: 'retry', fetched: 10 }, false, plain);
    // Assess
    expect(next).toEqual({ attempt: 2, bisect: null, delayMs: 1_000 });
  });
});

describe('afterBatch with bisectBatchOnError', () => {
  it('splits a batch failed as a whole without using an attempt or waiting', () => {
    // Act
    const next = afterBatch(fresh, failedAll(1_000), false, bisect);
    // Assess
    expect(next).toEqual({ attempt: 1, bisect: { limit: 500, remaining: 1_000 }, delayMs: 0 });
  });

  it('after a good first half, halves the rest, where the failure must be', () => {
    // Act
    const next = afterBatch(
      { attempt: 1, bisect: { limit: 500, remaining: 1_000 } },
      handled(500),
      true,
      bisect,
    );
    // Assess
    expect(next).toEqual({ attempt: 1, bisect: { limit: 250, remaining: 500 }, delayMs: 0 });
  });

  it('retries a record failing alone with backoff, using attempts', () => {
    // Act
    const next = afterBatch({ attempt: 1, bisect: { limit: 1, remaining: 1 } }, failedAll(1), false, bisect);
    // Assess
    expect(next).toEqual({ attempt: 2, bisect: { limit: 1, remaining: 1 }, delayMs: 1_000 });
  });

  it('ends once the failing run is consumed (the record dead-lettered or handled)', () => {
    // Act
    const next = afterBatch(
      { attempt: 3, bisect: { limit: 1, remaining: 1 } },
      { outcome: 'dead-lettered', fetched: 1, handlerRecords: 1, failure: 'batch' },
      true,
      bisect,
    );
    // Assess
    expect(next).toEqual({ attempt: 1, bisect: null, delayMs: 0 });
  });

  it('isolates the lowest record a batchItemFailures response names, at once', () => {
    // Act
    const next = afterBatch(
      fresh,
      { outcome: 'retry', fetched: 100, handlerRecords: 100, failure: 'records' },
      true,
      bisect,
    );
    // Assess
    expect(next).toEqual({ attempt: 2, bisect: { limit: 1, remaining: 1 }, delayMs: 1_000 });
  });

  it('keeps the narrowing across an idle poll', () => {
    // Act
    const state = { attempt: 1, bisect: { limit: 4, remaining: 8 } };
    const next = afterBatch(state, { outcome: 'idle', fetched: 0 }, false, bisect);
    // Assess
    expect(next).toEqual({ ...state, delayMs: 0 });
  });

  // The failing batch, one call per halving (ceil(log2 n)), and the call with the record alone.
  it.each([
    [1, 1],
    [2, 3],
    [1_000, 12],
    [10_000, 16],
  ])('isolates a poison record among %i in at most %i calls, wherever it is', (n, bound) => {
    // Prepare: simulate the transitions against a batch whose record `poison` always fails.
    for (const poison of [0, Math.floor(n / 3), n - 1]) {
      let state: FailureState = fresh;
      let position = 0;
      let calls = 0;
      for (;;) {
        const size = Math.min(state.bisect?.limit ?? n, n - position);
        calls++;
        const holdsPoison = poison >= position && poison < position + size;
        if (holdsPoison && size === 1) break; // alone: isolated
        // Act
        const next = afterBatch(state, holdsPoison ? failedAll(size) : handled(size), !holdsPoison, bisect);
        if (!holdsPoison) position += size;
        state = next;
      }
      // Assess
      expect(position).toBe(poison);
      expect(calls).toBeLessThanOrEqual(bound);
    }
  });
});
