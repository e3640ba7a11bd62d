/**
 * The autoscale policy: load samples in, one decision out, with its reason. Pure and deterministic
 * (no clock, no I/O) so the autoscale workflow can run it and tests can table it.
 *
 * Load and utilisation are measured in autoscale-load.ts.
 *
 * - Scale up when utilisation stays above `scaleUpThreshold` for `scaleUpWindow`, or lag stays
 *   above `maxLag` without shrinking (the handlers cannot keep up: more shards, more of them).
 * - Scale down when utilisation stays below `scaleDownThreshold` for `scaleDownWindow` and no
 *   shard lags.
 * - A change sizes the stream for the window's peak at `targetUtilisation`, within 2× up and ½
 *   down per call, `minShards`…`maxShards` and the account limit. The band between the thresholds
 *   is wider than one change moves utilisation (options check it), so a change cannot trigger the
 *   opposite one: hysteresis.
 * - No change within `cooldown` of the last (manual ones included); never more than 10 count
 *   changes per rolling 24 h, and the last `reserveForScaleUp` of them only for scaling up.
 * - Intervals that span a change, or a stream not ACTIVE, are not evidence: windows restart.
 */
import type { CompiledAutoscaleOptions } from '../config/autoscale-options';
import type { ReshardLedgerEntry } from './stream-messages';
import { type LoadInterval, type LoadSample, WRITE_LIMITS } from './autoscale-load';
import { countChangeBudget, countStepRange, shardCeiling } from './reshard-limits';

export type { LoadInterval, LoadSample } from './autoscale-load';

export type DecisionCode =
  | 'scale-up-load'
  | 'scale-up-lag'
  | 'scale-down-load'
  | 'below-min'
  | 'above-max'
  | 'warming-up'
  | 'stream-not-active'
  | 'in-band'
  | 'above-not-sustained'
  | 'below-not-sustained'
  | 'at-max'
  | 'at-min'
  | 'lag-high'
  | 'lag-hold'
  | 'catching-up'
  | 'no-measurement'
  | 'cooldown'
  | 'count-change-limit'
  | 'budget-reserved';

export interface DecisionMetrics {
  recordsPerSecond: number;
  bytesPerSecond: number;
  utilisation: number;
  hottestShard: LoadInterval['hottestShard'];
  maxLagMs: number | null;
}

export interface AutoscaleDecision {
  /** ISO time of the decision. */
  at: string;
  action: 'scale-up' | 'scale-down' | 'hold';
  code: DecisionCode;
  reason: string;
  from: number;
  /** The shard count asked for; null when holding. */
  to: number | null;
  /** Load of the latest interval; null before there is one. */
  metrics: DecisionMetrics | null;
}

export interface PolicyInput {
  options: CompiledAutoscaleOptions;
  /** Workflow time, ms since the epoch. */
  now: number;
  latest: LoadSample;
  /** Load intervals since the last change, oldest first. */
  intervals: readonly LoadInterval[];
  ledger: readonly ReshardLedgerEntry[];
  /** The last change this autoscaler made (the ledger has manual ones too). */
  lastChangeAt: number | null;
  /** Set by a scale-up for lag: no scale-down below `shards` before `until`. */
  lagHold: { until: number; shards: number } | null;
}

