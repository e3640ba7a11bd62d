/**
 * The shard's decisions without a Temporal server: requests, results, the failure policy's
 * transitions, the forward-only checkpoint, pause / resume / stop, status and reports.
 */
import type { ProcessBatchResult } from '../../src/activities/shard/process-batch';
import {
  CHECKPOINT_REGRESSION,
  REFUSED_RESULT_DELAY_MS,
  type ShardLog,
  ShardConsumer,
} from '../../src/workflows/shard-consumer';
import type { ShardRunInput } from '../../src/workflows/shard-input';
import { MAX_PAUSE_REASON_LENGTH } from '../../src/workflows/shard-messages';
import { initialShardState } from '../../src/workflows/shard-state';
import { deadLetteredOne, handled, result, seq, testOptions } from '../helpers/fake-batches';

const T0 = Date.parse('2026-12-01T12:00:00Z');

function consumer(
  options: Record<string, unknown> = {},
  over: Partial<ShardRunInput> = {},
): { shard: ShardConsumer; log: jest.Mocked<ShardLog>; clock: { ms: number } } {
  const clock = { ms: T0 };
  const log = { warn: jest.fn(), error: jest.fn() };
  const input: ShardRunInput = {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId: null,
    options: testOptions(options),
    startPosition: { type: 'TRIM_HORIZON' },
    state: null,
    ...over,
  };
  return { shard: new ShardConsumer(input, () => clock.ms, log), log, clock };
}

const failed = (over: Partial<ProcessBatchResult> = {}): ProcessBatchResult =>
  result({
    outcome: 'retry',
    fetched: 10,
    handlerRecords: 10,
    failure: 'batch',
    error: { type: 'Error', message: 'boom' },
    ...over,
  });

describe('the next batch request', () => {
  test('a first run reads from the start position with the compiled options', () => {
    const { shard } = consumer({ batchSize: 50, maximumRecordAge: '1h', maxBatchingWindow: '2s' });
    expect(shard.next()).toEqual({
      streamName: 'orders',
      shardId: 'shardId-000000000000',
      checkpoint: null,
      startPosition: { type: 'TRIM_HORIZON' },
      batchSize: 50,
      maxPollWaitMs: 300_000,
      idlePollIntervalMs: 1_000,
      maxBatchingWindowMs: 2_000,
      attempt: 1,
      deadLetterOnFailure: false,
      dlqQueueUrl: 'http://127.0.0.1:1/000000000000/orders-dlq',
      maxRecords: null,
      maxRecordAgeMs: 3_600_000,
      bisectBatchOnError: false,
      nonRetryableErrorTypes: [],
      errorDetail: 'message',
      filterCriteria: null,
      maxOwedRecords: 100,
      owed: null,
    });
  });

  test('LATEST is pinned once, a few seconds before the start, and carried by continue-as-new', () => {
    const { shard, clock } = consumer({}, { startPosition: { type: 'LATEST' } });
    clock.ms += 60_000;
    const pinned = { type: 'AT_TIMESTAMP', timestamp: new Date(T0 - 5_000).toISOString() };
    expect(shard.next().startPosition).toEqual(pinned);
    expect(shard.continuation().startPosition).toEqual(pinned);
  });

  test('a carried-over state continues from its checkpoint, in the next run', () => {
    const state = { ...initialShardState({ sequenceNumber: seq(5) }), handled: 5, run: 3 };
    const { shard } = consumer({}, { state });
    expect(shard.next().checkpoint).toEqual({ sequenceNumber: seq(5) });
    expect(shard.status()).toMatchObject({ run: 4, handled: 5 });
  });
});

