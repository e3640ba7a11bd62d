/**
 * The stream workflow's input as it may be stored in a history (written by any earlier ksp
 * version, or by a user with the Temporal CLI), and the one step that upgrades it to the current
 * shape at the workflow's entry. Fields added over time are honestly optional in the stored type
 * and get their value here, once; the workflow body never falls back on a missing field.
 * Pure module: no Temporal import.
 */
import { DEFAULT_REDISCOVER_MS } from '../constants';
import { ConfigError } from '../errors';
import { checkDuration } from '../config/checks';
import { STREAM_CONFIG } from '../config/config-schema';
import {
  COMPILED_INPUT_VERSION,
  type CompiledMark,
  compileRaw,
  inputForm,
  prefixed,
} from '../config/raw-input';
import {
  type CompiledStreamOptions,
  type StreamProcessorOptions,
  compileStreamOptions,
} from '../config/stream-options';
import { type StoredStreamOptions, upgradeCompiledOptions } from '../config/stored-options';
import { parseLedgerEntry, parseShardStatus } from './stream-payloads';
import { asIdentity } from './stream-identity';
import type { StreamShardEntry, StreamStateData } from './stream-state';

/**
 * The state a previous run carried over, as stored: `reshards` and `awaitedChildren` came with
 * resharding. Runs before the payload validators may also carry what a bad signal put there (a
 * null in the ledger, a pause reason that is not a string, an unbounded error message).
 */
export type StoredStreamState = Omit<StreamStateData, 'reshards' | 'awaitedChildren' | 'pauseReason'> & {
  reshards?: unknown[];
  awaitedChildren?: string[];
  pauseReason: unknown;
};

/**
 * What a user (`temporal workflow start`) or `ksp start` passes: the options as in a --config
 * file, wrapped (the bare options object is taken too) (src/config/raw-input.ts says how raw and compiled inputs are told apart).
 */
export interface RawStreamWorkflowInput {
  options: StreamProcessorOptions;
  /** How often to look for shards created outside ksp, e.g. "5m". @default 5m */
  rediscoverInterval?: string;
}

/** What the stream workflow takes: raw options, or compiled ones (continue-as-new, older releases). */
export type StreamWorkflowInput = RawStreamWorkflowInput | CompiledStreamWorkflowInput;

/** Compiled options, as a continued run or an older release stored them. */
export interface CompiledStreamWorkflowInput extends CompiledMark {
  options: StoredStreamOptions;
  /** How often to look for shards created outside ksp. @default 5 minutes */
  rediscoverIntervalMs?: number;
  /** Carried over by continue-as-new; absent on a first start. */
  state?: StoredStreamState;
}

/** The input in its current shape: every field present. */
export interface UpgradedStreamInput {
  options: CompiledStreamOptions;
  rediscoverIntervalMs: number;
  state: StreamStateData | null;
}

function upgradeShard(entry: StreamShardEntry): StreamShardEntry {
  if (entry.status === null) return entry;
  const status = parseShardStatus(entry.status);
  return { ...entry, status: status.ok ? status.value : null };
}

function upgradeState(stored: StoredStreamState): StreamStateData {
  const { reshards = [], awaitedChildren = [], pauseReason, shards, identity, ...rest } = stored;
  const recorded = asIdentity(identity);
  return {
    ...rest,
    ...(recorded ? { identity: recorded } : {}),
    shards: Object.fromEntries(Object.entries(shards).map(([id, entry]) => [id, upgradeShard(entry)])),
    pauseReason: typeof pauseReason === 'string' ? pauseReason : rest.paused ? 'paused by operator' : null,
    reshards: reshards.flatMap((raw) => {
      const entry = parseLedgerEntry(raw);
      return entry.ok ? [entry.value] : [];
    }),
    awaitedChildren,
  };
}

type Fields = Record<string, unknown>;

function object(value: unknown, field: string, fix: string): Fields {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Fields;
  throw new ConfigError(field, `must be an object, got ${JSON.stringify(value) ?? typeof value}: ${fix}`);
}

