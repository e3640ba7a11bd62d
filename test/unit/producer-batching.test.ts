/**
 * Request building at the exact boundaries of the PutRecords limits, the ordering guard, and the
 * checks on records and options. No network: the batcher runs over in-memory key queues.
 */
import { type BuildContext, type Entry, buildRequest } from '../../src/producer/batcher';
import { KeyQueues } from '../../src/producer/key-queues';
import {
  InvalidRecordError,
  MAX_RECORDS_PER_REQUEST,
  MAX_RECORD_BYTES,
  MAX_REQUEST_BYTES,
  compileProducerOptions,
} from '../../src/producer';
import { validateRecord } from '../../src/producer/limits';
import { ShardRateLimiter } from '../../src/producer/rate-limiter';
import { AggregateBuilder, deaggregate } from '../../src/kpl';
import { type HashKey, HashKeyCache } from '../../src/producer/hash-keys';

/** One cache for the file: records of a key share its HashKey object, as in the producer. */
const hashKeys = new HashKeyCache();
const effectiveHashKey = (partitionKey: string): HashKey => hashKeys.of(partitionKey);
import type { KinesisClient } from '@aws-sdk/client-kinesis';

const SHARD = 'shardId-000000000000';

/** Queues `count` records; `key(i)` and `size(i)` (data bytes) choose each one. */
function queue(count: number, key: (i: number) => string, size: (i: number) => number): KeyQueues {
  const queues = new KeyQueues();
  for (let i = 0; i < count; i++) {
    const partitionKey = key(i);
    const data = new Uint8Array(size(i)).fill(i % 251);
    queues.add(partitionKey, (k) => ({
      partitionKey,
      explicitHashKey: undefined,
      hashKey: effectiveHashKey(partitionKey),
      data,
      bytes: data.byteLength + Buffer.byteLength(partitionKey),
      acceptedAt: 0,
      attempts: 0,
      key: k,
    }));
  }
  return queues;
}

function context(queues: KeyQueues, over: Partial<BuildContext> = {}): BuildContext {
  return {
    queues,
    route: () => SHARD,
    // 1000%: rate never gets in the way of these tests unless they say so
    limiter: new ShardRateLimiter(100_000, () => 0),
    aggregation: null,
    now: 0,
    unroutableWaitMs: 100,
    ...over,
  };
}

/** Builds requests until nothing is left, settling every entry as if it succeeded. */
function drain(queues: KeyQueues, over: Partial<BuildContext> = {}): Entry[][] {
  const requests: Entry[][] = [];
  for (;;) {
    const { entries } = buildRequest(context(queues, over));
    if (entries.length === 0) return requests;
    requests.push(entries);
    for (const e of entries) for (const key of new Set(e.records.map((r) => r.key))) queues.settled(key);
  }
}

const requestBytes = (entries: Entry[]) => entries.reduce((n, e) => n + e.bytes, 0);