describe('applying batch results', () => {
  test('a handled batch advances the checkpoint and the counters', () => {
    const { shard } = consumer();
    shard.next();
    expect(shard.apply(handled(10, 10, { lastArrival: '2026-12-01T11:59:00.000Z' }))).toEqual({
      kind: 'next',
      idleWaitMs: 0,
    });
    expect(shard.status()).toMatchObject({
      checkpoint: { sequenceNumber: seq(10) },
      handled: 10,
      batches: 1,
      bytes: 1_000,
      lastArrival: '2026-12-01T11:59:00.000Z',
      attempt: 1,
    });
  });

  test('an empty poll that came back early is waited out; a full poll window is not', () => {
    const { shard } = consumer({ maxPollWait: '5m' });
    expect(shard.apply(result({ outcome: 'idle', waitedMs: 1_000 }))).toEqual({
      kind: 'next',
      idleWaitMs: 299_000,
    });
    expect(shard.apply(result({ outcome: 'idle', waitedMs: 300_000 }))).toEqual({
      kind: 'next',
      idleWaitMs: 0,
    });
    expect(shard.status().batches).toBe(0);
  });

  test('a failed batch backs off, counts the attempt, and the last attempt dead-letters', () => {
    const { shard, clock } = consumer({ retry: { maximumAttempts: 3, initialInterval: '1s' } });
    clock.ms = T0 + 1_000;
    expect(shard.apply(failed())).toEqual({ kind: 'backoff', delayMs: 1_000 });
    expect(shard.status()).toMatchObject({
      attempt: 2,
      lastError: { type: 'Error', message: 'boom', at: new Date(T0 + 1_000).toISOString() },
    });
    expect(shard.next()).toMatchObject({ attempt: 2, deadLetterOnFailure: false });
    expect(shard.apply(failed())).toEqual({ kind: 'backoff', delayMs: 2_000 });
    expect(shard.next()).toMatchObject({ attempt: 3, deadLetterOnFailure: true });
    expect(shard.apply(deadLetteredOne(10))).toEqual({ kind: 'next', idleWaitMs: 0 });
    expect(shard.status()).toMatchObject({
      attempt: 1,
      deadLettered: 1,
      handled: 9,
      lastError: { message: 'poison' },
    });
  });

  test('with retry.maximumAttempts 0 no attempt is ever the last', () => {
    const { shard } = consumer({ retry: { maximumAttempts: 0 }, dlqQueueUrl: undefined });
    for (let i = 0; i < 20; i++) shard.apply(failed());
    expect(shard.next()).toMatchObject({ attempt: 21, deadLetterOnFailure: false });
  });

  test('bisecting splits a failed batch at once and narrows the next request', () => {
    const { shard } = consumer({ bisectBatchOnError: true });
    expect(shard.apply(failed({ fetched: 16, handlerRecords: 16 }))).toEqual({ kind: 'backoff', delayMs: 0 });
    expect(shard.next()).toMatchObject({ attempt: 1, maxRecords: 8, bisectBatchOnError: true });
    expect(shard.status().lastError?.message).toBe('boom (bisecting: next batch of 8)');
    shard.apply(handled(8, 8));
    expect(shard.next()).toMatchObject({ checkpoint: { sequenceNumber: seq(8) }, maxRecords: 4 });
  });

  test('a partial failure keeps the handled prefix; its first failed record is on attempt 2', () => {
    const { shard } = consumer();
    const partial = failed({ checkpoint: { sequenceNumber: seq(4) }, handled: 4, failure: 'records' });
    expect(shard.apply(partial)).toEqual({ kind: 'backoff', delayMs: 1_000 });
    expect(shard.next()).toMatchObject({ checkpoint: { sequenceNumber: seq(4) }, attempt: 2 });
    expect(shard.status().handled).toBe(4);
  });

  test('the shard end is reported with its children and final counters', () => {
    const { shard } = consumer();
    const step = shard.apply(handled(30, 10, { shardEnded: true, childShardIds: ['shardId-000000000004'] }));
    expect(step).toEqual({ kind: 'ended', childShardIds: ['shardId-000000000004'] });
    expect(shard.endedReport(['shardId-000000000004'])).toMatchObject({
      shardId: 'shardId-000000000000',
      checkpoint: { sequenceNumber: seq(30) },
      childShardIds: ['shardId-000000000004'],
      status: { state: 'finished', handled: 10 },
    });
  });
});

