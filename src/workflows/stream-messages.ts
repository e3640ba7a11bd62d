/**
 * Signals and queries of the stream workflow, with their payload types (the shard workflow's own
 * are in shard-messages.ts). Clients (the `ksp` CLI, tests, the Temporal CLI by name) and
 * workflows share these definitions.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Checkpoint } from '../records';
import type { StreamSeekInput } from './seek';
import type { StreamSeekRecord } from './stream-seek';
import type { PauseInput, ShardRunState, ShardStatus } from './shard-messages';

/** Shard → stream: the shard is read to its end (DESIGN.md rule 5). */
export interface ShardEndedReport {
  shardId: string;
  checkpoint: Checkpoint | null;
  /** Children named by Kinesis; null when the backend does not send them (look them up). */
  childShardIds: string[] | null;
  /** Final counters (absent in reports from older workers): the stream's totals keep the last batches. */
  status?: ShardStatus;
}
export const shardEndedSignal = defineSignal<[ShardEndedReport]>('shardEnded');
/** Shard → stream: periodic progress for the stream status, and the stopped acknowledgement. */
export const shardProgressSignal = defineSignal<[ShardStatus]>('shardProgress');

/** Stream workflow: pause / resume / stop (drain) every shard. */
export const pauseStreamSignal = defineSignal<[PauseInput?]>('pause');
export const resumeStreamSignal = defineSignal<[]>('resume');
export const stopStreamSignal = defineSignal<[]>('stop');
/** Stream workflow: look for new shards now (after a reshard done outside ksp). */
export const rediscoverSignal = defineSignal<[]>('rediscover');

export type StreamRunState = 'running' | 'paused' | 'stopping' | 'stopped';

export interface StreamStatus {
  streamName: string;
  state: StreamRunState;
  shards: Array<ShardStatus | { shardId: string; state: ShardRunState; parentShardIds: string[] }>;
  totals: { handled: number; deadLettered: number; maxMillisBehindLatest: number | null };
  discoveredAt: string | null;
  run: number;
  /** Shard-layout changes of the last 24 h (and a few older), oldest first. */
  reshards?: ReshardLedgerEntry[];
  /** The last seek: who, when, where to, and what it did to each shard. */
  lastSeek?: StreamSeekRecord;
}
export const streamStatusQuery = defineQuery<StreamStatus>('status');

/**
 * The same operations as Updates: validated before they enter history, answered with the stream
 * status (`temporal workflow update execute --workflow-id ksp:<stream> --name pause …`). The
 * shards hear them by signal (a workflow cannot send an Update), so their own state follows
 * within a moment: `ksp status` shows it.
 */
/** Its input may be left out. */
export const pauseStreamUpdate = defineUpdate<StreamStatus, [PauseInput]>('pause');
export const resumeStreamUpdate = defineUpdate<StreamStatus, []>('resume');
export const stopStreamUpdate = defineUpdate<StreamStatus, []>('stop');
/** Every shard, or one (`shardId`): see seek.ts and stream-seek.ts. */
export const seekStreamUpdate = defineUpdate<StreamStatus, [StreamSeekInput]>('seek');

/**
 * One completed change of the stream's shard layout, as the reshard workflow reports it. The
 * stream workflow keeps these durably: UpdateShardCount allows 10 count changes per stream per
 * rolling 24 h, and the next reshard or autoscale decision checks that budget here.
 */
export interface ReshardLedgerEntry {
  /** When the stream was ACTIVE again after the change, ISO-8601. */
  at: string;
  /** Open shards before and after. */
  from: number;
  to: number;
  /** `count` changes count against the 24 h budget; an explicit split or merge does not. */
  kind: 'count' | 'split' | 'merge';
  /** How it was done: one UpdateShardCount call, or SplitShard / MergeShards calls. */
  method: 'UpdateShardCount' | 'SplitShard' | 'MergeShards';
  /** The reshard workflow that made the change. */
  workflowId: string;
}
/** Reshard → stream: a change completed; record it and look for the new shards now. */
export const reshardCompletedSignal = defineSignal<[ReshardLedgerEntry]>('reshardCompleted');
/** Stream workflow: the ledger of recent shard-layout changes, oldest first. */
export const reshardLedgerQuery = defineQuery<ReshardLedgerEntry[]>('reshardLedger');
