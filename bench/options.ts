/**
 * What `ksp bench` measures and how big: defaults for the full run and for `--quick`, and one
 * compile step that turns command-line values into options, naming the flag and the fix on error.
 */
import { DEFAULT_REDISCOVER_MS } from '../src/constants';
import { checkDuration } from '../src/config/checks';
import { parseDuration } from '../src/config/duration';
import { ConfigError } from '../src/errors';
import type { KinesisKind } from '../src/local/kinesis-emulator';
import { DEFAULTS, LIMITS } from '../src/config/stream-options';
import type { ActionsOptions } from './actions';
import { LAG_MIN_INTERVAL_MS } from '../src/workflows/lag-attribute';
import type { WorkersOptions } from './workers';

/** The ksp defaults the bench compares against, in milliseconds. */
export const KSP_DEFAULT_IDLE_POLL_MS = parseDuration(DEFAULTS.idlePollInterval) as number;
export const KSP_DEFAULT_MAX_POLL_WAIT_MS = parseDuration(DEFAULTS.maxPollWait) as number;
export const KSP_DEFAULT_HEARTBEAT_TIMEOUT_MS = parseDuration(DEFAULTS.heartbeatTimeout) as number;
/** The stream workflow's rediscovery interval when none is given. */
export const KSP_DEFAULT_REDISCOVER_MS = DEFAULT_REDISCOVER_MS;

export const SECTIONS = ['drain', 'latency', 'history', 'rss', 'metrics', 'actions', 'workers'] as const;
export type BenchSection = (typeof SECTIONS)[number];
export const BACKENDS: readonly KinesisKind[] = ['kinesalite', 'kinesis-local'];

export interface LatencyOptions {
  /**
   * Steady producer rate per shard. Low on purpose: "caught up" means most polls come back empty,
   * so the idle poll interval, not the 200 ms spacing of busy polls, sets the latency.
   */
  ratePerShard: number;
  /** Records put before this are not measured (consumers starting, JIT). */
  warmupMs: number;
  windowMs: number;
  /** One ksp-vs-plain measurement per value (run at the same time): idlePollInterval and the loop's poll interval. */
  pollIntervalsMs: number[];
  /** The run at ksp's default settings (issue 14 goal 3): rate per shard and window (p99 from ≥ 1,000 records at 4 shards). */
  defaultsRatePerShard: number;
  defaultsWindowMs: number;
}

export interface IdleOptions {
  /** maxPollWait of the shards whose poll cycles are counted. */
  shortPollWaitMs: number;
  shortWindowMs: number;
  /** Window for the direct measurement with the default maxPollWait (5m); null skips it. */
  directWindowMs: number | null;
}

export interface RssOptions {
  /** One worker process per value: idle with 0 shards, then consuming a stream with this many shards. */
  shardCounts: number[];
  /** Wait before sampling, after the worker started and after the stream caught up. */
  settleMs: number;
  /** VmRSS samples, one a second; the median is reported. */
  samples: number;
  /** Records put per shard before the drain is sampled (`--rss-records-per-shard`). */
  recordsPerShard: number;
}

export interface MetricsCostOptions {
  /** Shards of the backlog drained with metrics off, then on. */
  shards: number;
  /** Records of that backlog. */
  records: number;
  /** Shards of the stream whose scrape size is measured as well. */
  largeShards: number;
  /** Wait after a worker started, before its idle scrape and the drain. */
  settleMs: number;
  drainTimeoutMs: number;
}

