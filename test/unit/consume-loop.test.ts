/**
 * The consuming loop (src/activities/shard/consume-loop.ts) around the real single-batch function
 * over an in-memory shard, on a virtual clock: when it returns to the workflow, what it returns,
 * how a retried attempt resumes from its heartbeat details. The emulator-backed cases are in
 * test/activities/consume-loop.test.ts.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import type { ProcessBatchInput } from '../../src/activities/shard/batch-contract';
import type { ConsumeInput, LoopProgress, LoopRequest } from '../../src/activities/shard/consume-contract';
import { type ConsumeLoopDeps, createConsumeLoop } from '../../src/activities/shard/consume-loop';
import type { FetchRequest, FetchResult } from '../../src/activities/shard/reader';
import type { BatchHandler } from '../../src/handler/contract';
import { compareCheckpoint } from '../../src/records';
import { seq } from '../helpers/fake-batches';
import { MemoryDlq, MemoryShard, SHARD, indexOf, memoryBatchActivity } from '../helpers/memory-shard';

/** An open shard: records can be added; its iterator never ends. */
class OpenShard {
  readonly records: _Record[] = [];
  fetches = 0;
  /** What GetRecords answers as MillisBehindLatest. */
  lagMs = 0;

  add(count: number, at: number): void {
    for (let i = 0; i < count; i++) {
      const n = this.records.length;
      this.records.push({
        SequenceNumber: seq(n),
        Data: new TextEncoder().encode(`record-${n}`),
        PartitionKey: `key-${n % 3}`,
        ApproximateArrivalTimestamp: new Date(at),
      });
    }
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    this.fetches++;
    const after = req.checkpoint;
    const start =
      after === null
        ? 0
        : this.records.filter(
            (r) => compareCheckpoint({ sequenceNumber: r.SequenceNumber ?? '' }, after) <= 0,
          ).length;
    const records = this.records.slice(start, start + req.limit);
    return {
      records,
      nextIterator: 'iterator',
      millisBehindLatest: this.lagMs,
      childShardIds: null,
      getRecordsCalls: 1,
      throttled: 0,
      waitedMs: 0,
      issuedAt: 0,
    };
  }

  remember(): void {}
}

interface Setup {
  clock: { now: number };
  calls: number[][];
  published: LoopProgress[];
  consume: (input: ConsumeInput) => ReturnType<ReturnType<typeof createConsumeLoop>>;
  cancel(): void;
}

/**
 * The loop over `reader` with the real processBatch, a virtual clock that sleeps advance, and a
 * handler that records each call's indexes and then does `behaviour`.
 */
function setup(
  reader: Pick<MemoryShard, 'fetch' | 'remember'>,
  over: Partial<ConsumeLoopDeps> & { behaviour?: BatchHandler; onSleep?: (now: number) => void } = {},
): Setup {
  const clock = { now: 1_000_000 };
  const calls: number[][] = [];
  const published: LoopProgress[] = [];
  let cancelled = false;
  const handler: BatchHandler = async (records, context) => {
    calls.push(records.map(indexOf));
    clock.now += 5;
    return over.behaviour?.(records, context);
  };
  const processBatch = memoryBatchActivity(
    reader as MemoryShard,
    new MemoryDlq(),
    handler,
    'unit',
    () => clock.now,
  );
  const consume = createConsumeLoop({
    processBatch,
    fetch: (req) => reader.fetch(req),
    publish: (p) => published.push(p),
    previousDetails: () => undefined,
    activityAttempt: () => 1,
    cancelRequested: () => cancelled,
    sleep: async (ms) => {
      clock.now += ms;
      over.onSleep?.(clock.now);
    },
    now: () => clock.now,
    ...over,
  });
  return { clock, calls, published, consume, cancel: () => (cancelled = true) };
}