function requireTypes(o: Fields, prefix: string, types: Record<string, string>): void {
  for (const [key, type] of Object.entries(types)) {
    const v = o[key];
    const ok = type === 'string|null' ? v === null || typeof v === 'string' : typeof v === type;
    if (!ok)
      throw new ConfigError(`${prefix}${key}`, `must be a ${type}, got ${JSON.stringify(v) ?? 'nothing'}`);
  }
}

/**
 * Checks the shape of a start input (anyone can start the workflow with the Temporal CLI), so a
 * wrong one fails the run with a ConfigError naming the field instead of failing its workflow
 * task forever. The values themselves were checked when the options were compiled.
 */
export function checkStreamInput(raw: unknown): CompiledStreamWorkflowInput {
  const fix =
    'start the stream with `ksp start`, or pass the options as in a --config file, e.g. {"options": {"streamName": "orders", "dlqQueueUrl": "https://…"}} (no …Ms fields)';
  const input = object(raw, 'input', fix);
  const options = object(input.options, 'options', fix);
  requireTypes(options, 'options.', {
    streamName: 'string',
    batchSize: 'number',
    maxPollWaitMs: 'number',
    idlePollIntervalMs: 'number',
    dlqQueueUrl: 'string|null',
    progressIntervalMs: 'number',
    heartbeatTimeoutMs: 'number',
    maxHistoryEvents: 'number',
  });
  object(options.startPosition, 'options.startPosition', fix);
  const retry = object(options.retry, 'options.retry', fix);
  requireTypes(retry, 'options.retry.', {
    maximumAttempts: 'number',
    initialIntervalMs: 'number',
    backoffCoefficient: 'number',
    maximumIntervalMs: 'number',
  });
  const every = input.rediscoverIntervalMs;
  if (every !== undefined && !(typeof every === 'number' && every > 0)) {
    throw new ConfigError(
      'rediscoverIntervalMs',
      `must be a positive number of milliseconds, got ${JSON.stringify(every)}`,
    );
  }
  if (input.state !== undefined) {
    object(object(input.state, 'state', fix).shards, 'state.shards', fix);
  }
  return raw as CompiledStreamWorkflowInput;
}

export function upgradeStreamInput(stored: CompiledStreamWorkflowInput): UpgradedStreamInput {
  return {
    options: upgradeCompiledOptions(stored.options),
    rediscoverIntervalMs: stored.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_MS,
    state: stored.state ? upgradeState(stored.state) : null,
  };
}

/** How the workflow's input is read (src/config/raw-input.ts); clients test options with its `compiledKey`. */
export const STREAM_INPUT = {
  what: 'a stream workflow input',
  compiledKey: 'maxPollWaitMs',
  extraKeys: ['rediscoverInterval'],
  example: '{"options": {"streamName": "orders", "dlqQueueUrl": "https://…"}}',
} as const;

/**
 * Any stream workflow input — raw (as in a --config file) or compiled — in its current shape: raw
 * options compiled and checked exactly as `ksp start` does, at workflow time `now`; compiled ones
 * checked for shape and upgraded; marked compiled, so a continued run carries it on as it is.
 * Throws a ConfigError naming the field's path in the input.
 */
export function compileStreamInput(input: unknown, now: Date): UpgradedStreamInput & CompiledMark {
  const form = inputForm(input, STREAM_INPUT);
  if (form.form === 'compiled') {
    return { compiled: COMPILED_INPUT_VERSION, ...upgradeStreamInput(checkStreamInput(input)) };
  }
  const options = compileRaw(form, STREAM_CONFIG, (o: StreamProcessorOptions) =>
    compileStreamOptions(o, now),
  );
  const every = form.extra.rediscoverInterval;
  let rediscoverIntervalMs = DEFAULT_REDISCOVER_MS;
  if (every !== undefined) {
    try {
      rediscoverIntervalMs = checkDuration('rediscoverInterval', every, 1_000, 24 * 3_600_000);
    } catch (err) {
      throw err instanceof ConfigError ? prefixed(err, '') : err;
    }
  }
  return { compiled: COMPILED_INPUT_VERSION, options, rediscoverIntervalMs, state: null };
}
