/**
 * When a shard workflow upserts its `KspMillisBehind` search attribute. Every upsert is a billed
 * action and a history event, so the value is published at a bounded rate, by one rule:
 *
 * - lag under 1 s counts as 0 (a busy shard at the tip wobbles between 0 and a few hundred ms);
 * - the first known value is published as soon as the workflow learns it; a busy loop returns
 *   for it at once when the shard lags (1 s or more), and within `LAG_MIN_INTERVAL_MS` when it is
 *   at the tip (0), if nothing else ended the loop sooner;
 * - a return to 0 is published at once, always (so `KspMillisBehind > N` stops listing a shard
 *   that caught up);
 * - otherwise the value is published when it moves into another bucket (boundaries 1 s, 10 s,
 *   1 min, 5 min, 15 min, 1 h, 6 h, 1 d), or has changed and the last upsert is 10 min old;
 * - and never sooner than 1 min after the previous upsert (except a return to 0). The value
 *   published is read back from the workflow's own attributes, so it survives continue-as-new;
 *   the time of the last upsert does not, so a new run may upsert once sooner than that.
 *
 * A shard read to its end sets it to 0 (shard-details.ts). A paused or stopped shard polls no
 * more and keeps its last value: combine with `KspState="running"` to list only shards lagging now.
 * So an idle or caught-up shard costs nothing after its first value, a steadily lagging shard at
 * most 6 upserts an hour, and the worst case (lag flipping across a boundary every batch) 2 a
 * minute. A query whose threshold is a bucket boundary (`KspMillisBehind > 300000`) is exact
 * within that minute; any other threshold within 10 min. Pure module: safe in workflow code.
 *
 * A busy consuming loop (consume-loop.ts) reports its lag only when it returns, so the workflow
 * hands it the band of the published value (`lagWatch`) and it returns as soon as its lag would
 * be published: leaving the band once the minimum interval is over, or back to 0 at once.
 */
import type { LagWatch } from '../activities/shard/consume-contract';

/** Lag below this is published as 0. */
export const LAG_ZERO_BELOW_MS = 1_000;
/** Bucket boundaries (ms): crossing one publishes the value. */
export const LAG_BUCKETS_MS: readonly number[] = [
  1_000,
  10_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  6 * 60 * 60_000,
  24 * 60 * 60_000,
];
/** Within a bucket, a changed value is republished after this long. */
export const LAG_REFRESH_MS = 10 * 60_000;
/** No two upserts closer than this, except a return to 0. */
export const LAG_MIN_INTERVAL_MS = 60_000;

export interface LagAttributeInput {
  /** `millisBehindLatest` of the last batch; null before the first one. */
  observed: number | null;
  /** The attribute's value on the workflow now; null when it was never set. */
  published: number | null;
  /** When this run last upserted it (ms); null when it has not yet. */
  lastUpsertAtMs: number | null;
  nowMs: number;
}

/** The band a busy loop's lag must stay in for the attribute to stay as it is (see `lagToPublish`). */
export function lagWatch(published: number | null, lastUpsertAtMs: number | null, nowMs: number): LagWatch {
  // Never published: a lag is, at once; a first 0 within the least interval (the loop would
  // otherwise return after every shard's first batch, one more activity and workflow task each).
  if (published === null)
    return {
      fromMs: 0,
      toMs: LAG_ZERO_BELOW_MS,
      holdMs: 0,
      atOnceBelowMs: 0,
      publishAfterMs: LAG_MIN_INTERVAL_MS,
    };
  const bucket = bucketOf(published);
  const since = lastUpsertAtMs === null ? Infinity : nowMs - lastUpsertAtMs;
  return {
    fromMs: bucket === 0 ? 0 : (LAG_BUCKETS_MS[bucket - 1] ?? 0),
    toMs: LAG_BUCKETS_MS[bucket] ?? null,
    holdMs: Math.max(0, LAG_MIN_INTERVAL_MS - since),
    atOnceBelowMs: published === 0 ? 0 : LAG_ZERO_BELOW_MS,
  };
}

function bucketOf(ms: number): number {
  let bucket = 0;
  for (const boundary of LAG_BUCKETS_MS) if (ms >= boundary) bucket++;
  return bucket;
}

/** The value to upsert now, or null to leave the attribute as it is. */
export function lagToPublish({
  observed,
  published,
  lastUpsertAtMs,
  nowMs,
}: LagAttributeInput): number | null {
  if (observed === null || !Number.isFinite(observed)) return null;
  const value = observed < LAG_ZERO_BELOW_MS ? 0 : Math.round(observed);
  if (value === published) return null;
  if (published === null || value === 0) return value;
  const since = lastUpsertAtMs === null ? Infinity : nowMs - lastUpsertAtMs;
  if (since < LAG_MIN_INTERVAL_MS) return null;
  if (bucketOf(value) !== bucketOf(published)) return value;
  return since >= LAG_REFRESH_MS ? value : null;
}