function input(loop: LoopRequest | undefined, over: Partial<ProcessBatchInput> = {}): ConsumeInput {
  return {
    streamName: 'orders',
    shardId: SHARD,
    checkpoint: null,
    startPosition: { type: 'TRIM_HORIZON' },
    batchSize: 10,
    maxPollWaitMs: 300_000,
    idlePollIntervalMs: 1_000,
    attempt: 1,
    deadLetterOnFailure: false,
    dlqQueueUrl: 'http://127.0.0.1:1/000000000000/dlq',
    ...over,
    ...(loop ? { loop } : {}),
  };
}

const busy: LoopRequest = { mode: 'busy', lifetimeMs: 600_000, busyPollIntervalMs: 400 };

describe('the busy loop', () => {
  it('drains a shard batch after batch in one activity and returns at its end with summed counters', async () => {
    const { consume, calls, clock } = setup(new MemoryShard(35, () => new Date(0)));
    const startedAt = clock.now;
    const result = await consume(input(busy));
    expect(calls.map((c) => c.length)).toEqual([10, 10, 10, 5]);
    expect(result).toMatchObject({
      outcome: 'handled',
      checkpoint: { sequenceNumber: seq(34) },
      fetched: 35,
      handled: 35,
      shardEnded: true,
      loop: { mode: 'busy', reason: 'ended', batches: 4, getRecordsCalls: 4 },
    });
    // Full batches read again at the 200 ms limit.
    expect(clock.now - startedAt).toBeLessThan(3 * 200 + 100);
  });

  it('without loop, one batch as before', async () => {
    const { consume, calls } = setup(new MemoryShard(35, () => new Date(0)));
    const result = await consume(input(undefined));
    expect(calls).toHaveLength(1);
    expect(result.loop).toBeUndefined();
    expect(result).toMatchObject({ fetched: 10, checkpoint: { sequenceNumber: seq(9) } });
  });

  it('returns on a handler failure with the checkpoint before the failing batch and the handled ones counted', async () => {
    const { consume, calls } = setup(new MemoryShard(35, () => new Date(0)), {
      behaviour: async (records) => {
        if (records.some((r) => indexOf(r) === 23)) throw new Error('poison');
      },
    });
    const result = await consume(input(busy));
    expect(calls).toHaveLength(3);
    expect(result).toMatchObject({
      outcome: 'retry',
      failure: 'batch',
      checkpoint: { sequenceNumber: seq(19) },
      handled: 20,
      fetched: 30,
      handlerRecords: 10,
      error: { type: 'Error', message: 'poison' },
      loop: { reason: 'failure', batches: 3 },
    });
  });

  it('a retry or a bisect half is one batch: the failure policy decides after it', async () => {
    const retry = setup(new MemoryShard(35, () => new Date(0)));
    expect((await retry.consume(input(busy, { attempt: 2 }))).loop).toMatchObject({
      reason: 'policy',
      batches: 1,
    });
    const half = setup(new MemoryShard(35, () => new Date(0)));
    expect(await half.consume(input(busy, { maxRecords: 5 }))).toMatchObject({
      fetched: 5,
      loop: { reason: 'policy' },
    });
  });

  it('resumes a retried attempt from the progress in its heartbeat details', async () => {
    const shard = new MemoryShard(50, () => new Date(0));
    // The first attempt is lost after its third batch (its worker died): what it published last is kept.
    const first = setup(shard, {
      behaviour: async () => {
        if (first.calls.length === 3) throw new Error('never reached');
      },
    });
    const lost = new Error('worker lost');
    const firstAttempt = createConsumeLoop({
      processBatch: async (batch) => {
        if (first.calls.length === 3) throw lost;
        return memoryBatchActivity(
          shard,
          new MemoryDlq(),
          async (records) => {
            first.calls.push(records.map(indexOf));
          },
          'unit',
          () => first.clock.now,
        )(batch);
      },
      fetch: (req) => shard.fetch(req),
      publish: (p) => first.published.push(p),
      previousDetails: () => undefined,
      activityAttempt: () => 1,
      cancelRequested: () => false,
      sleep: async (ms) => void (first.clock.now += ms),
      now: () => first.clock.now,
    });
    await expect(firstAttempt(input(busy))).rejects.toBe(lost);
    // Published at most once a second: the details lag the handled batches by up to that (and,
    // on a server, by the SDK's heartbeat throttle): those are handled again after a crash.
    const last = first.published[first.published.length - 1];
    const details = { phase: 'consuming', loop: last };
    expect(last).toMatchObject({ checkpoint: { sequenceNumber: seq(9) }, handled: 10, batches: 1 });

    const lostWorkers: string[] = [];
    const second = setup(shard, {
      previousDetails: () => ({ ...details, worker: '41@dead-host' }),
      activityAttempt: () => 2,
      workerLost: (identity) => lostWorkers.push(identity),
    });
    const result = await second.consume(input(busy));
    // From just after the published checkpoint; the counters span both attempts.
    expect(second.calls.flat()[0]).toBe(10);
    expect(result).toMatchObject({
      checkpoint: { sequenceNumber: seq(49) },
      handled: 50,
      fetched: 50,
      loop: { reason: 'ended', batches: 5, activityAttempt: 2 },
    });
    expect(result.loop?.elapsedMs).toBeGreaterThanOrEqual(0);
    // The worker that ran the lost attempt is told to the fair share (it is not counted a while).
    expect(lostWorkers).toEqual(['41@dead-host']);

    // The same details handed on by the workflow (`loop.resume`: the retry waited on the
    // rebalance queue in vain) to a new activity, attempt 1: it resumes from them likewise.
    const handedOn = setup(shard, {});
    const resumed = await handedOn.consume(
      input({ ...busy, resume: { ...details, worker: '41@dead-host' }, lostWorkers: ['41@dead-host'] }),
    );
    expect(handedOn.calls.flat()[0]).toBe(10);
    expect(resumed).toMatchObject({ checkpoint: { sequenceNumber: seq(49) }, handled: 50 });
  });

  it('ignores heartbeat details behind the request’s checkpoint or malformed', async () => {
    const shard = new MemoryShard(20, () => new Date(0));
    const behind = { loop: { ...progressAt(5), handled: 999 } };
    const { consume, calls } = setup(shard, { previousDetails: () => behind });
    const result = await consume(input(busy, { checkpoint: { sequenceNumber: seq(9) } }));
    expect(calls.flat()[0]).toBe(10);
    expect(result.handled).toBe(10);
    const bad = setup(new MemoryShard(20, () => new Date(0)), {
      previousDetails: () => ({ loop: { checkpoint: 'x', handled: -1 } }),
    });
    expect((await bad.consume(input(busy))).handled).toBe(20);
  });

  it('a cancel finishes the batch in the handler and returns its checkpoint', async () => {
    const shard = new OpenShard();
    shard.add(25, 0);
    let cancel = (): void => undefined;
    const s = setup(shard, {
      behaviour: async () => {
        if (s.calls.length === 2) cancel();
      },
    });
    cancel = s.cancel;
    const result = await s.consume(input(busy));
    expect(s.calls).toHaveLength(2);
    expect(result).toMatchObject({
      checkpoint: { sequenceNumber: seq(19) },
      handled: 20,
      loop: { reason: 'cancelled', batches: 2 },
    });
  });

  it('a cancel during the wait between polls returns what was handled', async () => {
    const shard = new OpenShard();
    shard.add(3, 0);
    let cancelled = false;
    const s = setup(shard, {
      cancelRequested: () => cancelled,
      sleep: async () => {
        cancelled = true;
        throw new Error('cancelled');
      },
    });
    const result = await s.consume(input(busy));
    expect(result).toMatchObject({ handled: 3, loop: { reason: 'cancelled' } });
  });

  it('returns after its lifetime, and when the shard has been quiet for idleAfterMs', async () => {
    const shard = new OpenShard();
    let t = 0;
    // A record every 300 ms: busy for the whole lifetime.
    const steady = setup(shard, {
      onSleep: (now) => {
        while (t + 300 <= now - 1_000_000) {
          t += 300;
          shard.add(1, now);
        }
      },
    });
    const lived = await steady.consume(input({ ...busy, lifetimeMs: 60_000 }));
    expect(lived.loop).toMatchObject({ reason: 'lifetime' });
    expect(lived.loop?.elapsedMs).toBeGreaterThanOrEqual(60_000);
    expect(lived.handled).toBeGreaterThan(150);
    // About 2.5 reads/s: half the shard's limit.
    expect((lived.loop?.getRecordsCalls ?? 0) / 60).toBeLessThanOrEqual(2.6);

    const quiet = setup(new OpenShard());
    const idled = await quiet.consume(input({ ...busy, idleAfterMs: 30_000 }));
    expect(idled).toMatchObject({ outcome: 'idle', handled: 0, loop: { reason: 'idle', batches: 0 } });
    // Backed off to idlePollInterval: about one read a second.
    expect(idled.getRecordsCalls).toBeLessThanOrEqual(36);
  });

  it('returns when its lag leaves the band of the published KspMillisBehind, not before the hold', async () => {
    const shard = new OpenShard();
    const steady = (): Partial<ConsumeLoopDeps> & { onSleep: (now: number) => void } => {
      let t = 0; // each setup's clock starts again
      return {
        onSleep: (now) => {
          while (t + 300 <= now - 1_000_000) {
            t += 300;
            shard.add(1, now);
          }
        },
      };
    };
    // Published 0 a while ago: a lag of 5 s counts once the 20 s hold is over.
    shard.lagMs = 5_000;
    const s = setup(shard, steady());
    const lag = { fromMs: 0, toMs: 1_000, holdMs: 20_000, atOnceBelowMs: 0 };
    const result = await s.consume(input({ ...busy, lag }));
    expect(result).toMatchObject({ millisBehindLatest: 5_000, loop: { reason: 'lag' } });
    expect(result.loop?.elapsedMs).toBeGreaterThanOrEqual(20_000);
    expect(result.loop?.elapsedMs).toBeLessThan(21_000);
    // Inside the band: only the lifetime ends it.
    const inside = setup(shard, steady());
    const kept = await inside.consume(
      input(
        { ...busy, lifetimeMs: 30_000, lag: { ...lag, toMs: 10_000 } },
        { checkpoint: result.checkpoint },
      ),
    );
    expect(kept.loop).toMatchObject({ reason: 'lifetime' });
    // Published behind, now at the tip: at once, after one batch.
    shard.lagMs = 0;
    shard.add(3, 0);
    const caughtUp = setup(shard, steady());
    const back = await caughtUp.consume(
      input(
        { ...busy, lag: { fromMs: 1_000, toMs: 10_000, holdMs: 60_000, atOnceBelowMs: 1_000 } },
        { checkpoint: kept.checkpoint },
      ),
    );
    expect(back).toMatchObject({ millisBehindLatest: 0, loop: { reason: 'lag', batches: 1 } });
    // Never published, at the tip: not after the first batch, but once publishAfterMs is over.
    const first = setup(shard, steady());
    const firstZero = await first.consume(
      input(
        { ...busy, lag: { fromMs: 0, toMs: 1_000, holdMs: 0, atOnceBelowMs: 0, publishAfterMs: 20_000 } },
        { checkpoint: back.checkpoint },
      ),
    );
    expect(firstZero).toMatchObject({ millisBehindLatest: 0, loop: { reason: 'lag' } });
    expect(firstZero.loop?.elapsedMs).toBeGreaterThanOrEqual(20_000);
    expect(firstZero.loop?.elapsedMs).toBeLessThan(21_000);
    expect(firstZero.loop?.batches).toBeGreaterThan(1);
  });

  it('publishes its progress (no records) at most once a second', async () => {
    const s = setup(new MemoryShard(100, () => new Date(0)));
    await s.consume(input(busy));
    expect(s.published.length).toBeGreaterThan(0);
    expect(s.published.length).toBeLessThanOrEqual(3);
    expect(Object.keys(s.published[0] ?? {})).not.toContain('records');
    expect(JSON.stringify(s.published)).not.toContain('record-');
  });

  it('leaves for another worker when this one holds more than its share, before reading if it just came', async () => {
    const shard = new MemoryShard(35, () => new Date(0));
    let over = true;
    const s = setup(shard, {
      share: {
        enter: () => 7,
        leave: () => undefined,
        mustLeave: (token, rebalances) => over && token === 7 && rebalances === 1,
      },
    });
    const bounced = await s.consume(input({ ...busy, rebalances: 1 }));
    expect(s.calls).toHaveLength(0);
    expect(bounced).toMatchObject({
      checkpoint: null,
      fetched: 0,
      loop: { reason: 'rebalance', batches: 0 },
    });
    const later = setup(shard, {
      share: { enter: () => 7, leave: () => undefined, mustLeave: () => over },
      behaviour: async () => {
        if (later.calls.length === 2) over = true;
      },
    });
    over = false;
    const left = await later.consume(input(busy));
    expect(left).toMatchObject({
      checkpoint: { sequenceNumber: seq(19) },
      loop: { reason: 'rebalance', batches: 2 },
    });
    // A retry is the failure policy's: it never leaves.
    expect((await later.consume(input(busy, { attempt: 2 }))).loop).toMatchObject({ reason: 'policy' });
  });

  it('jitters its lifetime down by up to a fifth', async () => {
    const shard = new OpenShard();
    let t = 0;
    const s = setup(shard, {
      random: () => 0.5,
      onSleep: (now) => {
        while (t + 300 <= now - 1_000_000) {
          t += 300;
          shard.add(1, now);
        }
      },
    });
    const lived = await s.consume(input({ ...busy, lifetimeMs: 60_000 }));
    expect(lived.loop?.reason).toBe('lifetime');
    expect(lived.loop?.elapsedMs).toBeGreaterThanOrEqual(54_000);
    expect(lived.loop?.elapsedMs).toBeLessThan(55_000);
  });
});

