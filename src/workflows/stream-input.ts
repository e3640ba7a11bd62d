/**
 * The stream workflow's input as it may be stored in a history (written by any earlier ksp
 * version, or by a user with the Temporal CLI), and the one step that upgrades it to the current
 * shape at the workflow's entry. Fields added over time are honestly optional in the stored type
 * and get their value here, once; the workflow body never falls back on a missing field.
 * Pure module: no Temporal import.
 */
import { DEFAULT_REDISCOVER_MS } from '../constants';
import type { CompiledStreamOptions } from '../config/stream-options';
import { type StoredStreamOptions, upgradeCompiledOptions } from '../config/stored-options';
import { parseLedgerEntry, parseShardStatus } from './stream-payloads';
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
  const { reshards = [], awaitedChildren = [], pauseReason, shards, ...rest } = stored;
  return {
    ...rest,
    shards: Object.fromEntries(Object.entries(shards).map(([id, entry]) => [id, upgradeShard(entry)])),
    pauseReason: typeof pauseReason === 'string' ? pauseReason : rest.paused ? 'paused by operator' : null,
    reshards: reshards.flatMap((raw) => {
      const entry = parseLedgerEntry(raw);
      return entry.ok ? [entry.value] : [];
    }),
    awaitedChildren,
  };
}

export function upgradeStreamInput(stored: StreamWorkflowInput): UpgradedStreamInput {
  return {
    options: upgradeCompiledOptions(stored.options),
    rediscoverIntervalMs: stored.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_MS,
    state: stored.state ? upgradeState(stored.state) : null,
  };
}
