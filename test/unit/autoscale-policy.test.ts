/**
 * The pure autoscale policy, decision by decision: what the load asks for, and every reason not
 * to act (warming up, not sustained, cooldown, limits, lag, budget).
 */
import { type CompiledAutoscaleOptions, compileAutoscaleOptions } from '../../src/config/autoscale-options';
import {
  type LoadInterval,
  type LoadSample,
  WRITE_LIMITS,
  toInterval,
} from '../../src/workflows/autoscale-load';
import { type PolicyInput, decide } from '../../src/workflows/autoscale-policy';
import type { ReshardLedgerEntry } from '../../src/workflows/stream-messages';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const MIN = 60_000;

const options = (over: Record<string, unknown> = {}): CompiledAutoscaleOptions =>
  compileAutoscaleOptions({ streamName: 'orders', minShards: 2, maxShards: 32, ...over });

function sample(over: Partial<LoadSample> = {}): LoadSample {
  return {
    at: NOW,
    streamStatus: 'ACTIVE',
    openShardCount: 8,
    account: null,
    records: 0,
    bytes: 0,
    maxLagMs: 0,
    shards: [],
    ...over,
  };
}

/** `n` one-minute intervals ending now, at utilisation `u` of `open` shards (records-bound). */
function intervals(
  n: number,
  u: number | ((i: number) => number),
  open = 8,
  lag: number | ((i: number) => number) = 0,
): LoadInterval[] {
  return Array.from({ length: n }, (_, i) => {
    const util = typeof u === 'number' ? u : u(i);
    const shardsOfLoad = util * open;
    return {
      from: NOW - (n - i) * MIN,
      to: NOW - (n - i - 1) * MIN,
      openShards: open,
      recordsPerSecond: shardsOfLoad * WRITE_LIMITS.recordsPerSecond,
      bytesPerSecond: 0,
      shardsOfLoad,
      utilisation: util,
      hottestShard: null,
      maxLagMs: typeof lag === 'number' ? lag : lag(i),
    };
  });
}

function change(minutesAgo: number, kind: ReshardLedgerEntry['kind'] = 'count'): ReshardLedgerEntry {
  return {
    at: new Date(NOW - minutesAgo * MIN).toISOString(),
    from: 4,
    to: 8,
    kind,
    method: 'UpdateShardCount',
    workflowId: 'w',
  };
}

function run(over: Partial<PolicyInput> & { open?: number } = {}) {
  const { open = 8, ...rest } = over;
  return decide({
    options: options(),
    now: NOW,
    latest: sample({ openShardCount: open }),
    intervals: [],
    ledger: [],
    lastChangeAt: null,
    lagHold: null,
    ...rest,
  });
}

test('no intervals yet: warming up', () => {
  expect(run()).toMatchObject({ action: 'hold', code: 'warming-up', to: null, metrics: null });
});

test('inside the band: hold, with the load in the decision', () => {
  const d = run({ intervals: intervals(20, 0.5) });
  expect(d).toMatchObject({ action: 'hold', code: 'in-band', reason: 'utilisation 50% is within 25%–75%' });
  expect(d.metrics).toMatchObject({ recordsPerSecond: 4_000, utilisation: 0.5 });
});

test('above the threshold for less than the window: not yet', () => {
  const d = run({ intervals: [...intervals(10, 0.5), ...intervals(2, 0.9)] });
  expect(d).toMatchObject({
    action: 'hold',
    code: 'above-not-sustained',
    reason: expect.stringMatching(/90% is above 75%, but not for 3m yet/) as unknown,
  });
});

test('above for the whole window: scale up, sized for the peak at the target utilisation', () => {
  // Peak 0.9 × 8 = 7.2 shards of load → 15 shards at 50%.
  const d = run({ intervals: intervals(3, (i) => [0.8, 0.9, 0.85][i]!) });
  expect(d).toMatchObject({ action: 'scale-up', code: 'scale-up-load', from: 8, to: 15 });
  expect(d.reason).toMatch(
    /utilisation above 75% for 3m \(peak 90%: 7200 records\/s, 0.00 MiB\/s on 8 shards\)/,
  );
});

test('bytes count too: 0.9 MiB/s per shard is 90% even with few records', () => {
  const bytesBound = intervals(3, 0.1).map((i) => ({
    ...i,
    bytesPerSecond: 0.9 * 8 * WRITE_LIMITS.bytesPerSecond,
    shardsOfLoad: 7.2,
    utilisation: 0.9,
  }));
  expect(run({ intervals: bytesBound })).toMatchObject({ action: 'scale-up', to: 15 });
});

