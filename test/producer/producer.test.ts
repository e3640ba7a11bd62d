/**
 * The producer against the emulators, with the faults they never produce injected by client
 * middleware: failed entries, throttled calls, slow calls. Records carry a per-key counter, and
 * the stream is read back (aggregates expanded) to check that nothing is lost, nothing is written
 * twice, and no key is reordered.
 */
import { type KinesisClient, SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { KinesisEmulator, KinesisKind } from '../../src/local/kinesis-emulator';
import {
  EarlierRecordFailedError,
  InvalidRecordError,
  MAX_RECORD_BYTES,
  type Producer,
  type ProducerOptions,
  type PutResult,
  createProducer,
} from '../../src/producer';
import { compareCheckpoint } from '../../src/records';
import { createStream, kinesisClientFor, startKinesis, uniqueName, waitForActive } from '../helpers/kinesis';
import { Latch, PutRecordsHold } from '../helpers/latch';
import { PutRecordsFaults, type ReadBack, readStream } from '../helpers/put-faults';

interface Counted {
  k: string;
  n: number;
}

/**
 * Puts `count` records over `keys` keys, each `{ k, n }` with a per-key counter; returns the
 * results. `before(i)`, when given, is awaited before record `i` is put: the test's hand on the source.
 */
async function putCounted(
  producer: Producer,
  count: number,
  keys: number,
  pad = 0,
  before?: (i: number) => Promise<void> | void,
): Promise<PutResult[]> {
  const counters = new Array<number>(keys).fill(0);
  const puts: Array<Promise<PutResult>> = [];
  for (let i = 0; i < count; i++) {
    await before?.(i);
    const k = `key-${i % keys}`;
    const n = counters[i % keys] ?? 0;
    counters[i % keys] = n + 1;
    const body: Counted & { pad?: string } = { k, n, ...(pad > 0 ? { pad: 'x'.repeat(pad) } : {}) };
    await producer.ready();
    puts.push(producer.put({ partitionKey: k, data: JSON.stringify(body) }));
  }
  return Promise.all(puts);
}

/** Per key, the counters in stream order must be exactly 0, 1, 2, … (no loss, no duplicate, no reordering). */
function orderProblems(records: readonly ReadBack[], count: number, keys: number): string[] {
  const byKey = new Map<string, number[]>();
  for (const r of records) {
    const { k, n } = JSON.parse(r.data) as Counted;
    const list = byKey.get(k) ?? [];
    list.push(n);
    byKey.set(k, list);
  }
  const problems: string[] = [];
  for (let key = 0; key < keys; key++) {
    const k = `key-${key}`;
    const expected = Math.floor(count / keys) + (key < count % keys ? 1 : 0);
    const got = byKey.get(k) ?? [];
    const ok = got.length === expected && got.every((n, i) => n === i);
    if (!ok)
      problems.push(
        `${k}: ${JSON.stringify(got.slice(0, 20))}${got.length > 20 ? '…' : ''} (${got.length} of ${expected})`,
      );
  }
  return problems;
}

/** The put results of each key must be in increasing stream positions (same shard unless resharded). */
function resultOrderProblems(results: readonly PutResult[], keys: number): string[] {
  const problems: string[] = [];
  const last = new Map<number, PutResult>();
  results.forEach((r, i) => {
    const previous = last.get(i % keys);
    if (previous && previous.shardId === r.shardId && compareCheckpoint(previous, r) >= 0) {
      problems.push(
        `record ${i}: ${r.sequenceNumber}/${r.subSequenceNumber} not after ${previous.sequenceNumber}/${previous.subSequenceNumber}`,
      );
    }
    last.set(i % keys, r);
  });
  return problems;
}

/**
 * An emulator for the enclosing describe block, a fresh client per test (faults are installed on
 * it), and the producer `make` built, closed after each test.
 */
function useProducerFixture(kind: KinesisKind) {
  let emulator: KinesisEmulator;
  const fixture = {
    kinesis: undefined as unknown as KinesisClient,
    producer: undefined as Producer | undefined,
  };
  beforeAll(async () => {
    emulator = await startKinesis(kind);
  });
  beforeEach(() => {
    fixture.kinesis = kinesisClientFor(emulator.endpoint);
  });
  afterEach(async () => {
    await fixture.producer?.close().catch(() => undefined);
    fixture.producer = undefined;
    fixture.kinesis.destroy();
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  return {
    get kinesis(): KinesisClient {
      return fixture.kinesis;
    },
    make(options: Omit<ProducerOptions, 'kinesis'>): Producer {
      fixture.producer = createProducer({ kinesis: fixture.kinesis, ...options });
      return fixture.producer;
    },
  };
}

describe.each<[KinesisKind, number]>([
  ['kinesalite', 2_000],
  ['kinesis-local', 600],
])('producer on %s', (kind, count) => {
  const fx = useProducerFixture(kind);
  const make = fx.make;

  describe.each([
    ['plain records', false],
    ['KPL aggregation', true],
  ])('%s', (_what, aggregation) => {
    it('with 20% of entries failing and 5% of calls throttled: every record once, in order per key', async () => {
      // Prepare
      const streamName = uniqueName('producer-faults');
      await createStream(fx.kinesis, streamName, 3);
      const faults = new PutRecordsFaults(fx.kinesis, {
        entryFailureRate: 0.2,
        entryErrorCode: (i) => (i % 2 === 0 ? 'ProvisionedThroughputExceededException' : 'InternalFailure'),
        callThrottleRate: 0.05,
        throttleFirstCalls: 1,
        seed: 7,
      });
      const p = make({
        streamName,
        aggregation: aggregation ? { maxBytes: 1024 } : false,
        maxBufferedTime: '20ms',
        retry: { initialDelay: '5ms', maxDelay: '50ms' },
        recordTtl: 0,
      });
      const keys = 40;
      // Act
      const results = await putCounted(p, count, keys);
      await p.close();
      // Assess
      const stats = p.stats();
      expect(faults.failedEntries).toBeGreaterThan(0);
      expect(faults.throttledCalls).toBeGreaterThan(0);
      expect(stats.retries).toBeGreaterThan(0);
      expect(stats.throttles).toBeGreaterThan(0);
      expect(stats.userRecordsPut).toBe(count);
      expect(stats.failed).toBe(0);
      expect(resultOrderProblems(results, keys)).toEqual([]);
      const stream = await readStream(fx.kinesis, streamName);
      expect(stream).toHaveLength(count);
      expect(orderProblems(stream, count, keys)).toEqual([]);
      if (aggregation) {
        expect(stream.some((r) => r.subSequenceNumber !== undefined)).toBe(true);
        expect(stats.kinesisRecordsPut).toBeLessThan(count / 4);
      } else {
        expect(stats.kinesisRecordsPut).toBe(count);
      }
    });
  });

  it('a record of exactly 1 MiB with its partition key is written; one byte more is refused before sending', async () => {
    // Prepare
    const streamName = uniqueName('producer-limits');
    await createStream(fx.kinesis, streamName, 1);
    const p = make({ streamName });
    const partitionKey = 'k'.repeat(256);
    const exact = new Uint8Array(MAX_RECORD_BYTES - 256).fill(7);
    // Act
    const written = await p.put({ partitionKey, data: exact });
    const refused = p.put({ partitionKey, data: new Uint8Array(MAX_RECORD_BYTES - 255) });
    // Assess
    expect(written.shardId).toBe('shardId-000000000000');
    await expect(refused).rejects.toBeInstanceOf(InvalidRecordError);
    await expect(refused).rejects.toThrow(/data: the record is 1048577 bytes/);
    const stream = await readStream(fx.kinesis, streamName);
    expect(stream.map((r) => r.data.length)).toEqual([MAX_RECORD_BYTES - 256]);
  });
});

describe('producer behaviour (kinesalite)', () => {
  const fx = useProducerFixture('kinesalite');
  const make = fx.make;

  it('backpressure: the buffer never holds more than its bound, and put waits for room', async () => {
    // Prepare
    const streamName = uniqueName('producer-backpressure');
    await createStream(fx.kinesis, streamName, 4);
    new PutRecordsFaults(fx.kinesis, { delayMs: 25 }); // a slow stream: the buffer fills up
    const maxBufferedBytes = 1024 * 1024;
    const p = make({ streamName, maxBufferedRecords: 50, maxBufferedBytes });
    const record = (i: number, kib: number) => ({
      partitionKey: `key-${i % 64}`,
      data: new Uint8Array(kib * 1024).fill(i % 256),
    });
    // Act: a burst of 200 puts of 32 KiB at once (6.3 MiB: the bytes bound holds), then 400 of
    // 1 KiB paced by ready() (the records bound holds)
    const burst = Array.from({ length: 200 }, (_, i) => p.put(record(i, 32)));
    const waitingDuringBurst = p.stats().waitingPuts;
    await Promise.all(burst);
    const afterBurst = p.stats().maxBuffered;
    const paced: Array<Promise<PutResult>> = [];
    for (let i = 0; i < 400; i++) {
      await p.ready();
      paced.push(p.put(record(i, 1)));
    }
    await Promise.all(paced);
    // Assess
    const stats = p.stats();
    expect(waitingDuringBurst).toBeGreaterThan(150);
    expect(afterBurst.bytes).toBeLessThanOrEqual(maxBufferedBytes);
    expect(afterBurst.bytes).toBeGreaterThan(maxBufferedBytes - 32 * 1024 - 64);
    expect(afterBurst.records).toBeLessThan(50);
    expect(stats.maxBuffered.records).toBe(50);
    expect(stats.userRecordsPut).toBe(600);
    expect(await readStream(fx.kinesis, streamName)).toHaveLength(600);
  });

  it('keeps each shard under 1,000 records/s without aggregation; aggregation carries the same load in a few records', async () => {
    // Prepare
    const plainStream = uniqueName('producer-rate');
    const aggStream = uniqueName('producer-rate-agg');
    await createStream(fx.kinesis, plainStream, 1);
    await createStream(fx.kinesis, aggStream, 1);
    const started = Date.now();
    // Act: 2,500 records into one shard; the bucket holds one second (1,000), then 1,000/s
    const plain = make({ streamName: plainStream });
    await putCounted(plain, 2_500, 500);
    await plain.close();
    const plainMs = Date.now() - started;
    const aggStarted = Date.now();
    const agg = make({ streamName: aggStream, aggregation: true });
    await putCounted(agg, 2_500, 500);
    await agg.close();
    const aggMs = Date.now() - aggStarted;
    // Assess
    expect(plainMs).toBeGreaterThanOrEqual(1_400);
    expect(plain.stats().kinesisRecordsPut).toBe(2_500);
    expect(agg.stats().kinesisRecordsPut).toBeLessThan(10);
    expect(aggMs).toBeLessThan(plainMs);
    expect(await readStream(fx.kinesis, aggStream)).toHaveLength(2_500);
  });

  it('a record failing for good is rejected with the classified error, the records queued behind it on its key too; other keys go on', async () => {
    // Prepare
    const streamName = uniqueName('producer-denied');
    await createStream(fx.kinesis, streamName, 1);
    const deniedKey = new TextEncoder().encode('"k":"key-0","n":0');
    new PutRecordsFaults(fx.kinesis, {
      failEntry: (entry) => Buffer.from(entry.Data ?? []).includes(Buffer.from(deniedKey)),
      entryErrorCode: 'KMSAccessDeniedException',
    });
    const p = make({ streamName, maxBufferedTime: '50ms' });
    const puts = [0, 1, 2].flatMap((n) =>
      ['key-0', 'key-1'].map((k) => p.put({ partitionKey: k, data: JSON.stringify({ k, n }) })),
    );
    // Act
    const settled = await Promise.allSettled(puts);
    // Assess
    const [first, other, second, , third] = settled;
    expect(first?.status).toBe('rejected');
    expect(first?.status === 'rejected' && (first.reason as { type?: string }).type).toBe(
      'KspAwsAccessDenied',
    );
    expect(second?.status === 'rejected' && second.reason).toBeInstanceOf(EarlierRecordFailedError);
    expect(third?.status === 'rejected' && third.reason).toBeInstanceOf(EarlierRecordFailedError);
    expect(other?.status).toBe('fulfilled');
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    expect((await readStream(fx.kinesis, streamName)).map((r) => r.partitionKey)).toEqual([
      'key-1',
      'key-1',
      'key-1',
    ]);
  });

  it('throttled past recordTtl: put rejects with KspAwsThrottled', async () => {
    // Prepare
    const streamName = uniqueName('producer-ttl');
    await createStream(fx.kinesis, streamName, 1);
    new PutRecordsFaults(fx.kinesis, { entryFailureRate: 1 });
    const p = make({ streamName, recordTtl: '300ms', retry: { initialDelay: '20ms', maxDelay: '100ms' } });
    // Act
    const put = p.put({ partitionKey: 'a', data: 'x' });
    // Assess
    await expect(put).rejects.toMatchObject({ type: 'KspAwsThrottled' });
    expect(p.stats().retries).toBeGreaterThan(1);
  });

  it('ListShards keeps failing: put rejects with the classified error once recordTtl is over', async () => {
    // Prepare
    const streamName = uniqueName('producer-no-map');
    await createStream(fx.kinesis, streamName, 1);
    fx.kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListShardsCommand') {
          throw Object.assign(new Error('injected'), {
            name: 'InternalFailure',
            $fault: 'server',
            $metadata: {},
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failListShards' },
    );
    const p = make({ streamName, recordTtl: '500ms' });
    // Act
    const put = p.put({ partitionKey: 'a', data: 'x' });
    // Assess
    await expect(put).rejects.toMatchObject({ type: 'KspAwsUnavailable' });
  });

  it('a stream that does not exist: put rejects with KspStreamNotFound', async () => {
    const p = make({ streamName: uniqueName('producer-missing') });
    await expect(p.put({ partitionKey: 'a', data: 'x' })).rejects.toMatchObject({
      type: 'KspStreamNotFound',
    });
  });

  it('a shard split while writing: the map is re-read and every record lands once, in order per key', async () => {
    // Prepare
    const streamName = uniqueName('producer-split');
    await createStream(fx.kinesis, streamName, 1);
    const p = make({ streamName, maxBufferedTime: '10ms' });
    const keys = 20;
    const total = 2_000;
    const half = total / 2;
    const halfPut = new Latch();
    const splitDone = new Latch();
    const hold = new PutRecordsHold(fx.kinesis);
    // Act: the source stops after the first half, which is written before the split; the second
    // half is sent with the map of one shard and held in flight until the split is done.
    const writing = putCounted(p, total, keys, 50, async (i) => {
      if (i !== half) return;
      halfPut.open();
      await splitDone.wait();
    });
    await halfPut.wait();
    await p.flush();
    hold.hold();
    splitDone.open();
    await hold.someHeld();
    await fx.kinesis.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (1n << 127n).toString(),
      }),
    );
    await waitForActive(fx.kinesis, streamName);
    hold.release();
    await writing;
    for (let i = 0; i < 200; i++)
      await p.put({ partitionKey: `after-${i}`, data: JSON.stringify({ k: `after-${i}`, n: 0 }) });
    await p.close();
    // Assess
    const stream = await readStream(fx.kinesis, streamName);
    const counted = stream.filter((r) => r.partitionKey.startsWith('key-'));
    expect(new Set(stream.map((r) => r.shardId)).size).toBe(3);
    expect(orderProblems(counted, total, keys)).toEqual([]);
    // Written before the split: on the parent; written after it: on the children.
    const onParent = counted.filter((r) => r.shardId === 'shardId-000000000000').length;
    expect({ onParent, onChildren: counted.length - onParent }).toEqual({ onParent: half, onChildren: half });
    expect(p.stats().shardMapLoads).toBeGreaterThanOrEqual(2);
  });

  it('flush sends at once what is buffered, whatever maxBufferedTime says', async () => {
    // Prepare
    const streamName = uniqueName('producer-flush');
    await createStream(fx.kinesis, streamName, 1);
    const p = make({ streamName, maxBufferedTime: '60s' });
    const put = p.put({ partitionKey: 'a', data: 'x' });
    // Act
    const started = Date.now();
    await p.flush();
    // Assess
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(put).resolves.toMatchObject({ shardId: 'shardId-000000000000' });
  });
});
