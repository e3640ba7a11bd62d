/**
 * Autoscale options: the documented interface, defaults in one place, and one compile step that
 * rejects every bad value with a message naming the field and the fix. Pure module: the compiled
 * options are plain JSON and travel as the autoscale workflow's input.
 *
 * Utilisation is the stream's measured write load over its capacity: the larger of records/s over
 * 1,000 per open shard and bytes/s over 1 MiB per open shard (the Kinesis write limits).
 */
import type { Duration } from './duration';
import { ConfigError } from '../errors';
import { checkDuration } from './checks';
import { KINESIS_RESHARD_LIMITS } from '../workflows/reshard-limits';

export interface AutoscaleOptions {
  /** Kinesis stream name. Required. */
  streamName: string;
  /** Never fewer open shards than this. @default 1 */
  minShards?: number;
  /** Never more open shards than this (the account limit also applies). Required. */
  maxShards?: number;
  /** Scale up when utilisation stays above this for `scaleUpWindow`. @default 0.75 */
  scaleUpThreshold?: number;
  /** Scale down when utilisation stays below this for `scaleDownWindow`. @default 0.25 */
  scaleDownThreshold?: number;
  /** A change sizes the stream so that the window's peak load is at this utilisation. @default 0.5 */
  targetUtilisation?: number;
  /** @default '3m' */
  scaleUpWindow?: Duration;
  /** @default '15m' */
  scaleDownWindow?: Duration;
  /** No change sooner than this after the last one (any, manual included). @default '5m' */
  cooldown?: Duration;
  /** How often the load is sampled. @default '1m' */
  sampleInterval?: Duration;
  /**
   * Consumer lag (MillisBehindLatest) above this for `scaleUpWindow`, and not shrinking, scales up
   * (more shards, more parallel handlers); any lag above it blocks scaling down. null: ignore lag.
   * @default '1m'
   */
  maxLag?: Duration | null;
  /** After a scale-up for lag, hold at least that many shards for this long. @default '1h' */
  lagHold?: Duration;
  /**
   * Count changes of the 10 per rolling 24 h kept for scaling up: no scale-down uses them.
   * @default 2
   */
  reserveForScaleUp?: number;
  /** Record decisions without resharding. @default false */
  dryRun?: boolean;
  /** Decisions kept for the `decisions` query (oldest dropped). @default 200 */
  maxDecisions?: number;
  /** Continue as new after this many history events (the server's suggestion also applies). @default 5000 */
  maxHistoryEvents?: number;
}

/** Options after validation: every field present, durations in milliseconds, JSON only. */
export interface CompiledAutoscaleOptions {
  streamName: string;
  minShards: number;
  maxShards: number;
  scaleUpThreshold: number;
  scaleDownThreshold: number;
  targetUtilisation: number;
  scaleUpWindowMs: number;
  scaleDownWindowMs: number;
  cooldownMs: number;
  sampleIntervalMs: number;
  maxLagMs: number | null;
  lagHoldMs: number;
  reserveForScaleUp: number;
  dryRun: boolean;
  maxDecisions: number;
  maxHistoryEvents: number;
}

export const AUTOSCALE_DEFAULTS = {
  minShards: 1,
  scaleUpThreshold: 0.75,
  scaleDownThreshold: 0.25,
  targetUtilisation: 0.5,
  scaleUpWindow: '3m',
  scaleDownWindow: '15m',
  cooldown: '5m',
  sampleInterval: '1m',
  maxLag: '1m',
  lagHold: '1h',
  reserveForScaleUp: 2,
  dryRun: false,
  maxDecisions: 200,
  maxHistoryEvents: 5_000,
} as const;

const KNOWN = new Set([
  'streamName',
  'minShards',
  'maxShards',
  'scaleUpThreshold',
  'scaleDownThreshold',
  'targetUtilisation',
  'scaleUpWindow',
  'scaleDownWindow',
  'cooldown',
  'sampleInterval',
  'maxLag',
  'lagHold',
  'reserveForScaleUp',
  'dryRun',
  'maxDecisions',
  'maxHistoryEvents',
]);