describe('the idle watch', () => {
  const idle: LoopRequest = { mode: 'idle', lifetimeMs: 300_000, busyPollIntervalMs: 400 };

  it('returns as soon as records arrive, without handling them, and never publishes', async () => {
    const shard = new OpenShard();
    const s = setup(shard, {
      onSleep: (now) => now > 1_010_000 && shard.records.length === 0 && shard.add(2, now),
    });
    const result = await s.consume(input(idle));
    expect(s.calls).toHaveLength(0);
    expect(s.published).toHaveLength(0);
    expect(result).toMatchObject({
      outcome: 'idle',
      checkpoint: null,
      handled: 0,
      loop: { mode: 'idle', reason: 'records' },
    });
    expect(result.getRecordsCalls).toBe(12);
  });

  it('returns after its lifetime (maxPollWait) when nothing arrives; a cancel ends it at once', async () => {
    const s = setup(new OpenShard());
    const result = await s.consume(input(idle));
    expect(result.loop).toMatchObject({ reason: 'lifetime' });
    expect(result.getRecordsCalls).toBe(300);
    const c = setup(new OpenShard());
    c.cancel();
    expect((await c.consume(input(idle))).loop).toMatchObject({ reason: 'cancelled', getRecordsCalls: 0 });
  });

  it('a closed shard counts as records: the busy loop reads it to its end', async () => {
    const s = setup(new MemoryShard(0, () => new Date(0)));
    expect((await s.consume(input(idle))).loop).toMatchObject({ reason: 'records' });
  });
});

function progressAt(n: number): LoopProgress {
  return {
    checkpoint: { sequenceNumber: seq(n) },
    startedAt: 0,
    batches: 1,
    fetched: n + 1,
    handled: n + 1,
    deadLettered: 0,
    expired: 0,
    bytes: 0,
    filteredOut: 0,
    getRecordsCalls: 1,
    millisBehindLatest: 0,
    lastArrival: null,
  };
}