describe('PutRecords limits, plain records', () => {
  it('500 records per request, the 501st in the next', () => {
    const requests = drain(
      queue(
        501,
        (i) => `k${i}`,
        () => 10,
      ),
    );
    expect(requests.map((r) => r.length)).toEqual([MAX_RECORDS_PER_REQUEST, 1]);
  });

  it('five records of exactly 1 MiB (partition key included) fill one request of exactly 5 MiB', () => {
    // ASCII keys of 1 byte: k0…k4 would be 2 bytes, so use single letters
    const requests = drain(
      queue(
        6,
        (i) => 'abcdef'[i] as string,
        () => MAX_RECORD_BYTES - 1,
      ),
    );
    expect(requests.map((r) => r.length)).toEqual([5, 1]);
    expect(requestBytes(requests[0] as Entry[])).toBe(MAX_REQUEST_BYTES);
  });

  it('one byte over 5 MiB moves the last record to the next request', () => {
    const sizes = [
      MAX_RECORD_BYTES - 1,
      MAX_RECORD_BYTES - 1,
      MAX_RECORD_BYTES - 1,
      MAX_RECORD_BYTES - 1,
      MAX_RECORD_BYTES,
    ];
    const requests = drain(
      queue(
        5,
        (i) => 'abcde'[i] as string,
        (i) => sizes[i] ?? 0,
      ),
    );
    expect(requests.map((r) => r.length)).toEqual([4, 1]);
  });

  it('never two records of one partition key in one request: each waits for the one before it', () => {
    const requests = drain(
      queue(
        6,
        (i) => (i < 3 ? 'hot' : `cold-${i}`),
        () => 10,
      ),
    );
    expect(requests.map((r) => r.map((e) => e.records[0]?.partitionKey))).toEqual([
      ['hot', 'cold-3', 'cold-4', 'cold-5'],
      ['hot'],
      ['hot'],
    ]);
  });

  it('a shard out of write capacity holds its keys back; other shards go on', () => {
    const queues = queue(
      4,
      (i) => `k${i}`,
      () => 10,
    );
    const limiter = new ShardRateLimiter(100, () => 0);
    for (let i = 0; i < 1000; i++) limiter.take('busy', 10); // the bucket holds one second: now empty
    const { entries } = buildRequest(
      context(queues, { limiter, route: (hashKey) => (hashKey === effectiveHashKey('k1') ? 'busy' : SHARD) }),
    );
    expect(entries.map((e) => e.records[0]?.partitionKey)).toEqual(['k0', 'k2', 'k3']);
    expect(limiter.waitMs('busy')).toBeGreaterThan(0);
  });

  it('a key no known shard covers is held back and reported, so the map is re-read', () => {
    const queues = queue(
      2,
      (i) => `k${i}`,
      () => 10,
    );
    const built = buildRequest(
      context(queues, { route: (h) => (h === effectiveHashKey('k0') ? undefined : SHARD) }),
    );
    expect(built.unroutable).toBe(1);
    expect(built.entries.map((e) => e.records[0]?.partitionKey)).toEqual(['k1']);
  });
});

describe('PutRecords limits with KPL aggregation', () => {
  const aggregation = { maxBytes: 4096, maxRecords: 10_000 };

  it('records of many keys for one shard share an aggregate; a key’s records stay in order', () => {
    const requests = drain(
      queue(
        30,
        (i) => `k${i % 3}`,
        () => 20,
      ),
      { aggregation },
    );
    expect(requests).toHaveLength(1);
    const [entry] = requests[0] as Entry[];
    expect(entry?.aggregated).toBe(true);
    const decoded = deaggregate(entry?.request.Data as Uint8Array);
    expect(decoded.kind === 'aggregate' && decoded.records.map((r) => r.partitionKey)).toEqual([
      ...Array.from({ length: 10 }, () => 'k0'),
      ...Array.from({ length: 10 }, () => 'k1'),
      ...Array.from({ length: 10 }, () => 'k2'),
    ]);
    expect(entry?.bytes).toBe((entry?.request.Data as Uint8Array).byteLength + 2);
  });

  it('fills an aggregate to exactly maxBytes; one byte more starts the next', () => {
    // The first record's size that makes [first, 2-byte second] exactly 4096 bytes (key "a").
    const sizeOf = (first: number) => {
      const builder = new AggregateBuilder();
      builder.add({ partitionKey: 'a', data: new Uint8Array(first) });
      return builder.sizeWith({ partitionKey: 'a', data: new Uint8Array(2) });
    };
    let first = 4000;
    while (sizeOf(first) < 4096) first++;
    expect(sizeOf(first)).toBe(4096);
    // Act
    const exact = drain(
      queue(
        2,
        () => 'a',
        (i) => (i === 0 ? first : 2),
      ),
      { aggregation },
    );
    const over = drain(
      queue(
        2,
        () => 'a',
        (i) => (i === 0 ? first + 1 : 2),
      ),
      { aggregation },
    );
    // Assess
    expect(exact.flat().map((e) => e.records.length)).toEqual([2]);
    expect((exact[0]?.[0]?.request.Data as Uint8Array).byteLength).toBe(4096);
    // a key's records never travel in two entries at once: the second waits for the next request
    expect(over.map((r) => r.map((e) => [e.aggregated, e.records.length]))).toEqual([
      [[false, 1]],
      [[false, 1]],
    ]);
  });

  it('a record too large for an aggregate goes alone, as a plain record', () => {
    const requests = drain(
      queue(
        2,
        (i) => `k${i}`,
        (i) => (i === 0 ? 5000 : 10),
      ),
      { aggregation },
    );
    expect(requests.flat().map((e) => [e.aggregated, e.records.length])).toEqual([
      [false, 1],
      [false, 1],
    ]);
  });

  it('never more than 500 aggregates, nor more than 5 MiB, per request', () => {
    // Prepare: a shard per key, so that every record opens its own aggregate
    const keys = Array.from({ length: 501 }, (_, i) => `k${i}`);
    const shardOf = new Map(keys.map((k, i) => [effectiveHashKey(k), `shard-${i}`]));
    const route = (h: HashKey) => shardOf.get(h);
    // Act
    const many = drain(
      queue(
        501,
        (i) => keys[i] as string,
        () => 10,
      ),
      { aggregation, route },
    );
    const big = drain(
      queue(
        8,
        (i) => keys[i] as string,
        () => 1_000_000,
      ),
      {
        aggregation: { maxBytes: MAX_RECORD_BYTES, maxRecords: 10 },
        route,
      },
    );
    // Assess
    expect(many.map((r) => r.length)).toEqual([500, 1]);
    expect(big.every((r) => requestBytes(r) <= MAX_REQUEST_BYTES)).toBe(true);
    expect(big.map((r) => r.length)).toEqual([5, 3]);
  });
});