describe('the checkpoint only moves forward', () => {
  const at20 = (): ReturnType<typeof consumer> => {
    const made = consumer();
    made.shard.apply(handled(20));
    return made;
  };

  test.each([
    ['an earlier sequence number', { sequenceNumber: seq(10) }],
    ['no checkpoint at all', null],
    [
      'an earlier sub-sequence of an aggregate already passed',
      { sequenceNumber: seq(20), subSequenceNumber: 3 },
    ],
  ])('a result with %s is refused whole and logged', (_name, checkpoint) => {
    const { shard, log } = at20();
    const before = shard.status();
    const step = shard.apply(handled(0, 10, { checkpoint, deadLettered: 2, outcome: 'dead-lettered' }));
    expect(step).toEqual({ kind: 'backoff', delayMs: REFUSED_RESULT_DELAY_MS });
    expect(shard.status()).toMatchObject({
      checkpoint: { sequenceNumber: seq(20) },
      handled: before.handled,
      deadLettered: 0,
      batches: before.batches,
      bytes: before.bytes,
      attempt: 1,
      lastError: { type: CHECKPOINT_REGRESSION },
    });
    expect(shard.next().checkpoint).toEqual({ sequenceNumber: seq(20) });
    expect(log.error).toHaveBeenCalledWith(
      expect.stringContaining('refused'),
      expect.objectContaining({ checkpoint: { sequenceNumber: seq(20) }, resultCheckpoint: checkpoint }),
    );
  });

  test('a result at the same checkpoint (idle, or a retry) is applied', () => {
    const { shard, log } = at20();
    expect(shard.apply(failed({ checkpoint: { sequenceNumber: seq(20) } })).kind).toBe('backoff');
    expect(shard.status()).toMatchObject({ attempt: 2, lastError: { type: 'Error' } });
    expect(log.error).not.toHaveBeenCalled();
  });

  test('a later sub-sequence of the same aggregate moves it forward', () => {
    const { shard } = consumer();
    shard.apply(handled(20, 1, { checkpoint: { sequenceNumber: seq(20), subSequenceNumber: 1 } }));
    shard.apply(handled(20, 1, { checkpoint: { sequenceNumber: seq(20), subSequenceNumber: 2 } }));
    expect(shard.status().checkpoint).toEqual({ sequenceNumber: seq(20), subSequenceNumber: 2 });
  });
});

describe('pause, resume, stop and failures no retry can fix', () => {
  test('a non-retryable activity failure pauses with a bounded reason; resume clears it', () => {
    const { shard, log } = consumer();
    const message = `stream "orders" does not exist\n${'x'.repeat(10_000)}`;
    expect(shard.activityFailed({ type: 'KspStreamNotFound', message })).toBe(true);
    const status = shard.status();
    expect(status.state).toBe('paused');
    expect(status.pauseReason).toMatch(/^KspStreamNotFound: stream "orders" does not exist x+…$/);
    expect(status.pauseReason?.length).toBe(MAX_PAUSE_REASON_LENGTH);
    expect(status.lastError?.type).toBe('KspStreamNotFound');
    expect(log.error).toHaveBeenCalledTimes(1);
    shard.resume();
    expect(shard.status()).toMatchObject({ state: 'running', pauseReason: null });
  });

  test.each([
    ['a retryable type', 'KspAwsUnavailable'],
    ['no type', null],
  ])('a failure of %s is not the consumer’s to absorb', (_name, type) => {
    const { shard } = consumer();
    expect(shard.activityFailed({ type, message: 'down' })).toBe(false);
    expect(shard.status()).toMatchObject({ state: 'running', lastError: null });
  });

  test('stop reads as stopped only once the batch in flight has settled', () => {
    const { shard } = consumer();
    shard.next();
    shard.stop();
    expect(shard.stopping).toBe(true);
    expect(shard.status().state).toBe('running');
    shard.settled();
    expect(shard.status().state).toBe('stopped');
    expect(shard.finalStatus('stopped').state).toBe('stopped');
  });

  test('pause keeps the reason it is given', () => {
    const { shard } = consumer();
    shard.pause('maintenance');
    expect(shard.paused).toBe(true);
    expect(shard.status()).toMatchObject({ state: 'paused', pauseReason: 'maintenance' });
  });
});