export interface BenchOptions {
  backends: KinesisKind[];
  sections: BenchSection[];
  /** Records per drain fill, per backend (kinesis-local's PutRecords slows as a shard grows). */
  records: Record<KinesisKind, number>;
  /** Shards of the latency and idle streams. */
  shards: number;
  /** One drain comparison per shard count (the section's `shards`). */
  drainShards: number[];
  /**
   * Drain backlog per shard (`--drain-records-per-shard`), on both backends, instead of `records`:
   * a backlog of many batches per shard measures throughput, not start-up. Null: `records`.
   */
  drainRecordsPerShard: number | null;
  /** batchSize of the shard workflows and Limit of the plain loop. */
  batchSize: number;
  /** Drain measurements per consumer and backend, alternating which consumer goes first. */
  repeats: number;
  latency: LatencyOptions;
  idle: IdleOptions;
  rss: RssOptions;
  metrics: MetricsCostOptions;
  actions: ActionsOptions;
  workers: WorkersOptions;
  /**
   * maxActivityLifetime of every stream the bench consumes with ksp (`--activity-lifetime`), e.g.
   * 0 to measure one activity per batch; null: ksp's default (10 minutes, the consuming loop).
   */
  maxActivityLifetimeMs: number | null;
  /** Added to the environment of every worker process the bench starts (`--worker-env`). */
  workerEnv: Record<string, string>;
  quick: boolean;
  jsonFile: string | null;
  /** Write a CPU profile of this process (worker, in-process kinesalite) per drain run into this directory. */
  cpuProfileDir: string | null;
}

/** Values as the command line gives them (numbers already checked as whole numbers). */
export interface BenchFlags {
  backend?: string;
  only?: string;
  records?: number;
  recordsKinesisLocal?: number;
  shards?: number;
  batchSize?: number;
  repeats?: number;
  rssShards?: string;
  rssRecordsPerShard?: number;
  drainShards?: string;
  drainRecordsPerShard?: number;
  activityLifetime?: string;
  workerEnv?: string;
  quick?: boolean;
  json?: string;
  cpuProfDir?: string;
}

interface Scale {
  actions: ActionsOptions;
  workers: WorkersOptions;
  drainShards: number[];
  records: number;
  recordsKinesisLocal: number;
  repeats: number;
  latency: LatencyOptions;
  idle: IdleOptions;
  rss: RssOptions;
  metrics: MetricsCostOptions;
}

const FULL: Scale = {
  // The idle window starts once the busy activities have returned (2 minutes quiet) and covers one
  // maxActivityLifetime of 10 minutes (--activity-lifetime 10m), after which an idle watch is
  // started again.
  actions: {
    shards: 4,
    ratePerShard: 5,
    warmupMs: LAG_MIN_INTERVAL_MS + 15_000,
    steadyWindowMs: 120_000,
    idleWindowMs: 620_000,
    idleSettleMs: 135_000,
  },
  workers: { shards: 96, workers: 3, ratePerShard: 5, windowMs: 20_000 },
  drainShards: [4, 32, 256],
  records: 40_000,
  recordsKinesisLocal: 8_000,
  repeats: 3,
  latency: {
    ratePerShard: 1,
    warmupMs: 5_000,
    windowMs: 40_000,
    pollIntervalsMs: [1_000, 200],
    defaultsRatePerShard: 5,
    defaultsWindowMs: 60_000,
  },
  idle: { shortPollWaitMs: 3_000, shortWindowMs: 30_000, directWindowMs: 120_000 },
  rss: { shardCounts: [4, 32], settleMs: 15_000, samples: 10, recordsPerShard: 200 },
  metrics: { shards: 32, records: 48_000, largeShards: 256, settleMs: 5_000, drainTimeoutMs: 180_000 },
};

const QUICK: Scale = {
  // An idle window shorter than the 5-minute poll cycle: heartbeats only, scaled to an hour.
  actions: {
    shards: 4,
    ratePerShard: 5,
    warmupMs: 5_000,
    steadyWindowMs: 20_000,
    idleWindowMs: 30_000,
    idleSettleMs: 0,
  },
  workers: { shards: 96, workers: 3, ratePerShard: 5, windowMs: 10_000 },
  drainShards: [4],
  records: 10_000,
  recordsKinesisLocal: 2_000,
  repeats: 1,
  latency: {
    ratePerShard: 1,
    warmupMs: 3_000,
    windowMs: 15_000,
    pollIntervalsMs: [1_000, 200],
    defaultsRatePerShard: 5,
    defaultsWindowMs: 20_000,
  },
  idle: { shortPollWaitMs: 3_000, shortWindowMs: 15_000, directWindowMs: null },
  rss: { shardCounts: [4, 32], settleMs: 4_000, samples: 3, recordsPerShard: 200 },
  metrics: { shards: 32, records: 16_000, largeShards: 256, settleMs: 3_000, drainTimeoutMs: 180_000 },
};

