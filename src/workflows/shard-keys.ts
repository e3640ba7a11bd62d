/**
 * The shard's per-key state, beside the ShardConsumer: the records a failed attempt still owes
 * the handler (by position) and the quarantined keys (by hash). What a batch request carries of
 * it, how a batch result changes it, and how a release changes it. Pure module, no Temporal import.
 */
import type { OwedRecords, ProcessBatchInput, ProcessBatchResult } from '../activities/shard/process-batch';
import type { CompiledStreamOptions } from '../config/stream-options';

export interface ShardKeyState {
  /** Records a failed attempt still owes the handler; null when none (or when retrying Lambda's way). */
  owed: OwedRecords | null;
  /** The current retry redelivers everything after the lowest failed record: more failed than maxOwedRecords. */
  owedOverflow: boolean;
  /** Hashes of the quarantined partition keys (src/activities/shard/key-hash.ts), oldest first. */
  quarantinedKeys: string[];
}

export const QUARANTINE_FULL_REASON = 'quarantine full';

export function initialKeyState(): ShardKeyState {
  return { owed: null, owedOverflow: false, quarantinedKeys: [] };
}

/** What the next batch request carries: only the fields of the features the options turn on. */
export function keyRequest(
  state: ShardKeyState,
  options: CompiledStreamOptions,
): Pick<ProcessBatchInput, 'parallelization' | 'owed' | 'maxOwedRecords' | 'quarantine'> {
  return {
    ...(options.parallelization > 1 ? { parallelization: options.parallelization } : {}),
    ...(options.maxOwedRecords > 0 ? { maxOwedRecords: options.maxOwedRecords, owed: state.owed } : {}),
    ...(options.quarantineKeys
      ? { quarantine: { keys: [...state.quarantinedKeys], max: options.maxQuarantinedKeys } }
      : {}),
  };
}

/**
 * Applies a batch result to the key state. Returns the reason to pause the shard with when the
 * quarantine is full (the failed records were not dead-lettered), null otherwise.
 */
export function applyKeyResult(
  state: ShardKeyState,
  result: ProcessBatchResult,
  options: CompiledStreamOptions,
): string | null {
  state.owed = result.owed ?? null;
  state.owedOverflow = result.outcome === 'retry' && result.owedOverflow === true;
  const added = (result.quarantined ?? []).filter((k) => !state.quarantinedKeys.includes(k));
  if (added.length > 0) state.quarantinedKeys = [...state.quarantinedKeys, ...added];
  if (result.quarantineFull !== true) return null;
  return `${QUARANTINE_FULL_REASON}: ${state.quarantinedKeys.length} key(s) quarantined and the keys of records failed on their last attempt would pass maxQuarantinedKeys (${options.maxQuarantinedKeys}); nothing was dead-lettered. Release keys (ksp dlq replay --partition-key, ksp quarantine release) or raise maxQuarantinedKeys, then resume`;
}

/** Releases keys (by hash); returns those that were quarantined. */
export function releaseKeys(state: ShardKeyState, hashes: readonly string[]): string[] {
  const released = state.quarantinedKeys.filter((k) => hashes.includes(k));
  if (released.length > 0) state.quarantinedKeys = state.quarantinedKeys.filter((k) => !hashes.includes(k));
  return released;
}

/** Merges inherited keys (a child shard takes its parents' quarantined keys). */
export function inheritKeys(state: ShardKeyState, inherited: readonly string[]): void {
  for (const k of inherited) if (!state.quarantinedKeys.includes(k)) state.quarantinedKeys.push(k);
}

/** What the status shows of the key state: only what is on or not empty. */
export function keyStatus(
  state: ShardKeyState,
  options: CompiledStreamOptions,
): { quarantinedKeys?: string[]; owedRecords?: number; owedOverflow?: boolean } {
  return {
    ...(options.quarantineKeys || state.quarantinedKeys.length > 0
      ? { quarantinedKeys: [...state.quarantinedKeys] }
      : {}),
    ...(state.owed !== null
      ? { owedRecords: state.owed.records.length + (state.owed.waiting?.length ?? 0) }
      : {}),
    ...(state.owedOverflow ? { owedOverflow: true } : {}),
  };
}
