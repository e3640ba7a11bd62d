import type { _Record } from '@aws-sdk/client-kinesis';
import { BisectBatchCache } from '../../src/activities/shard/bisect-cache';
import type { FetchResult } from '../../src/activities/shard/reader';
import { sequenceNumber } from '../helpers/records';

function fetched(from: number, to: number, bytes = 10): FetchResult {
  const records: _Record[] = [];
  for (let i = from; i <= to; i++)
    records.push({ SequenceNumber: sequenceNumber(i), Data: new Uint8Array(bytes) });
  return {
    records,
    nextIterator: 'next',
    millisBehindLatest: 0,
    childShardIds: null,
    getRecordsCalls: 1,
    throttled: 0,
    waitedMs: 120,
    issuedAt: 0,
  };
}

const at = (n: number) => ({ sequenceNumber: sequenceNumber(n) });

describe('BisectBatchCache', () => {
  it('serves the kept batch for checkpoints inside it, as if just fetched', () => {
    // Prepare
    const cache = new BisectBatchCache();
    cache.put('orders/shard-0', at(0), fetched(1, 8));
    // Act
    const served = [null, at(0), at(4), at(7)].map((c) =>
      c === null ? 'skip' : cache.take('orders/shard-0', c),
    );
    // Assess
    for (const s of served.slice(1)) {
      expect(s).toMatchObject({ getRecordsCalls: 0, waitedMs: 0, nextIterator: 'next' });
      expect((s as FetchResult).records).toHaveLength(8);
    }
  });

  it('misses, and forgets the batch, once it holds nothing after the checkpoint', () => {
    // Prepare
    const cache = new BisectBatchCache();
    cache.put('k', at(0), fetched(1, 8));
    // Act
    const end = cache.take('k', at(8));
    // Assess
    expect(end).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never serves a checkpoint before the one it was read from (a rewind reads Kinesis again)', () => {
    // Prepare
    const cache = new BisectBatchCache();
    cache.put('k', at(5), fetched(6, 8));
    // Act
    const rewound = cache.take('k', at(2));
    const fromStart = new BisectBatchCache();
    fromStart.put('k', null, fetched(1, 3));
    // Assess
    expect(rewound).toBeUndefined();
    expect(fromStart.take('k', null)).toBeDefined();
    expect(fromStart.take('k', at(1))).toBeDefined();
  });

  it('expires entries after two minutes', () => {
    // Prepare
    let now = 0;
    const cache = new BisectBatchCache(() => now);
    cache.put('k', at(0), fetched(1, 3));
    // Act
    now = 120_001;
    // Assess
    expect(cache.take('k', at(0))).toBeUndefined();
  });

  it('keeps at most 64 MB: the oldest batches go first, and a larger one is not kept', () => {
    // Prepare
    const cache = new BisectBatchCache();
    const mb = 1024 * 1024;
    cache.put('a', at(0), fetched(1, 30, mb));
    cache.put('b', at(0), fetched(1, 30, mb));
    // Act
    cache.put('c', at(0), fetched(1, 30, mb));
    cache.put('huge', at(0), fetched(1, 65, mb));
    // Assess
    expect(cache.take('a', at(0))).toBeUndefined();
    expect(cache.take('b', at(0))).toBeDefined();
    expect(cache.take('c', at(0))).toBeDefined();
    expect(cache.take('huge', at(0))).toBeUndefined();
  });
});