test('one call at most doubles; maxShards and the account limit cap it', () => {
  // At a 40% target the peak (4 shards of load on 4) asks for 10 shards; one call reaches 8.
  const low = options({ targetUtilisation: 0.4, scaleDownThreshold: 0.2 });
  expect(run({ options: low, intervals: intervals(3, 1, 4), open: 4 })).toMatchObject({
    action: 'scale-up',
    to: 8,
    reason: expect.stringMatching(/\(10 would put the peak at 40%; one call goes at most to 8\)/) as unknown,
  });
  expect(run({ intervals: intervals(3, 1), options: options({ maxShards: 10 }) })).toMatchObject({
    action: 'scale-up',
    to: 10,
  });
  expect(run({ intervals: intervals(3, 1), options: options({ maxShards: 8 }) })).toMatchObject({
    action: 'hold',
    code: 'at-max',
  });
  const account = { shardLimit: 20, openShardCount: 18 };
  expect(run({ intervals: intervals(3, 1), latest: sample({ account }) })).toMatchObject({
    action: 'scale-up',
    to: 10,
  });
});

test('below for the whole down window: scale down to the peak at the target, at most halving', () => {
  expect(run({ intervals: intervals(15, 0.2) })).toMatchObject({
    action: 'scale-down',
    code: 'scale-down-load',
    to: 4,
  });
  // Peak 0.1 × 8 = 0.8 shards of load → 2 shards, but one call goes at most to half.
  expect(run({ intervals: intervals(15, 0.1) })).toMatchObject({ action: 'scale-down', to: 4 });
  expect(run({ intervals: intervals(15, 0.1), open: 3 })).toMatchObject({ action: 'scale-down', to: 2 });
  expect(run({ intervals: intervals(15, 0.1), open: 2 })).toMatchObject({ action: 'hold', code: 'at-min' });
  expect(run({ intervals: intervals(10, 0.1) })).toMatchObject({
    action: 'hold',
    code: 'below-not-sustained',
  });
});

test('a scale-down lands inside the band, so it cannot trigger a scale-up (and back)', () => {
  const d = run({ intervals: intervals(15, (i) => (i === 7 ? 0.24 : 0.05)) });
  expect(d).toMatchObject({ action: 'scale-down', to: 4 });
  const after = (0.24 * 8) / (d.to ?? 1);
  expect(after).toBeLessThan(options().scaleUpThreshold);
  expect(after).toBeGreaterThan(options().scaleDownThreshold);
});

test('cooldown: no change within 5 minutes of the last one, manual changes included', () => {
  expect(run({ intervals: intervals(3, 0.9), ledger: [change(3)] })).toMatchObject({
    action: 'hold',
    code: 'cooldown',
    reason: expect.stringMatching(
      /would scale-up 8 → 15 .* cooldown until 2026-11-26T12:02:00.000Z/,
    ) as unknown,
  });
  expect(run({ intervals: intervals(3, 0.9), lastChangeAt: NOW - 4 * MIN })).toMatchObject({
    code: 'cooldown',
  });
  expect(run({ intervals: intervals(3, 0.9), ledger: [change(6)] })).toMatchObject({ action: 'scale-up' });
});

test('ten count changes in 24 h: hold until the oldest leaves the window', () => {
  const ledger = Array.from({ length: 10 }, (_, i) => change(60 * (23 - i)));
  expect(run({ intervals: intervals(3, 0.9), ledger })).toMatchObject({
    action: 'hold',
    code: 'count-change-limit',
    reason: expect.stringMatching(
      /10 shard-count changes in the last 24 h .* next is allowed at 2026-11-26T13:00:00.000Z/,
    ) as unknown,
  });
});

test('the last changes of the budget are kept for scaling up', () => {
  const ledger = Array.from({ length: 8 }, (_, i) => change(60 * (10 + i)));
  expect(run({ intervals: intervals(15, 0.1), ledger })).toMatchObject({
    action: 'hold',
    code: 'budget-reserved',
  });
  expect(run({ intervals: intervals(3, 0.9), ledger })).toMatchObject({ action: 'scale-up' });
});

