/**
 * The shard workflow's state: plain JSON carried across continue-as-new and into a new run
 * that resumes a stopped one. Pure module, shared with the activity that starts shard workflows.
 */
import type { Checkpoint } from '../records';
import type { SeekRecord } from './seek';
import type { ShardStatus } from './shard-messages';
import { type ShardKeyState, initialKeyState } from './shard-keys';

/** A failing batch being split (bisectBatchOnError): how the next batches are narrowed. */
export interface BisectState {
  /** Hand the handler at most this many records. */
  limit: number;
  /** Records from the checkpoint on that still belong to the run known to contain the failure. */
  remaining: number;
}

/**
 * Everything a shard workflow carries across continue-as-new: plain JSON only. States carried by
 * older releases are read as `StoredShardState` (shard-input.ts) and upgraded to this.
 */
export interface ShardState extends ShardKeyState {
  checkpoint: Checkpoint | null;
  attempt: number;
  /** Set while a failing batch is being split. */
  bisect: BisectState | null;
  paused: boolean;
  pauseReason: string | null;
  handled: number;
  deadLettered: number;
  batches: number;
  bytes: number;
  /** Records the stream's filterCriteria dropped (checkpointed past, never handled). */
  filteredOut: number;
  millisBehindLatest: number | null;
  lastArrival: string | null;
  lastError: ShardStatus['lastError'];
  /** When the checkpoint last moved (ISO time); null until it first does. */
  checkpointMovedAt: string | null;
  /** The last live seek (who, when, from, to); null until the shard is first moved. */
  lastSeek: SeekRecord | null;
  run: number;
}

export function initialShardState(checkpoint: Checkpoint | null = null): ShardState {
  return {
    checkpoint,
    attempt: 1,
    bisect: null,
    paused: false,
    pauseReason: null,
    handled: 0,
    deadLettered: 0,
    batches: 0,
    bytes: 0,
    filteredOut: 0,
    millisBehindLatest: null,
    lastArrival: null,
    lastError: null,
    checkpointMovedAt: null,
    lastSeek: null,
    run: 1,
    ...initialKeyState(),
  };
}
