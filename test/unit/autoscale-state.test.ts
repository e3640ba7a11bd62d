/**
 * The Autoscaler, the autoscale workflow's decisions and state, without a server: samples in,
 * decisions recorded (repeats folded), the change asked of the reshard workflow and its outcome,
 * and the one upgrade step of the stored input.
 */
import { type AutoscaleOptions, compileAutoscaleOptions } from '../../src/config/autoscale-options';
import type { AutoscaleState } from '../../src/workflows/autoscale-messages';
import type { LoadSample } from '../../src/workflows/autoscale-load';
import type { AutoscaleDecision } from '../../src/workflows/autoscale-policy';
import {
  Autoscaler,
  type PendingChange,
  recordDecision,
  upgradeAutoscaleInput,
} from '../../src/workflows/autoscaler';
import type { ReshardResult } from '../../src/workflows/reshard-messages';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');

function autoscaler(over: Partial<AutoscaleOptions> = {}): Autoscaler {
  const options = compileAutoscaleOptions({ streamName: 'orders', minShards: 1, maxShards: 8, ...over });
  return new Autoscaler(upgradeAutoscaleInput({ options }));
}

/** The counters after `minutes` of `perSecond` records on `open` shards. */
function sample(minutes: number, perSecond: number, open = 2): LoadSample {
  const records = perSecond * minutes * 60;
  return {
    at: T0 + minutes * MIN,
    streamStatus: 'ACTIVE',
    openShardCount: open,
    account: null,
    records,
    bytes: records * 200,
    maxLagMs: 0,
    shards: [],
  };
}

/** Samples once a minute from minute 0 to `last`; returns the change the last one asked for. */
function feed(a: Autoscaler, last: number, perSecond: number): PendingChange | null {
  let change: PendingChange | null = null;
  for (let m = 0; m <= last; m++) change = a.measured(sample(m, perSecond), [], T0 + m * MIN);
  return change;
}

function reshardResult(from: number, to: number): ReshardResult {
  const shards = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      shardId: `s${i}`,
      startingHashKey: '0',
      endingHashKey: '0',
      parentShardIds: [],
    }));
  return {
    streamName: 'orders',
    request: { kind: 'count', targetShardCount: to },
    requestedBy: 'ksp:orders:autoscale',
    before: shards(from),
    after: shards(to),
    steps: [],
    startedAt: '',
    finishedAt: '',
    durationMs: 42_000,
    streamWorkflowNotified: true,
    notes: [],
  };
}

test('a first run starts fresh; a continued run carries its state and counts the run', () => {
  const options = compileAutoscaleOptions({ streamName: 'orders', maxShards: 8 });
  const fresh = upgradeAutoscaleInput({ options });
  expect(fresh.state).toEqual({
    latest: null,
    intervals: [],
    decisions: [],
    lastChangeAt: null,
    lagHold: null,
    run: 1,
  });
  const carried: AutoscaleState = { ...fresh.state, lastChangeAt: T0, run: 3 };
  expect(upgradeAutoscaleInput({ options, state: carried }).state).toEqual({ ...carried, run: 4 });
});

test('sustained load above the threshold asks for a scale-up; its completion starts a cooldown', () => {
  // Prepare
  const a = autoscaler();
  // Act: 90% of 2 shards for 3 minutes.
  const change = feed(a, 3, 1_800);
  // Assess
  expect(change).toMatchObject({ to: 4, decision: { action: 'scale-up', code: 'scale-up-load', from: 2 } });
  expect(a.state.decisions.map((d) => [d.code, d.count])).toEqual([
    ['warming-up', 1],
    ['above-not-sustained', 2],
    ['scale-up-load', 1],
  ]);
  expect(a.status().state).toBe('resharding');
  expect(a.reshardInput(change!, 'ksp:orders:autoscale')).toEqual({
    streamName: 'orders',
    request: { kind: 'count', targetShardCount: 4 },
    maxShards: 8,
    requestedBy: 'ksp:orders:autoscale',
  });
  a.reshardCompleted(change!, reshardResult(2, 4), 'ksp:orders:reshard', T0 + 4 * MIN);
  expect(change!.entry.outcome).toEqual({
    status: 'completed',
    detail: '2 → 4 shards in 42s ()',
    reshardWorkflowId: 'ksp:orders:reshard',
  });
  expect(a.status()).toMatchObject({
    state: 'running',
    lastChangeAt: '2026-12-01T10:04:00.000Z',
    intervals: 0,
  });
  expect(a.state.latest).toBeNull();
  expect(a.state.lagHold).toBeNull(); // only a scale-up for lag holds the count
});

test('a skipped reshard starts no cooldown; a failed one does', () => {
  const skipped = autoscaler();
  const first = feed(skipped, 3, 1_800)!;
  skipped.reshardSkipped(first, 'ksp:orders:reshard');
  expect(first.entry.outcome?.status).toBe('skipped');
  expect(skipped.state.lastChangeAt).toBeNull();

  const failed = autoscaler();
  const second = feed(failed, 3, 1_800)!;
  failed.reshardFailed(second, 'refused: 11th change in 24 h', 'ksp:orders:reshard', T0 + 5 * MIN);
  expect(second.entry.outcome).toEqual({
    status: 'failed',
    detail: 'refused: 11th change in 24 h',
    reshardWorkflowId: 'ksp:orders:reshard',
  });
  expect(failed.state.lastChangeAt).toBe(T0 + 5 * MIN);
  expect(failed.state.intervals).toEqual([]);
});

test('dry run: the change is recorded, not made, and the same one repeated folds into one entry', () => {
  const a = autoscaler({ dryRun: true });
  expect(feed(a, 6, 1_800)).toBeNull();
  const dry = a.state.decisions.filter((d) => d.outcome?.status === 'dry-run');
  expect(dry).toHaveLength(1);
  expect(dry[0]).toMatchObject({ action: 'scale-up', to: 4, count: 4 });
  expect(a.status().state).toBe('running');
});

test('a failed measurement is a hold that says why, and the window starts again', () => {
  const a = autoscaler();
  feed(a, 2, 1_800);
  a.measureFailed('no shard workflow reported yet', T0 + 3 * MIN);
  a.measureFailed('no shard workflow reported yet', T0 + 4 * MIN);
  const last = a.state.decisions[a.state.decisions.length - 1];
  expect(last).toMatchObject({
    action: 'hold',
    code: 'no-measurement',
    reason: 'cannot measure the load: no shard workflow reported yet',
    count: 2,
    lastAt: '2026-12-01T10:04:00.000Z',
  });
  expect(a.state.latest).toBeNull();
  expect(a.state.intervals).toEqual([]);
});

test('stop shows in the status; the continued input is plain JSON', () => {
  const a = autoscaler();
  feed(a, 2, 500);
  a.stop();
  expect(a.status().state).toBe('stopping');
  const next = a.continued();
  expect(JSON.parse(JSON.stringify(next))).toEqual(next);
  expect(next.state?.decisions.length).toBeGreaterThan(0);
});

test('recordDecision keeps at most `max` entries, the newest', () => {
  const decisions: ReturnType<typeof recordDecision>[] = [];
  const decision = (i: number): AutoscaleDecision => ({
    at: new Date(T0 + i).toISOString(),
    action: 'hold',
    code: i % 2 === 0 ? 'in-band' : 'warming-up',
    reason: String(i),
    from: 2,
    to: null,
    metrics: null,
  });
  for (let i = 0; i < 10; i++) recordDecision(decisions, decision(i), 4);
  expect(decisions.map((d) => d.reason)).toEqual(['6', '7', '8', '9']);
});