const pct = (u: number): string => `${Math.round(u * 100)}%`;
const iso = (ms: number): string => new Date(ms).toISOString();
const secs = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`);

function describeLoad(i: LoadInterval): string {
  return `${Math.round(i.recordsPerSecond)} records/s, ${(i.bytesPerSecond / WRITE_LIMITS.bytesPerSecond).toFixed(2)} MiB/s`;
}

/** The last `window / sampleInterval` intervals, or null while there are not that many yet. */
function windowOf(input: PolicyInput, windowMs: number): readonly LoadInterval[] | null {
  const needed = Math.max(1, Math.ceil(windowMs / input.options.sampleIntervalMs));
  return input.intervals.length >= needed ? input.intervals.slice(-needed) : null;
}

interface Want {
  action: 'scale-up' | 'scale-down';
  code: DecisionCode;
  to: number;
  reason: string;
}

/** What the load asks for, before cooldown and the 24 h budget; a hold decision when nothing. */
function want(input: PolicyInput): Want | Pick<AutoscaleDecision, 'code' | 'reason'> {
  const { options: o, latest } = input;
  const open = latest.openShardCount;
  const ceiling = shardCeiling(open, latest.account, o.maxShards);
  const step = countStepRange(open);
  if (open < o.minShards) {
    const to = Math.min(o.minShards, step.max, ceiling.max);
    return {
      action: 'scale-up',
      code: 'below-min',
      to,
      reason: `${open} open shards is below minShards (${o.minShards})`,
    };
  }
  if (open > ceiling.max) {
    const to = Math.max(ceiling.max, step.min);
    return {
      action: 'scale-down',
      code: 'above-max',
      to,
      reason: `${open} open shards is above ${ceiling.because}`,
    };
  }
  const up = windowOf(input, o.scaleUpWindowMs);
  const down = windowOf(input, o.scaleDownWindowMs);
  const last = input.intervals[input.intervals.length - 1];
  const peak = (w: readonly LoadInterval[]) => w.reduce((a, b) => (b.shardsOfLoad > a.shardsOfLoad ? b : a));
  const sizeFor = (load: number) => Math.ceil(load / o.targetUtilisation - 1e-9);

  // Behind the tip, the shards read faster than producers write while they catch up: only
  // intervals with the consumers caught up measure the write load.
  const behind = (i: LoadInterval) => o.maxLagMs !== null && i.maxLagMs !== null && i.maxLagMs > o.maxLagMs;
  const busy = up !== null && up.every((i) => i.utilisation > o.scaleUpThreshold);
  const loadHigh = busy && up.every((i) => !behind(i));
  const lagHigh =
    up !== null && up.every(behind) && (up[up.length - 1]?.maxLagMs ?? 0) >= (up[0]?.maxLagMs ?? 0);
  if (up && (loadHigh || lagHigh)) {
    if (open >= ceiling.max) {
      return {
        code: 'at-max',
        reason: `${loadHigh ? `utilisation above ${pct(o.scaleUpThreshold)}` : 'lag high'} for ${secs(o.scaleUpWindowMs)}, but ${open} shards is already ${ceiling.because}`,
      };
    }
    const top = peak(up);
    const needed = loadHigh ? sizeFor(top.shardsOfLoad) : step.max;
    const to = Math.min(Math.max(needed, open + 1), step.max, ceiling.max);
    const capped =
      to < needed
        ? ` (${needed} would put the peak at ${pct(o.targetUtilisation)}; one call goes at most to ${Math.min(step.max, ceiling.max)})`
        : '';
    return loadHigh
      ? {
          action: 'scale-up',
          code: 'scale-up-load',
          to,
          reason: `utilisation above ${pct(o.scaleUpThreshold)} for ${secs(o.scaleUpWindowMs)} (peak ${pct(top.utilisation)}: ${describeLoad(top)} on ${open} shards)${capped}`,
        }
      : {
          action: 'scale-up',
          code: 'scale-up-lag',
          to,
          reason: `consumers ${secs(up[up.length - 1]?.maxLagMs ?? 0)} behind, above maxLag (${secs(o.maxLagMs ?? 0)}) for ${secs(o.scaleUpWindowMs)} and not shrinking: more shards, more parallel handlers`,
        };
  }
  if (busy) {
    return {
      code: 'catching-up',
      reason: `utilisation above ${pct(o.scaleUpThreshold)}, but consumers were behind (over maxLag) and catching up: reads outpace writes then, so this is no measure of the write load`,
    };
  }
  if (down && down.every((i) => i.utilisation < o.scaleDownThreshold)) {
    const lagging =
      o.maxLagMs !== null
        ? down.find((i) => i.maxLagMs !== null && i.maxLagMs > (o.maxLagMs ?? 0))
        : undefined;
    if (lagging) {
      return {
        code: 'lag-high',
        reason: `utilisation below ${pct(o.scaleDownThreshold)} for ${secs(o.scaleDownWindowMs)}, but consumers were ${secs(lagging.maxLagMs ?? 0)} behind: not scaling down while behind`,
      };
    }
    if (open <= o.minShards) {
      return {
        code: 'at-min',
        reason: `utilisation below ${pct(o.scaleDownThreshold)}, but ${open} shards is minShards`,
      };
    }
    const top = peak(down);
    let to = Math.max(sizeFor(top.shardsOfLoad), step.min, o.minShards, 1);
    if (input.lagHold && input.now < input.lagHold.until && to < input.lagHold.shards) {
      if (open <= input.lagHold.shards) {
        return {
          code: 'lag-hold',
          reason: `utilisation below ${pct(o.scaleDownThreshold)}, but holding ${input.lagHold.shards} shards until ${iso(input.lagHold.until)}: the last scale-up was for lag (handlers could not keep up)`,
        };
      }
      to = input.lagHold.shards;
    }
    if (to >= open)
      return {
        code: 'in-band',
        reason: `utilisation low, but ${open} shards is the fewest that keep the peak at or below ${pct(o.targetUtilisation)}`,
      };
    return {
      action: 'scale-down',
      code: 'scale-down-load',
      to,
      reason: `utilisation below ${pct(o.scaleDownThreshold)} for ${secs(o.scaleDownWindowMs)} (peak ${pct(top.utilisation)}: ${describeLoad(top)} on ${open} shards)`,
    };
  }
  if (!last) return { code: 'warming-up', reason: 'no load measured since the start or the last change yet' };
  if (last.utilisation > o.scaleUpThreshold) {
    return {
      code: 'above-not-sustained',
      reason: `utilisation ${pct(last.utilisation)} is above ${pct(o.scaleUpThreshold)}, but not for ${secs(o.scaleUpWindowMs)} yet`,
    };
  }
  if (last.utilisation < o.scaleDownThreshold) {
    return {
      code: 'below-not-sustained',
      reason: `utilisation ${pct(last.utilisation)} is below ${pct(o.scaleDownThreshold)}, but not for ${secs(o.scaleDownWindowMs)} yet`,
    };
  }
  return {
    code: 'in-band',
    reason: `utilisation ${pct(last.utilisation)} is within ${pct(o.scaleDownThreshold)}–${pct(o.scaleUpThreshold)}`,
  };
}

/** One decision from the current load, the change history and the options. */
export function decide(input: PolicyInput): AutoscaleDecision {
  const { options: o, latest, now } = input;
  const open = latest.openShardCount;
  const last = input.intervals[input.intervals.length - 1];
  const base = {
    at: iso(now),
    from: open,
    metrics: last
      ? {
          recordsPerSecond: last.recordsPerSecond,
          bytesPerSecond: last.bytesPerSecond,
          utilisation: last.utilisation,
          hottestShard: last.hottestShard,
          maxLagMs: last.maxLagMs,
        }
      : null,
  };
  const hold = (code: DecisionCode, reason: string): AutoscaleDecision => ({
    ...base,
    action: 'hold',
    code,
    reason,
    to: null,
  });
  if (latest.streamStatus !== 'ACTIVE') {
    return hold('stream-not-active', `stream is ${latest.streamStatus}: waiting until it is ACTIVE`);
  }
  const wanted = want(input);
  if (!('action' in wanted)) return hold(wanted.code, wanted.reason);
  const intent = `${wanted.action} ${open} → ${wanted.to} (${wanted.reason})`;
  const lastChange = Math.max(
    input.lastChangeAt ?? 0,
    ...input.ledger.map((e) => Date.parse(e.at)).filter((t) => Number.isFinite(t)),
  );
  if (lastChange > 0 && now - lastChange < o.cooldownMs) {
    return hold(
      'cooldown',
      `would ${intent}, but the last change was at ${iso(lastChange)}: cooldown until ${iso(lastChange + o.cooldownMs)}`,
    );
  }
  const budget = countChangeBudget(input.ledger, now);
  if (budget.remaining === 0) {
    return hold(
      'count-change-limit',
      `would ${intent}, but the stream has had 10 shard-count changes in the last 24 h (the Kinesis limit); the next is allowed at ${budget.allowedAt ?? 'later'}`,
    );
  }
  if (wanted.action === 'scale-down' && budget.remaining <= o.reserveForScaleUp) {
    return hold(
      'budget-reserved',
      `would ${intent}, but only ${budget.remaining} of 10 count changes are left in the rolling 24 h and reserveForScaleUp keeps ${o.reserveForScaleUp} for scaling up`,
    );
  }
  return { ...base, action: wanted.action, code: wanted.code, reason: wanted.reason, to: wanted.to };
}