describe('records and options', () => {
  it.each([
    ['an empty partition key', { partitionKey: '', data: 'x' }, /partitionKey: a key of 0 characters/],
    ['a partition key of 257 characters', { partitionKey: 'k'.repeat(257), data: 'x' }, /257 characters/],
    [
      'an explicit hash key above 2^128 - 1',
      { partitionKey: 'k', data: 'x', explicitHashKey: (1n << 128n).toString() },
      /explicitHashKey/,
    ],
    [
      '1 MiB of data plus a key',
      { partitionKey: 'k', data: new Uint8Array(MAX_RECORD_BYTES) },
      /1048577 bytes/,
    ],
    [
      'a key of 256 three-byte characters and 1 MiB less 767 bytes',
      { partitionKey: '€'.repeat(256), data: new Uint8Array(MAX_RECORD_BYTES - 767) },
      /1048577 bytes/,
    ],
  ])('refuses %s, naming the field', (_what, record, message) => {
    expect(() => validateRecord(record)).toThrow(InvalidRecordError);
    expect(() => validateRecord(record)).toThrow(message);
  });

  it('accepts the limits themselves', () => {
    expect(() =>
      validateRecord({ partitionKey: 'k'.repeat(256), data: new Uint8Array(MAX_RECORD_BYTES - 256) }),
    ).not.toThrow();
    expect(() =>
      validateRecord({ partitionKey: '€'.repeat(256), data: new Uint8Array(MAX_RECORD_BYTES - 768) }),
    ).not.toThrow();
    expect(() =>
      validateRecord({ partitionKey: 'k', data: '', explicitHashKey: ((1n << 128n) - 1n).toString() }),
    ).not.toThrow();
  });

  const kinesis = { send: () => undefined } as unknown as KinesisClient;
  it.each([
    [{ streamName: 'bad name!' }, /streamName: "bad name!" is not a stream name/],
    [{ streamName: 's', maxBufferedBytes: 1000 }, /maxBufferedBytes: 1000 is invalid.*1 MiB/],
    [
      { streamName: 's', aggregation: { maxBytes: 2 * 1024 * 1024 } },
      /aggregation.maxBytes: 2097152 is invalid/,
    ],
    [
      { streamName: 's', retry: { initialDelay: '2s', maxDelay: '1s' } },
      /retry.maxDelay: 1s must not be lower than retry.initialDelay \(2s\)/,
    ],
    [{ streamName: 's', maxBufferedTime: 'soon' }, /maxBufferedTime: "soon" is not a duration/],
    [{ streamName: 's', rateLimit: 0 }, /rateLimit: 0 is invalid/],
  ])('options %j are refused with the field and the fix', (options, message) => {
    expect(() => compileProducerOptions({ kinesis, ...options })).toThrow(message);
  });

  it('fills in the defaults', () => {
    const compiled = compileProducerOptions({ kinesis, streamName: 's', aggregation: true, recordTtl: 0 });
    expect(compiled).toMatchObject({
      aggregation: { maxBytes: 51_200, maxRecords: 10_000 },
      maxBufferedTimeMs: 100,
      rateLimit: 100,
      recordTtlMs: Infinity,
    });
  });
});