describe('lag', () => {
  test('lag above maxLag for the window and not shrinking: scale up to twice the shards', () => {
    const d = run({ intervals: intervals(3, 0.3, 8, (i) => 90_000 + i * 10_000) });
    expect(d).toMatchObject({
      action: 'scale-up',
      code: 'scale-up-lag',
      to: 16,
      reason: expect.stringMatching(
        /consumers 110s behind, above maxLag \(1m\) for 3m and not shrinking/,
      ) as unknown,
    });
  });

  test('lag shrinking: the consumers are catching up, no scale-up', () => {
    expect(run({ intervals: intervals(3, 0.3, 8, (i) => 120_000 - i * 20_000) })).toMatchObject({
      action: 'hold',
      code: 'in-band',
    });
  });

  test('high reads while behind are catching up, not write load', () => {
    expect(run({ intervals: intervals(3, 0.95, 8, (i) => 300_000 - i * 100_000) })).toMatchObject({
      action: 'hold',
      code: 'catching-up',
    });
  });

  test('lag blocks scaling down', () => {
    expect(run({ intervals: intervals(15, 0.1, 8, (i) => (i === 4 ? 70_000 : 0)) })).toMatchObject({
      action: 'hold',
      code: 'lag-high',
    });
  });

  test('after a scale-up for lag, hold that many shards for lagHold', () => {
    const lagHold = { until: NOW + 10 * MIN, shards: 8 };
    expect(run({ intervals: intervals(15, 0.1), lagHold })).toMatchObject({
      action: 'hold',
      code: 'lag-hold',
    });
    expect(run({ intervals: intervals(15, 0.1), lagHold, open: 16 })).toMatchObject({
      action: 'scale-down',
      to: 8,
    });
    expect(run({ intervals: intervals(15, 0.1), lagHold: { ...lagHold, until: NOW - 1 } })).toMatchObject({
      action: 'scale-down',
      to: 4,
    });
  });

  test('maxLag null ignores lag', () => {
    expect(
      run({ options: options({ maxLag: null }), intervals: intervals(15, 0.1, 8, 500_000) }),
    ).toMatchObject({ action: 'scale-down' });
  });
});

test('outside minShards…maxShards: back inside, within one call', () => {
  expect(run({ open: 1, intervals: intervals(3, 0.5, 1) })).toMatchObject({
    action: 'scale-up',
    code: 'below-min',
    to: 2,
  });
  expect(run({ open: 40, intervals: intervals(3, 0.5, 40) })).toMatchObject({
    action: 'scale-down',
    code: 'above-max',
    to: 32,
  });
  expect(run({ open: 80, intervals: intervals(3, 0.5, 80) })).toMatchObject({
    action: 'scale-down',
    code: 'above-max',
    to: 40,
  });
});

test('a stream that is not ACTIVE: hold', () => {
  expect(run({ latest: sample({ streamStatus: 'UPDATING' }), intervals: intervals(3, 0.9) })).toMatchObject({
    action: 'hold',
    code: 'stream-not-active',
  });
});

describe('intervals from samples', () => {
  const a = sample({
    at: NOW - MIN,
    records: 1_000,
    bytes: 60_000,
    shards: [
      ['s0', 500, 30_000],
      ['s1', 500, 30_000],
    ],
  });

  test('rates, utilisation and the hottest shard', () => {
    const b = sample({
      at: NOW,
      records: 61_000,
      bytes: 3_660_000,
      openShardCount: 2,
      shards: [
        ['s0', 45_500, 30_000 + 2_700_000],
        ['s1', 15_500, 930_000],
      ],
    });
    const i = toInterval({ ...a, openShardCount: 2 }, b);
    expect(i).toMatchObject({
      recordsPerSecond: 1_000,
      bytesPerSecond: 60_000,
      shardsOfLoad: 1,
      utilisation: 0.5,
    });
    expect('hottestShard' in i && i.hottestShard).toEqual({ shardId: 's0', utilisation: 0.75 });
  });

  test.each<[string, Partial<LoadSample>, string]>([
    ['a change between the samples', { openShardCount: 16 }, 'the shard count changed'],
    ['a stream UPDATING', { streamStatus: 'UPDATING' }, 'stream UPDATING'],
    ['counters that went back (a restarted consumer)', { records: 10 }, 'counters went back'],
    ['samples out of order', { at: NOW - 2 * MIN }, 'samples out of order'],
  ])('%s is no evidence', (_name, over, skipped) => {
    expect(toInterval(a, sample({ records: 2_000, bytes: 70_000, ...over }))).toEqual({ skipped });
  });
});