function whole(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is invalid: use a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

function fraction(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is invalid: use a fraction of the write limit above 0 and at most 1, e.g. 0.75`,
    );
  }
  return value;
}

function ms(field: string, value: unknown, min: number, max = 7 * 24 * 3_600_000): number {
  return checkDuration(field, value, min, max);
}

/** Validates and fills in autoscale options; throws a ConfigError naming the field and the fix. */
export function compileAutoscaleOptions(input: AutoscaleOptions): CompiledAutoscaleOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('autoscale', 'must be an object such as {"streamName": "orders", "maxShards": 16}');
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) {
      throw new ConfigError(key, `is not an autoscale option: use one of ${[...KNOWN].join(', ')}`);
    }
  }
  const d = AUTOSCALE_DEFAULTS;
  if (typeof input.streamName !== 'string' || !/^[a-zA-Z0-9_.-]{1,128}$/.test(input.streamName)) {
    throw new ConfigError(
      'streamName',
      `${JSON.stringify(input.streamName)} is not a Kinesis stream name (1–128 of a-z A-Z 0-9 _ . -)`,
    );
  }
  const perStream = KINESIS_RESHARD_LIMITS.maxShardsPerStream;
  if (input.maxShards === undefined) {
    throw new ConfigError('maxShards', 'is required: the most shards autoscaling may pay for, e.g. 16');
  }
  const minShards = whole('minShards', input.minShards ?? d.minShards, 1, perStream);
  const maxShards = whole('maxShards', input.maxShards, 1, perStream);
  if (maxShards < minShards) {
    throw new ConfigError(
      'maxShards',
      `${maxShards} is below minShards (${minShards}): raise maxShards or lower minShards`,
    );
  }
  const up = fraction('scaleUpThreshold', input.scaleUpThreshold ?? d.scaleUpThreshold);
  const down = fraction('scaleDownThreshold', input.scaleDownThreshold ?? d.scaleDownThreshold);
  const target = fraction('targetUtilisation', input.targetUtilisation ?? d.targetUtilisation);
  if (!(down < target && target < up)) {
    throw new ConfigError(
      'targetUtilisation',
      `${target} must lie between scaleDownThreshold (${down}) and scaleUpThreshold (${up}), so that a change lands inside the band`,
    );
  }
  if (down >= up / 2) {
    throw new ConfigError(
      'scaleDownThreshold',
      `${down} must be below scaleUpThreshold / 2 (${up / 2}): one change at most doubles or halves the shard count, which halves or doubles utilisation, so a wider band is needed to keep a scale-up from triggering a scale-down (and back)`,
    );
  }
  const sampleIntervalMs = ms('sampleInterval', input.sampleInterval ?? d.sampleInterval, 1_000, 3_600_000);
  const windowMin = 2 * sampleIntervalMs;
  const scaleUpWindowMs = ms('scaleUpWindow', input.scaleUpWindow ?? d.scaleUpWindow, windowMin);
  const scaleDownWindowMs = ms('scaleDownWindow', input.scaleDownWindow ?? d.scaleDownWindow, windowMin);
  const maxLag = input.maxLag === undefined ? d.maxLag : input.maxLag;
  if (typeof input.dryRun !== 'boolean' && input.dryRun !== undefined) {
    throw new ConfigError('dryRun', `${JSON.stringify(input.dryRun)} is invalid: use true or false`);
  }
  return {
    streamName: input.streamName,
    minShards,
    maxShards,
    scaleUpThreshold: up,
    scaleDownThreshold: down,
    targetUtilisation: target,
    scaleUpWindowMs,
    scaleDownWindowMs,
    cooldownMs: ms('cooldown', input.cooldown ?? d.cooldown, 0),
    sampleIntervalMs,
    maxLagMs: maxLag === null ? null : ms('maxLag', maxLag, 1_000),
    lagHoldMs: ms('lagHold', input.lagHold ?? d.lagHold, 0),
    reserveForScaleUp: whole(
      'reserveForScaleUp',
      input.reserveForScaleUp ?? d.reserveForScaleUp,
      0,
      KINESIS_RESHARD_LIMITS.countChangesPerWindow - 1,
    ),
    dryRun: input.dryRun ?? d.dryRun,
    maxDecisions: whole('maxDecisions', input.maxDecisions ?? d.maxDecisions, 10, 10_000),
    maxHistoryEvents: whole('maxHistoryEvents', input.maxHistoryEvents ?? d.maxHistoryEvents, 100, 50_000),
  };
}
