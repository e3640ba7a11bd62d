/**
 * The shard workflow's input as clients send it and histories keep it, and the one step that
 * upgrades it to the current shape at the workflow's entry. A field added over time is optional
 * in the stored type, so the workflow body never needs a compatibility fallback. Pure module.
 */
import { type StoredStreamOptions, upgradeCompiledOptions } from '../config/stored-options';
import type { CompiledStreamOptions, ShardStartPosition } from '../config/stream-options';
import type { ShardState } from './shard-state';

/** `ShardState` as any release carried it across continue-as-new or into a resumed run. */
export interface StoredShardState extends Omit<ShardState, 'bisect'> {
  /** Absent before the failure policy (bisectBatchOnError): no batch was being split. */
  bisect?: ShardState['bisect'];
}

/** What starts a shard workflow (the stream's shard starter, `temporal workflow start`, tests). */
export interface ShardWorkflowInput {
  streamName: string;
  shardId: string;
  /** Workflow ID of the stream workflow to report to; null when run on its own. */
  streamWorkflowId: string | null;
  options: StoredStreamOptions;
  startPosition: ShardStartPosition;
  /** Carried by continue-as-new, or by a new run resuming a closed one; absent on a first run. */
  state?: StoredShardState;
}

/** The input in its current shape: what the workflow body reads. */
export interface ShardRunInput {
  streamName: string;
  shardId: string;
  streamWorkflowId: string | null;
  options: CompiledStreamOptions;
  startPosition: ShardStartPosition;
  /** null on a first run. */
  state: ShardState | null;
}

function upgradeShardState(stored: StoredShardState): ShardState {
  return {
    checkpoint: stored.checkpoint,
    attempt: stored.attempt,
    bisect: stored.bisect ?? null,
    paused: stored.paused,
    pauseReason: stored.pauseReason,
    handled: stored.handled,
    deadLettered: stored.deadLettered,
    batches: stored.batches,
    bytes: stored.bytes,
    millisBehindLatest: stored.millisBehindLatest,
    lastArrival: stored.lastArrival,
    lastError: stored.lastError,
    run: stored.run,
  };
}

/** The one place where inputs written by older releases become the current shape. */
export function upgradeShardInput(stored: ShardWorkflowInput): ShardRunInput {
  return {
    streamName: stored.streamName,
    shardId: stored.shardId,
    streamWorkflowId: stored.streamWorkflowId,
    options: upgradeCompiledOptions(stored.options),
    startPosition: stored.startPosition,
    state: stored.state === undefined ? null : upgradeShardState(stored.state),
  };
}
