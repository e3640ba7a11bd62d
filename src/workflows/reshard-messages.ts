/**
 * The reshard workflow's input, result and progress query. Shared by the workflow, its
 * activities, the `ksp reshard` command, the autoscale workflow and tests.
 */
import { defineQuery } from '@temporalio/workflow';
import { WORKFLOW_ID_PREFIX } from '../constants';

/** Stable ID of a stream's reshard workflow: one reshard per stream at a time. */
export function reshardWorkflowId(streamName: string): string {
  return `${WORKFLOW_ID_PREFIX}:${streamName}:reshard`;
}

/** What to change. */
export type ReshardRequest =
  /** Set the open shard count (UpdateShardCount UNIFORM_SCALING, or equivalent splits/merges). */
  | {
      kind: 'count';
      targetShardCount: number;
      /**
       * One UpdateShardCount call may at most double or halve the count. With this set, a larger
       * change is done in several calls (each one of the 10 count changes allowed per 24 h).
       * @default false
       */
      allowMultipleSteps?: boolean;
    }
  /** Split one open shard; at the middle of its hash range unless a key is given. */
  | { kind: 'split'; shardId: string; newStartingHashKey?: string }
  /** Merge two adjacent open shards. */
  | { kind: 'merge'; shardIds: [string, string] };

/**
 * How a count change is carried out. `auto` calls UpdateShardCount and falls back to planned
 * SplitShard/MergeShards calls where the backend does not have it (kinesalite).
 */
export type ReshardMethod = 'auto' | 'UpdateShardCount' | 'SplitMerge';

export interface ReshardWorkflowInput {
  streamName: string;
  request: ReshardRequest;
  /** @default 'auto' */
  method?: ReshardMethod;
  /**
   * Upper bound on the stream's shard count, checked with the account limit (DescribeLimits)
   * where the backend has it. @default 500
   */
  maxShards?: number;
  /** Who asked, for the report: `cli`, the autoscale workflow ID… */
  requestedBy?: string;
}

/** One open shard and its hash range (decimal strings: 128-bit numbers). */
export interface OpenShard {
  shardId: string;
  startingHashKey: string;
  endingHashKey: string;
  parentShardIds: string[];
}

/** One control-plane call the workflow made. */
export type ReshardCall =
  | { op: 'UpdateShardCount'; targetShardCount: number }
  | { op: 'SplitShard'; shardId: string; newStartingHashKey: string }
  | { op: 'MergeShards'; shardId: string; adjacentShardId: string };

export interface ReshardCallReport {
  call: ReshardCall;
  /** From the call until the stream was ACTIVE again. */
  durationMs: number;
  /** When the stream was seen ACTIVE after this call, ISO-8601. */
  activeAt: string;
}

/** One change of the open shard count (one entry in the stream workflow's 24 h ledger). */
export interface ReshardStepReport {
  from: number;
  to: number;
  method: 'UpdateShardCount' | 'SplitShard' | 'MergeShards';
  calls: ReshardCallReport[];
  startedAt: string;
  activeAt: string;
  durationMs: number;
}

export interface ReshardResult {
  streamName: string;
  request: ReshardRequest;
  requestedBy: string | null;
  before: OpenShard[];
  after: OpenShard[];
  steps: ReshardStepReport[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Whether the stream workflow was told (it records the ledger and starts the new shards). */
  streamWorkflowNotified: boolean;
  /** Things an operator should know, e.g. that no stream workflow consumes this stream. */
  notes: string[];
}

export type ReshardPhase = 'validating' | 'resharding' | 'waiting-for-active' | 'done';

export interface ReshardProgress {
  streamName: string;
  request: ReshardRequest;
  phase: ReshardPhase;
  /** Open shard count before, and the counts each planned step goes to. */
  from: number | null;
  plannedSteps: number[];
  completedSteps: ReshardStepReport[];
  startedAt: string;
}

export const reshardProgressQuery = defineQuery<ReshardProgress>('progress');

/** ApplicationFailure type of a reshard refused by a Kinesis limit (details: [{ limit }]). */
export const RESHARD_REFUSED = 'KspReshardRefused';