describe('what the shard reports', () => {
  test('the search attribute state is published only when it changes', () => {
    const { shard } = consumer();
    expect(shard.stateToPublish()).toBe('running');
    expect(shard.stateToPublish()).toBeNull();
    shard.pause('maintenance');
    expect(shard.stateToPublish()).toBe('paused');
  });

  test('progress reports are throttled to the interval unless forced, and never repeat', () => {
    const { shard, clock } = consumer({ progressInterval: '10s' });
    clock.ms = T0 + 10_000;
    expect(shard.progressReport(false)).toMatchObject({ handled: 0 });
    shard.apply(handled(10));
    clock.ms += 1_000;
    expect(shard.progressReport(false)).toBeNull();
    expect(shard.progressReport(true)).toMatchObject({ handled: 10 });
    clock.ms += 60_000;
    expect(shard.progressReport(true)).toBeNull(); // nothing changed but the time
  });

  test('continue-as-new carries the whole state as plain JSON', () => {
    const { shard } = consumer({ bisectBatchOnError: true });
    shard.apply(failed({ fetched: 4, handlerRecords: 4 }));
    const next = shard.continuation();
    expect(JSON.parse(JSON.stringify(next))).toEqual(next);
    expect(next.state).toMatchObject({ bisect: { limit: 2, remaining: 4 }, run: 1 });
  });
});

describe('the rebalance queue', () => {
  const loopResult = (reason: 'rebalance' | 'lifetime', last: number) => ({
    ...handled(last, 10),
    loop: { mode: 'busy' as const, reason, batches: 1, getRecordsCalls: 1, elapsedMs: 0, activityAttempt: 1 },
  });
  const run = (shard: ShardConsumer, reason: 'rebalance' | 'lifetime', last: number) => {
    shard.next();
    shard.settled();
    shard.apply(loopResult(reason, last));
  };

  test('after a rebalance; a timeout there sends the next loop to the task queue, a bounce there back', () => {
    const { shard, log } = consumer({ maxActivityLifetime: '10m' });
    shard.useLoop();
    expect(shard.rebalancing).toBe(false);
    run(shard, 'rebalance', 10);
    expect(shard.rebalancing).toBe(true);
    // Nobody below its share: the same request on the task queue, bounces kept, nothing failed.
    shard.next();
    shard.settled();
    shard.rebalanceQueueTimedOut();
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(shard.rebalancing).toBe(false);
    expect(shard.next().loop?.rebalances).toBe(1);
    expect(shard.status()).toMatchObject({ attempt: 1, lastError: null });
    shard.settled();
    // Bounced again on the task queue: the rebalance queue once more, the bounces counted.
    shard.apply(loopResult('rebalance', 20));
    expect(shard.rebalancing).toBe(true);
    expect(shard.next().loop?.rebalances).toBe(2);
    shard.settled();
    shard.apply(loopResult('lifetime', 30));
    expect(shard.rebalancing).toBe(false);
  });

  test('a retry that timed out there: the next loop resumes from its heartbeat and learns its worker was lost', () => {
    const { shard } = consumer({ maxActivityLifetime: '10m' });
    shard.useLoop();
    run(shard, 'rebalance', 10);
    shard.next();
    shard.settled();
    const progress = { checkpoint: { sequenceNumber: seq(15) }, startedAt: 1, batches: 1 };
    shard.rebalanceQueueTimedOut([{ phase: 'consuming', worker: '9@dead', loop: progress }]);
    expect(shard.next().loop).toMatchObject({
      rebalances: 1,
      lostWorkers: ['9@dead'],
      resume: { worker: '9@dead', loop: progress },
    });
    shard.settled();
    shard.apply(loopResult('lifetime', 20));
    expect(shard.next().loop?.resume).toBeUndefined();
    shard.settled();
    // Details that name no worker or no progress (or too large to carry) are not carried.
    run(shard, 'rebalance', 30);
    shard.next();
    shard.settled();
    shard.rebalanceQueueTimedOut([{ worker: 'x'.repeat(300), loop: progress }]);
    expect(shard.next().loop?.resume).toBeUndefined();
  });

  test('never without the consuming loop', () => {
    const { shard } = consumer();
    shard.next();
    shard.settled();
    shard.apply(handled(10, 10));
    expect(shard.rebalancing).toBe(false);
  });
});