function listFlag<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.find((s) => !allowed.includes(s as T));
  if (bad !== undefined || items.length === 0) {
    throw new ConfigError(
      flag,
      `${JSON.stringify(bad ?? value)} is not one of ${allowed.join(', ')} (comma-separated)`,
    );
  }
  return allowed.filter((a) => items.includes(a));
}

function backends(value: string | undefined): KinesisKind[] {
  if (value === undefined || value === 'both') return [...BACKENDS];
  if (value === 'kinesalite' || value === 'kinesis-local') return [value];
  throw new ConfigError(
    '--backend',
    `${JSON.stringify(value)} is not a backend: use kinesalite, kinesis-local or both`,
  );
}

function shardCounts(value: string | undefined, fallback: number[], flag = '--rss-shards'): number[] {
  if (value === undefined) return fallback;
  const counts = value.split(',').map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000)) {
    throw new ConfigError(
      flag,
      `${JSON.stringify(value)} is invalid: use shard counts from 1 to 1000, e.g. 4,32,1000`,
    );
  }
  return counts;
}

/** `--worker-env`: `NAME=value` pairs, comma-separated (a value may hold `=`, not `,`). */
function workerEnv(value: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (value === undefined) return env;
  for (const pair of value.split(',')) {
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    if (at < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ConfigError(
        '--worker-env',
        `${JSON.stringify(pair)} is not NAME=value: use comma-separated pairs, e.g. MALLOC_ARENA_MAX=2,NODE_OPTIONS=--max-old-space-size=512`,
      );
    }
    env[name] = pair.slice(at + 1);
  }
  return env;
}

/** `--activity-lifetime`: 0, or a lifetime the stream option accepts (10s to 1h). */
function activityLifetime(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (parseDuration(value) === 0) return 0;
  return checkDuration(
    '--activity-lifetime',
    value,
    LIMITS.minActivityLifetimeMs,
    LIMITS.maxActivityLifetimeMs,
    ', or 0 for one activity per batch (maxActivityLifetime of every stream ksp consumes)',
  );
}

export function compileBenchOptions(flags: BenchFlags): BenchOptions {
  const base = flags.quick ? QUICK : FULL;
  const records = flags.records ?? base.records;
  return {
    backends: backends(flags.backend),
    sections: flags.only === undefined ? [...SECTIONS] : listFlag('--only', flags.only, SECTIONS),
    records: {
      kinesalite: records,
      // Kept small unless asked: kinesis-local's PutRecords cost grows with the records in a shard.
      'kinesis-local': flags.recordsKinesisLocal ?? Math.min(records, base.recordsKinesisLocal),
    },
    shards: flags.shards ?? 4,
    drainShards: shardCounts(
      flags.drainShards,
      flags.shards === undefined ? base.drainShards : [flags.shards],
      '--drain-shards',
    ),
    drainRecordsPerShard: flags.drainRecordsPerShard ?? null,
    batchSize: flags.batchSize ?? 1_000,
    repeats: flags.repeats ?? base.repeats,
    latency: { ...base.latency },
    idle: { ...base.idle },
    rss: {
      ...base.rss,
      shardCounts: shardCounts(flags.rssShards, base.rss.shardCounts),
      recordsPerShard: flags.rssRecordsPerShard ?? base.rss.recordsPerShard,
    },
    metrics: { ...base.metrics },
    actions: { ...base.actions },
    workers: { ...base.workers },
    maxActivityLifetimeMs: activityLifetime(flags.activityLifetime),
    workerEnv: workerEnv(flags.workerEnv),
    quick: flags.quick ?? false,
    jsonFile: flags.json ?? null,
    cpuProfileDir: flags.cpuProfDir ?? null,
  };
}
