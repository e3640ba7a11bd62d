import {
  BatchResults,
  type FetchSummary,
  MAX_RESULT_BYTES,
  fitResult,
  jsonBytes,
} from '../../src/activities/shard/batch-results';
import type { ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { ERROR_SUMMARY_MAX_BYTES } from '../../src/handler/error-text';

const FETCH: FetchSummary = {
  fetched: 5,
  bytes: 120,
  millisBehindLatest: 0,
  childShardIds: null,
  lastArrival: '2026-03-01T12:00:00.000Z',
  waitedMs: 3,
  getRecordsCalls: 1,
  shardEnded: false,
};
const CHECKPOINT = { sequenceNumber: '49590000000000000000000000000000000000000000000000000005' };

describe('BatchResults', () => {
  it('states the fetch once: an outcome with no details handled, dead-lettered and failed nothing', () => {
    // Act
    const result = new BatchResults(FETCH).of('handled', CHECKPOINT);
    // Assess
    expect(result).toEqual({
      ...FETCH,
      outcome: 'handled',
      checkpoint: CHECKPOINT,
      handlerRecords: 0,
      failure: null,
      expired: 0,
      handled: 0,
      deadLettered: 0,
      error: null,
    });
  });

  it('lets an outcome state what differs, the fetch figures included', () => {
    // Act
    const result = new BatchResults(FETCH).of('retry', null, {
      fetched: 2,
      handled: 1,
      handlerRecords: 2,
      failure: 'records',
      shardEnded: false,
      error: { type: 'BatchItemFailures', message: '1 of 2' },
    });
    // Assess
    expect(result).toMatchObject({
      outcome: 'retry',
      checkpoint: null,
      fetched: 2,
      handled: 1,
      handlerRecords: 2,
      failure: 'records',
      deadLettered: 0,
      bytes: 120,
      error: { type: 'BatchItemFailures', message: '1 of 2' },
    });
  });

  it('bounds any error it is given, and carries no stack', () => {
    // Act
    const result = new BatchResults(FETCH).of('retry', null, {
      error: { type: 'Error', message: 'q'.repeat(3 * 1024 * 1024), stack: 'Error: qqq' } as {
        type: string;
        message: string;
      },
    });
    // Assess
    expect(Buffer.byteLength(result.error?.message ?? '')).toBeLessThanOrEqual(ERROR_SUMMARY_MAX_BYTES);
    expect(Object.keys(result.error ?? {})).toEqual(['type', 'message']);
    expect(jsonBytes(result)).toBeLessThan(MAX_RESULT_BYTES);
  });
});

describe('fitResult (the size guard)', () => {
  const result = (message: string, childShardIds: string[] | null = null): ProcessBatchResult => ({
    ...new BatchResults(FETCH).of('retry', CHECKPOINT),
    childShardIds,
    error: { type: 'Error', message },
  });

  it('leaves a result within the limit alone', () => {
    const small = result('short');
    expect(fitResult(small, 4096)).toBe(small);
  });

  it('cuts the error message until the JSON fits', () => {
    // Act
    const fitted = fitResult(result('m'.repeat(10_000)), 2048);
    // Assess
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(2048);
    expect(fitted.error?.message.startsWith('mmm')).toBe(true);
    expect(fitted.error?.type).toBe('Error');
    expect(fitted.checkpoint).toEqual(CHECKPOINT);
  });

  it('accounts for what JSON escaping adds (control characters take 6 bytes each)', () => {
    const fitted = fitResult(result('\u0001'.repeat(10_000)), 2048);
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(2048);
  });

  it('throws, naming the sizes, only when even no message cannot fit', () => {
    const children = Array.from({ length: 200 }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
    expect(() => fitResult(result('m', children), 1024)).toThrow(/does not fit in 1024 bytes/);
  });
});
