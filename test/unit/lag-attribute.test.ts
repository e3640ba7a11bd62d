/**
 * The KspMillisBehind upsert rule (src/workflows/lag-attribute.ts) as a plain function: what an
 * idle, a steady, a recovering and a flapping shard cost.
 */
import {
  LAG_MIN_INTERVAL_MS,
  LAG_REFRESH_MS,
  type LagAttributeInput,
  lagToPublish,
  lagWatch,
} from '../../src/workflows/lag-attribute';
import { lagLeft } from '../../src/activities/shard/consume-contract';

const at = (over: Partial<LagAttributeInput>): LagAttributeInput => ({
  observed: 0,
  published: null,
  lastUpsertAtMs: null,
  nowMs: 1_000_000,
  ...over,
});

/** Replays a series of (time, lag) observations; returns the upserts the rule makes. */
function simulate(series: [number, number][]): [number, number][] {
  let published: number | null = null;
  let last: number | null = null;
  const upserts: [number, number][] = [];
  for (const [nowMs, observed] of series) {
    const value = lagToPublish({ observed, published, lastUpsertAtMs: last, nowMs });
    if (value === null) continue;
    upserts.push([nowMs, value]);
    published = value;
    last = nowMs;
  }
  return upserts;
}

describe('lagToPublish', () => {
  test('nothing before the first batch; the first value at once', () => {
    expect(lagToPublish(at({ observed: null }))).toBeNull();
    expect(lagToPublish(at({ observed: 42_000 }))).toBe(42_000);
    expect(lagToPublish(at({ observed: 0 }))).toBe(0);
  });

  test('lag under 1 s is 0, and an unchanged value is never upserted', () => {
    expect(lagToPublish(at({ observed: 999 }))).toBe(0);
    expect(lagToPublish(at({ observed: 999, published: 0, lastUpsertAtMs: 0 }))).toBeNull();
    expect(lagToPublish(at({ observed: 5_000, published: 5_000, lastUpsertAtMs: 0 }))).toBeNull();
  });

  test('a return to 0 is published at once, even right after another upsert', () => {
    expect(lagToPublish(at({ observed: 0, published: 400_000, lastUpsertAtMs: 999_999 }))).toBe(0);
  });

  test('crossing a bucket boundary publishes, but not sooner than the minimum interval', () => {
    const last = 1_000_000;
    const base = { published: 200_000, lastUpsertAtMs: last };
    expect(
      lagToPublish(at({ ...base, observed: 310_000, nowMs: last + LAG_MIN_INTERVAL_MS - 1 })),
    ).toBeNull();
    expect(lagToPublish(at({ ...base, observed: 310_000, nowMs: last + LAG_MIN_INTERVAL_MS }))).toBe(310_000);
    // 200 s → 290 s stays in the [1 min, 5 min) bucket: only the refresh republishes it.
    expect(lagToPublish(at({ ...base, observed: 290_000, nowMs: last + LAG_REFRESH_MS - 1 }))).toBeNull();
    expect(lagToPublish(at({ ...base, observed: 290_000, nowMs: last + LAG_REFRESH_MS }))).toBe(290_000);
  });

  test('an idle shard costs one upsert, a steady lagging one at most 6 an hour', () => {
    const hour = 60 * 60_000;
    const everyFiveSeconds = (lag: (t: number) => number): [number, number][] =>
      Array.from({ length: hour / 5_000 }, (_, i) => [i * 5_000, lag(i * 5_000)]);
    expect(simulate(everyFiveSeconds(() => 0))).toEqual([[0, 0]]);
    // Lag drifting between 2 and 3 minutes, inside one bucket: the first value, then one per 10 min.
    const steady = simulate(everyFiveSeconds((t) => 120_000 + (t % 60_000)));
    expect(steady.length).toBeLessThanOrEqual(1 + hour / LAG_REFRESH_MS);
  });

  test('lag flapping across a boundary every batch costs at most 2 upserts a minute', () => {
    const flapping: [number, number][] = Array.from({ length: 600 }, (_, i) => [
      i * 1_000,
      i % 2 ? 0 : 1_500,
    ]);
    const upserts = simulate(flapping);
    expect(upserts.length).toBeLessThanOrEqual((2 * 600_000) / LAG_MIN_INTERVAL_MS + 1);
    // …and every return to 0 is published at once: each rise is followed by a 0 a second later.
    upserts.forEach(([t, v], i) => {
      if (v !== 0) expect(upserts[i + 1]).toEqual([t + 1_000, 0]);
    });
  });

  test('a shard falling behind and catching up: each bucket on the way, then 0', () => {
    const series: [number, number][] = [
      [0, 0],
      [60_000, 5_000],
      [120_000, 70_000],
      [180_000, 400_000],
      [240_000, 410_000],
      [250_000, 0],
    ];
    expect(simulate(series)).toEqual([
      [0, 0],
      [60_000, 5_000],
      [120_000, 70_000],
      [180_000, 400_000],
      [250_000, 0],
    ]);
  });
});

describe('lagWatch: when a busy loop returns for the attribute', () => {
  it('never published: a lag at once, a first 0 within the least interval', () => {
    const w = lagWatch(null, null, 0);
    expect(lagLeft(w, 5_000, 0)).toBe(true);
    expect(lagLeft(w, 1_000, 0)).toBe(true);
    expect(lagLeft(w, null, 0)).toBe(false);
    // At the tip: no return after the first batch, but one once the least interval is over.
    expect(lagLeft(w, 0, 0)).toBe(false);
    expect(lagLeft(w, 999, LAG_MIN_INTERVAL_MS - 1)).toBe(false);
    expect(lagLeft(w, 0, LAG_MIN_INTERVAL_MS)).toBe(true);
    expect(lagLeft(w, null, LAG_MIN_INTERVAL_MS)).toBe(false);
  });

  it('at 0: stays for a lag under 1 s; leaves for a bucket change once a minute has passed', () => {
    const w = lagWatch(0, 1_000_000, 1_000_000 + 20_000);
    expect(w).toEqual({ fromMs: 0, toMs: 1_000, holdMs: 40_000, atOnceBelowMs: 0 });
    expect(lagLeft(w, 900, 50_000)).toBe(false);
    expect(lagLeft(w, 1_500, 39_999)).toBe(false);
    expect(lagLeft(w, 1_500, 40_000)).toBe(true);
  });

  it('behind: a return to 0 at once; another bucket after the least interval; the same bucket never', () => {
    const w = lagWatch(7 * 60_000, null, 0);
    expect(w).toEqual({ fromMs: 5 * 60_000, toMs: 15 * 60_000, holdMs: 0, atOnceBelowMs: 1_000 });
    expect(lagLeft(w, 10 * 60_000, 0)).toBe(false);
    expect(lagLeft(w, 3 * 60_000, 0)).toBe(true);
    const held = lagWatch(7 * 60_000, 0, LAG_MIN_INTERVAL_MS - 10_000);
    expect(lagLeft(held, 3 * 60_000, 9_000)).toBe(false);
    expect(lagLeft(held, 500, 0)).toBe(true);
    expect(lagWatch(3 * 86_400_000, null, 0).toMs).toBeNull();
  });
});
