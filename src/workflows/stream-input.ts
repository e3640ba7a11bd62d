/**
 * The stream workflow's input as it may be stored in a history (written by any earlier ksp
 * version, or by a user with the Temporal CLI), and the one step that upgrades it to the current
 * shape at the workflow's entry. Fields added over time are honestly optional in the stored type
 * and get their value here, once; the workflow body never falls back on a missing field.
 * Pure module: no Temporal import.
 */
import { DEFAULT_REDISCOVER_MS } from '../constants';
import { ConfigError } from '../errors';
import type { CompiledStreamOptions } from '../config/stream-options';
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

/** What a client passes to start the stream workflow, or what an older run stored. */
export interface StreamWorkflowInput {
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
export function checkStreamInput(raw: unknown): StreamWorkflowInput {
  const fix =
    'start the stream with `ksp start`, or pass {"options": <options compiled by compileStreamOptions>}';
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
  return raw as StreamWorkflowInput;
}

export function upgradeStreamInput(stored: StreamWorkflowInput): UpgradedStreamInput {
  return {
    options: upgradeCompiledOptions(stored.options),
    rediscoverIntervalMs: stored.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_MS,
    state: stored.state ? upgradeState(stored.state) : null,
  };
}
