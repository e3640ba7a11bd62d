/**
 * What the shard's consuming activity takes and returns when it runs as a loop (consume-loop.ts):
 * the batch request plus `loop`, and the batch result plus `loop`, a summary of the whole activity.
 * A request without `loop` is one batch, as before; a result without `loop` is one batch's (an
 * older worker's), and the shard workflow applies both. No records here (DESIGN.md rule 1).
 */
import type { Checkpoint } from '../../records';
import type { ProcessBatchInput, ProcessBatchResult } from './batch-contract';

/**
 * How the activity consumes:
 * - `busy`: it reads and handles batch after batch, pacing GetRecords to the shard's traffic, and
 *   heartbeats (a dead worker's shard moves within the heartbeat timeout);
 * - `idle`: it only watches the shard for records, without handling any, and returns as soon as
 *   one arrives. It never heartbeats (an idle shard costs one activity per `lifetimeMs`), and a
 *   cancel needs no answer from it: it has nothing to hand back.
 */
export type LoopMode = 'busy' | 'idle';

export interface LoopRequest {
  mode: LoopMode;
  /** Return to the workflow after this long (busy: maxActivityLifetime; idle: maxPollWait). */
  lifetimeMs: number;
  /** Busy: spacing of GetRecords while records keep arriving in batches short of batchSize. */
  busyPollIntervalMs: number;
  /** Busy: return `idle` after this long without records. @default IDLE_AFTER_MS */
  idleAfterMs?: number;
  /**
   * Busy: return `lag` when the shard's lag leaves the band the workflow last published
   * (KspMillisBehind, lag-attribute.ts), so the attribute and the status follow within one batch
   * of a bucket change. Absent: the lag never ends the loop.
   */
  lag?: LagWatch;
  /**
   * Consecutive activities of this shard that returned `rebalance` (loop-share.ts): each one
   * widens the share this worker may hold by one, so a shard bounced off busy workers lands.
   * @default 0
   */
  rebalances?: number;
  /**
   * Workers the previous loop's worker knew had lost their shards (their busy loops were retried
   * elsewhere): not counted in the share here either (loop-share.ts). Identities only.
   */
  lostWorkers?: string[];
  /**
   * The heartbeat details (`{ worker, loop }`: an identity and a LoopProgress, never records) of a
   * busy loop whose worker was lost and whose retry waited on the rebalance queue in vain: the
   * loop resumes from them as a retry would (src/rebalance-queue.ts).
   */
  resume?: unknown;
}

/** When the lag a busy loop observes is news for the workflow (see `lagLeft`). */
export interface LagWatch {
  /** The band of the published value: [fromMs, toMs), toMs null for no upper bound. */
  fromMs: number;
  toMs: number | null;
  /** Leaving the band counts only this long into the activity (the attribute's least interval)… */
  holdMs: number;
  /** …except a lag below this, which counts at once (a return to 0 is published at once). */
  atOnceBelowMs: number;
  /**
   * Return this long into the activity even with the lag inside the band: the attribute has no
   * value yet, and a shard at the tip gets its first 0 within this bound without costing a return
   * (an activity and a workflow task) right after its first batch. Absent: only leaving counts.
   */
  publishAfterMs?: number;
}

/** The loop, `elapsedMs` into its activity, observed `lagMs`: true when the workflow should hear it. */
export function lagLeft(watch: LagWatch, lagMs: number | null, elapsedMs: number): boolean {
  if (lagMs === null || !Number.isFinite(lagMs)) return false;
  if (lagMs < watch.atOnceBelowMs) return true;
  const inside = lagMs >= watch.fromMs && (watch.toMs === null || lagMs < watch.toMs);
  if (inside) return watch.publishAfterMs !== undefined && elapsedMs >= watch.publishAfterMs;
  return elapsedMs >= watch.holdMs;
}

/** Why the activity returned to the workflow. */
export type LoopReason =
  /** The handler failed (or records went to the DLQ): the failure policy is the workflow's. */
  | 'failure'
  /** The shard is closed and read to its end. */
  | 'ended'
  /** The workflow cancelled it (pause, stop, seek): the batch in flight was finished first. */
  | 'cancelled'
  /** The lifetime bound elapsed: the workflow starts the next one (maybe on another worker). */
  | 'lifetime'
  /** Busy, no records for idleAfterMs: the workflow goes on in idle mode. */
  | 'idle'
  /** Idle, records arrived (or the shard ended): the workflow goes on in busy mode. */
  | 'records'
  /** The request was one step of the failure policy (a retry, a bisect half): one batch only. */
  | 'policy'
  /** Busy, the lag left the band of the published KspMillisBehind (`LoopRequest.lag`). */
  | 'lag'
  /** This worker holds more than its share of the shards: another worker takes this one. */
  | 'rebalance';

export interface ConsumeInput extends ProcessBatchInput {
  /** Absent: one batch (the request of a workflow history from before the loop). */
  loop?: LoopRequest;
}

/** The whole activity, beside the per-batch fields of its result. */
export interface LoopSummary {
  mode: LoopMode;
  reason: LoopReason;
  /** Batches that fetched records. */
  batches: number;
  getRecordsCalls: number;
  /** From the activity's first attempt to its return, ms. */
  elapsedMs: number;
  /** Attempt of the activity that returned (above 1: it resumed from heartbeat details). */
  activityAttempt: number;
  /** Workers this worker knows lost their shards (see `LoopRequest.lostWorkers`); absent: none. */
  lostWorkers?: string[];
}

/**
 * The result of a loop: the checkpoint after the last batch and the counters summed over every
 * batch (`fetched`, `handled`, `deadLettered`, `expired`, `bytes`, `filteredOut`,
 * `getRecordsCalls`); `outcome`, `handlerRecords`, `failure`, `error`, `shardEnded` and
 * `childShardIds` are the last batch's, as the failure policy needs them.
 */
export interface ConsumeResult extends ProcessBatchResult {
  loop?: LoopSummary;
}

/**
 * A busy loop's progress, in its heartbeat details (under `loop`): what a retried attempt resumes
 * from. Counts and positions only, never records.
 */
export interface LoopProgress {
  checkpoint: Checkpoint | null;
  /** When the first attempt started (epoch ms): the lifetime bound spans retries. */
  startedAt: number;
  batches: number;
  fetched: number;
  handled: number;
  deadLettered: number;
  expired: number;
  bytes: number;
  filteredOut: number;
  getRecordsCalls: number;
  millisBehindLatest: number | null;
  lastArrival: string | null;
}

/**
 * A busy shard turns idle after this long without records: its loop returns its checkpoint (so
 * the status shows a drained shard within seconds) and an idle watch, which does not heartbeat,
 * takes over.
 */
export const IDLE_AFTER_MS = 10_000;
