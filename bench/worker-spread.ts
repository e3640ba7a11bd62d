/**
 * How evenly several workers on one task queue share a stream's shards: pure arithmetic over
 * "which worker runs each shard's activity right now" samples (bench/shard-holders.ts takes them).
 */
import { timestampMs } from './history-timing';

/** Shard id → identity of the worker running its activity, or null when none runs right now. */
export type HolderSample = Record<string, string | null>;

export interface Spread {
  /** Worker identity → shards it held, averaged over the samples. */
  perWorker: Record<string, number>;
  /** Shards the busiest worker held ÷ shards the least busy one held (Infinity when one held none). */
  ratio: number;
  busiest: number;
  fewest: number;
  /** Samples in which no worker ran the shard's activity, per shard, averaged (a batch between activities). */
  unheld: number;
}

/** Shards per worker in one sample; every worker in `workers` appears, with 0 when it holds none. */
export function holdingsOf(sample: HolderSample, workers: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(workers.map((w) => [w, 0]));
  for (const holder of Object.values(sample)) if (holder !== null) counts[holder] = (counts[holder] ?? 0) + 1;
  return counts;
}

/** The spread of `samples` over `workers` (the ones that should share the shards). */
export function spreadOf(samples: readonly HolderSample[], workers: readonly string[]): Spread {
  const totals: Record<string, number> = Object.fromEntries(workers.map((w) => [w, 0]));
  let unheld = 0;
  for (const sample of samples) {
    for (const [w, n] of Object.entries(holdingsOf(sample, workers))) totals[w] = (totals[w] ?? 0) + n;
    unheld += Object.values(sample).filter((h) => h === null).length;
  }
  const n = Math.max(1, samples.length);
  const perWorker = Object.fromEntries(Object.entries(totals).map(([w, t]) => [w, t / n]));
  const values = workers.map((w) => perWorker[w] ?? 0);
  const busiest = values.length > 0 ? Math.max(...values) : 0;
  const fewest = values.length > 0 ? Math.min(...values) : 0;
  return {
    perWorker,
    busiest,
    fewest,
    ratio: fewest > 0 ? busiest / fewest : busiest > 0 ? Infinity : Number.NaN,
    unheld: unheld / n,
  };
}

/** Shards whose holder in `after` differs from `before` and was `from` (a worker that died). */
export function movedFrom(before: HolderSample, after: HolderSample, from: string): string[] {
  return Object.keys(before).filter((s) => before[s] === from && after[s] != null && after[s] !== from);
}

/** The fields of a history event this module reads (a proto `IHistoryEvent` fits). */
export interface SpreadEvent {
  eventId?: { toString(): string } | null;
  eventTime?: { seconds?: { toString(): string } | null; nanos?: number | null } | null;
  activityTaskStartedEventAttributes?: { identity?: string | null; scheduledEventId?: unknown } | null;
  activityTaskCompletedEventAttributes?: { startedEventId?: { toString(): string } | null } | null;
  activityTaskFailedEventAttributes?: { startedEventId?: { toString(): string } | null } | null;
  activityTaskTimedOutEventAttributes?: { startedEventId?: { toString(): string } | null } | null;
  activityTaskCanceledEventAttributes?: { startedEventId?: { toString(): string } | null } | null;
}

function eventMs(e: SpreadEvent): number {
  return timestampMs(e.eventTime) ?? 0;
}

/**
 * Seconds each worker identity ran activities of the given histories within [fromMs, toMs]
 * (start → close, clipped; a still-running one up to toMs): the shards each worker held, as
 * shard-seconds, exact where sampling `shardHolders` would be noisy.
 */
export function heldSecondsByIdentity(
  events: Iterable<SpreadEvent>,
  fromMs: number,
  toMs: number,
  /** Filled with the activities each identity closed within the window (cycling vs long-lived). */
  closedBy: Record<string, number> = {},
): Record<string, number> {
  const open = new Map<string, { identity: string; at: number }>();
  const held: Record<string, number> = {};
  const add = (identity: string, start: number, end: number) => {
    const s = Math.max(start, fromMs);
    const e = Math.min(end, toMs);
    if (e > s) held[identity] = (held[identity] ?? 0) + (e - s) / 1000;
  };
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      open.set(e.eventId?.toString() ?? '', { identity: started.identity ?? '?', at: eventMs(e) });
      continue;
    }
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const key = closed?.startedEventId?.toString();
    const run = key === undefined ? undefined : open.get(key);
    if (run && key !== undefined) {
      add(run.identity, run.at, eventMs(e));
      const at = eventMs(e);
      if (at >= fromMs && at <= toMs) closedBy[run.identity] = (closedBy[run.identity] ?? 0) + 1;
      open.delete(key);
    }
  }
  for (const run of open.values()) add(run.identity, run.at, toMs);
  return held;
}

/** busiest ÷ least busy of `values` over `workers` (missing = 0). */
export function ratioOf(values: Record<string, number>, workers: readonly string[]): number {
  const v = workers.map((w) => values[w] ?? 0);
  const busiest = Math.max(...v);
  const fewest = Math.min(...v);
  return fewest > 0 ? busiest / fewest : busiest > 0 ? Infinity : Number.NaN;
}
