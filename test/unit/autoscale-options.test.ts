/**
 * Autoscale options are compiled in one place: defaults filled in, and every bad value refused
 * with the field and the fix.
 */
import { type AutoscaleOptions, compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { ConfigError } from '../../src/errors';

const base: AutoscaleOptions = { streamName: 'orders', maxShards: 16 };

test('defaults: 1–16 shards, 75% / 25% thresholds, 50% target, 3m / 15m windows, 5m cooldown, 1m samples', () => {
  expect(compileAutoscaleOptions(base)).toEqual({
    streamName: 'orders',
    minShards: 1,
    maxShards: 16,
    scaleUpThreshold: 0.75,
    scaleDownThreshold: 0.25,
    targetUtilisation: 0.5,
    scaleUpWindowMs: 180_000,
    scaleDownWindowMs: 900_000,
    cooldownMs: 300_000,
    sampleIntervalMs: 60_000,
    maxLagMs: 60_000,
    lagHoldMs: 3_600_000,
    reserveForScaleUp: 2,
    dryRun: false,
    maxDecisions: 200,
    maxHistoryEvents: 5_000,
  });
});

test('maxLag null turns the lag rules off', () => {
  expect(compileAutoscaleOptions({ ...base, maxLag: null }).maxLagMs).toBeNull();
});

test.each<[string, string, Record<string, unknown>, RegExp]>([
  ['no stream', 'streamName', { streamName: '' }, /is not a Kinesis stream name/],
  [
    'no maximum',
    'maxShards',
    { maxShards: undefined },
    /is required: the most shards autoscaling may pay for/,
  ],
  [
    'max below min',
    'maxShards',
    { minShards: 8, maxShards: 4 },
    /4 is below minShards \(8\): raise maxShards or lower minShards/,
  ],
  ['min zero', 'minShards', { minShards: 0 }, /0 is invalid: use a whole number from 1 to 10000/],
  ['max above 10,000', 'maxShards', { maxShards: 10_001 }, /from 1 to 10000/],
  ['threshold above 1', 'scaleUpThreshold', { scaleUpThreshold: 1.5 }, /above 0 and at most 1/],
  ['threshold as text', 'scaleDownThreshold', { scaleDownThreshold: '0.2' }, /"0.2" is invalid/],
  [
    'target outside the band',
    'targetUtilisation',
    { targetUtilisation: 0.8 },
    /0.8 must lie between scaleDownThreshold \(0.25\) and scaleUpThreshold \(0.75\)/,
  ],
  [
    'band too narrow for hysteresis',
    'scaleDownThreshold',
    { scaleUpThreshold: 0.7, scaleDownThreshold: 0.4, targetUtilisation: 0.5 },
    /0.4 must be below scaleUpThreshold \/ 2 \(0.35\).*keep a scale-up from triggering a scale-down/,
  ],
  [
    'window shorter than two samples',
    'scaleUpWindow',
    { scaleUpWindow: '90s' },
    /1.5m is out of range: use 2m to/,
  ],
  [
    'sample interval not a duration',
    'sampleInterval',
    { sampleInterval: 'often' },
    /"often" is not a duration/,
  ],
  [
    'sample interval too short',
    'sampleInterval',
    { sampleInterval: 500 },
    /500ms is out of range: use 1s to 1h/,
  ],
  ['maxLag under a second', 'maxLag', { maxLag: '10ms' }, /10ms is out of range/],
  ['reserve of all ten changes', 'reserveForScaleUp', { reserveForScaleUp: 10 }, /from 0 to 9/],
  ['dryRun not a boolean', 'dryRun', { dryRun: 'yes' }, /use true or false/],
  [
    'unknown option',
    'maxShard',
    { maxShard: 4 },
    /is not an autoscale option: use one of streamName, minShards, maxShards/,
  ],
])('%s: refused naming %s', (_name, field, over, message) => {
  let error: unknown;
  try {
    compileAutoscaleOptions({ ...base, ...over });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).field).toBe(field);
  expect((error as ConfigError).message).toMatch(message);
});
