/**
 * `--config <file.json>`: a JSON object of options, checked before compilation for what the
 * compile step cannot see — keys it does not know (a typo would silently fall back to the default)
 * and durations given as bare numbers (`10` could mean seconds as in Lambda's `…InSeconds`).
 * Errors name the file and the field.
 */
import { readFileSync } from 'node:fs';
import { AUTOSCALE_DEFAULTS } from '../config/autoscale-options';
import { checkKnownKeys } from '../config/checks';
import { REPLAY_DEFAULTS } from '../config/replay-options';
import { DEFAULTS } from '../config/stream-options';
import { ConfigError } from '../errors';
import { UsageError } from './usage';

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
  keys: keys(DEFAULTS, 'streamName', 'dlqQueueUrl', 'filterCriteria'),
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses unknown keys and bare-number durations; `prefix` is the path of `value` in the file. */
export function checkConfigObject(value: Record<string, unknown>, schema: ConfigSchema, prefix = ''): void {
  const known = [...new Set([...schema.keys, ...Object.keys(schema.nested ?? {})])];
  checkKnownKeys(schema.what, value, known, prefix);
  for (const [key, v] of Object.entries(value)) {
    // 0 is 0 in any unit; -1 is Lambda's "never" (maximumRecordAge), refused by compile elsewhere.
    if (schema.durations.includes(key) && typeof v === 'number' && v !== 0 && v !== -1) {
      throw new ConfigError(
        `${prefix}${key}`,
        `${v} is a bare number: in a config file a duration is a string with a unit, e.g. "${v}s" or "${v}ms"`,
      );
    }
    const nested = schema.nested?.[key];
    if (nested && isObject(v)) checkConfigObject(v, nested, `${prefix}${key}.`);
  }
}

/** Reads `--config <file>`: a JSON object of options, checked against `schema`. */
export function readConfigFile(path: string, schema: ConfigSchema): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config: ${path} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) {
    throw new UsageError(
      `--config: ${path} is not a JSON object of ${schema.what}s: write {"key": value, …}`,
    );
  }
  try {
    checkConfigObject(value, schema);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`--config ${path}: ${err.field}`, fieldDetail(err));
    throw err;
  }
  return value;
}

/** The part of a ConfigError's message after "field: ". */
export function fieldDetail(err: ConfigError): string {
  return err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
}
