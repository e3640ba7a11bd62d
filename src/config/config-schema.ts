/**
 * The keys each options object accepts as JSON — in a `--config` file and in a workflow input
 * started by `temporal workflow start` — and the check of what the compile step cannot see: keys
 * it does not know (a typo would silently fall back to the default) and durations given as bare
 * numbers (`10` could mean seconds as in Lambda's `…InSeconds`). Pure module: workflows use it.
 */
import { AUTOSCALE_DEFAULTS, type AutoscaleOptions } from './autoscale-options';
import { checkKnownKeys } from './checks';
import type { Duration } from './duration';
import { type DlqReplayFilters, type DlqReplayOptions, REPLAY_DEFAULTS } from './replay-options';
import { DEFAULTS, type RetryOptions, type StreamProcessorOptions } from './stream-option-types';
import { ConfigError } from '../errors';

/** The keys one options object accepts in a config file. */
export interface ConfigSchema {
  /** What a key must be, for the message: "a stream option". */
  what: string;
  keys: readonly string[];
  /** Keys that hold durations: strings with a unit in a config file. */
  durations: readonly string[];
  /** Keys that hold an options object of their own. */
  nested?: Record<string, ConfigSchema>;
}

/**
 * Each of the keys `K`, named once (`{ streamName: true, … }`): tsc fails when one is missing or a
 * name is not one of them, so an option added to an options type cannot be left out of its schema.
 */
type Every<K extends PropertyKey> = Record<K, true>;
/** The options of `O` that have no entry in its defaults `D`. */
type WithoutDefault<O, D> = Exclude<keyof O, keyof D>;
/** The options of `O` that take a duration. */
type DurationKey<O> = { [K in keyof O]-?: Duration extends NonNullable<O[K]> ? K : never }[keyof O];

const keys = (defaults: object, without: Every<string> = {}): string[] => [
  ...Object.keys(without),
  ...Object.keys(defaults),
];
const names = (every: Every<string>): string[] => Object.keys(every);

const STREAM_WITHOUT_DEFAULT: Every<WithoutDefault<StreamProcessorOptions, typeof DEFAULTS>> = {
  streamName: true,
  dlqQueueUrl: true,
  filterCriteria: true,
  roleArn: true,
  consumer: true,
};
const STREAM_DURATIONS: Every<DurationKey<StreamProcessorOptions>> = {
  maxPollWait: true,
  idlePollInterval: true,
  busyPollInterval: true,
  maxActivityLifetime: true,
  maxBatchingWindow: true,
  maximumRecordAge: true,
  progressInterval: true,
  heartbeatTimeout: true,
};
const RETRY_WITHOUT_DEFAULT: Every<WithoutDefault<RetryOptions, typeof DEFAULTS.retry>> = {};
const RETRY_DURATIONS: Every<DurationKey<RetryOptions>> = { initialInterval: true, maximumInterval: true };

export const STREAM_CONFIG: ConfigSchema = {
  what: 'a stream option',
  keys: keys(DEFAULTS, STREAM_WITHOUT_DEFAULT),
  durations: names(STREAM_DURATIONS),
  nested: {
    retry: {
      what: 'a retry option',
      keys: keys(DEFAULTS.retry, RETRY_WITHOUT_DEFAULT),
      durations: names(RETRY_DURATIONS),
    },
  },
};

const REPLAY_WITHOUT_DEFAULT: Every<WithoutDefault<DlqReplayOptions, typeof REPLAY_DEFAULTS>> = {
  queueUrl: true,
  targetStream: true,
  filters: true,
  ratePerSecond: true,
  maxMessages: true,
  dryRun: true,
  parkingQueueUrl: true,
  parkUnreadable: true,
};
const REPLAY_DURATIONS: Every<DurationKey<DlqReplayOptions>> = {
  emptyGracePeriod: true,
  retryDelay: true,
  visibilityTimeout: true,
  holdFor: true,
  receiveWait: true,
  reportInterval: true,
};
const FILTER_KEYS: Every<keyof DlqReplayFilters> = {
  errorTypes: true,
  streamNames: true,
  shardIds: true,
  since: true,
  until: true,
  partitionKeys: true,
};
const FILTER_DURATIONS: Every<DurationKey<DlqReplayFilters>> = {};

export const REPLAY_CONFIG: ConfigSchema = {
  what: 'a DLQ replay option',
  keys: keys(REPLAY_DEFAULTS, REPLAY_WITHOUT_DEFAULT),
  durations: names(REPLAY_DURATIONS),
  nested: {
    filters: {
      what: 'a replay filter',
      keys: names(FILTER_KEYS),
      durations: names(FILTER_DURATIONS),
    },
  },
};

const AUTOSCALE_WITHOUT_DEFAULT: Every<WithoutDefault<AutoscaleOptions, typeof AUTOSCALE_DEFAULTS>> = {
  streamName: true,
  maxShards: true,
};
const AUTOSCALE_DURATIONS: Every<DurationKey<AutoscaleOptions>> = {
  scaleUpWindow: true,
  scaleDownWindow: true,
  cooldown: true,
  sampleInterval: true,
  maxLag: true,
  lagHold: true,
};

export const AUTOSCALE_CONFIG: ConfigSchema = {
  what: 'an autoscale option',
  keys: keys(AUTOSCALE_DEFAULTS, AUTOSCALE_WITHOUT_DEFAULT),
  durations: names(AUTOSCALE_DURATIONS),
};

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Refuses unknown keys and bare-number durations; `prefix` is the path of `value` in the JSON,
 * `where` names that JSON in the message.
 */
export function checkConfigObject(
  value: Record<string, unknown>,
  schema: ConfigSchema,
  prefix = '',
  where = 'a config file',
): void {
  const known = [...new Set([...schema.keys, ...Object.keys(schema.nested ?? {})])];
  checkKnownKeys(schema.what, value, known, prefix);
  for (const [key, v] of Object.entries(value)) {
    // 0 is 0 in any unit; -1 is Lambda's "never" (maximumRecordAge), refused by compile elsewhere.
    if (schema.durations.includes(key) && typeof v === 'number' && v !== 0 && v !== -1) {
      throw new ConfigError(
        `${prefix}${key}`,
        `${v} is a bare number: in ${where} a duration is a string with a unit, e.g. "${v}s" or "${v}ms"`,
      );
    }
    const nested = schema.nested?.[key];
    if (nested && isObject(v)) checkConfigObject(v, nested, `${prefix}${key}.`, where);
  }
}
