/**
 * The keys each options object accepts as JSON — in a `--config` file and in a workflow input
 * started by `temporal workflow start` — and the check of what the compile step cannot see: keys
 * it does not know (a typo would silently fall back to the default) and durations given as bare
 * numbers (`10` could mean seconds as in Lambda's `…InSeconds`). Pure module: workflows use it.
 */
import { AUTOSCALE_DEFAULTS } from './autoscale-options';
import { checkKnownKeys } from './checks';
import { REPLAY_DEFAULTS } from './replay-options';
import { DEFAULTS } from './stream-option-types';
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

const keys = (defaults: object, ...more: string[]): string[] => [...more, ...Object.keys(defaults)];

export const STREAM_CONFIG: ConfigSchema = {
  what: 'a stream option',
  keys: keys(DEFAULTS, 'streamName', 'dlqQueueUrl', 'filterCriteria', 'roleArn', 'consumer'),
  durations: [
    'maxPollWait',
    'idlePollInterval',
    'busyPollInterval',
    'maxActivityLifetime',
    'maxBatchingWindow',
    'maximumRecordAge',
    'progressInterval',
    'heartbeatTimeout',
  ],
  nested: {
    retry: {
      what: 'a retry option',
      keys: keys(DEFAULTS.retry),
      durations: ['initialInterval', 'maximumInterval'],
    },
  },
};

export const REPLAY_CONFIG: ConfigSchema = {
  what: 'a DLQ replay option',
  keys: keys(
    REPLAY_DEFAULTS,
    'queueUrl',
    'targetStream',
    'filters',
    'ratePerSecond',
    'maxMessages',
    'dryRun',
    'parkingQueueUrl',
    'parkUnreadable',
  ),
  durations: [
    'emptyGracePeriod',
    'retryDelay',
    'visibilityTimeout',
    'holdFor',
    'receiveWait',
    'reportInterval',
  ],
  nested: {
    filters: {
      what: 'a replay filter',
      keys: ['errorTypes', 'streamNames', 'shardIds', 'since', 'until', 'partitionKeys'],
      durations: [],
    },
  },
};

export const AUTOSCALE_CONFIG: ConfigSchema = {
  what: 'an autoscale option',
  keys: keys(AUTOSCALE_DEFAULTS, 'streamName', 'maxShards'),
  durations: ['scaleUpWindow', 'scaleDownWindow', 'cooldown', 'sampleInterval', 'maxLag', 'lagHold'],
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
