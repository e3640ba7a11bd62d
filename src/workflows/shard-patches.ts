/**
 * The shard workflow's patch IDs, and the object that asks them. Every `patched()` of a run that
 * is not replaying records a marker and, through the SDK core, an upsert of the `TemporalChangeVersion`
 * search attribute: a new shard run paid 5–6 of each in its first workflow task (in a 32-shard
 * drain, two thirds of its billable actions and a visibility write each). Since
 * `SHARD_PATCHES_V1`, a run records that one patch and takes every patch listed here as present;
 * a run recorded before it (no marker) asks each patch as it did. Add a new patch to the list
 * only with a new bundle ID (`shard-patches-v2`, asked first), or runs of v1 would take it as
 * present on replay while their histories lack what it changed.
 */
import { patched } from '@temporalio/workflow';

/** Patch ID: the patches of `BUNDLED` at once (one marker and one attribute upsert per run). */
export const SHARD_PATCHES_V1 = 'shard-patches-v1';

/**
 * Since this patch one activity consumes many batches (src/activities/shard/consume-loop.ts): busy
 * loops that heartbeat, idle watches that do not. Runs recorded before it keep one batch per activity.
 */
export const CONSUME_LOOP_PATCH = 'shard-consume-loop';

/**
 * Patch ID: a loop that returned `rebalance` (its worker held more than its share) is followed by
 * one on the rebalance queue, where only workers below their share poll (src/rebalance-queue.ts);
 * before it, by one on the task queue, which mostly landed on a full worker and bounced again.
 */
export const REBALANCE_QUEUE_PATCH = 'shard-rebalance-queue';

/** Patch ID: the progress interval is a timer in history, not workflow-clock arithmetic. */
export const PROGRESS_REPORT_TIMER = 'progress-report-timer';

/**
 * Patch ID: a report held back by the progress interval goes out when its timer fires, not with
 * the next activity's result (a busy loop may not return for minutes).
 */
export const HELD_REPORT_ON_TIMER = 'held-report-on-timer';

/**
 * Patch ID: a shard read to its end publishes the quarantined-key count its last batch changed
 * (KspQuarantined); before it, a key added by the last batch left the closed run's count stale.
 */
export const FINAL_QUARANTINE_COUNT = 'final-quarantine-count';

/**
 * Patch ID: a report the stream workflow cannot receive (terminated, or failed: the signal finds
 * no workflow) is logged and the shard goes on, as shards are independent of their stream
 * workflow; before it, the shard workflow failed at its next report.
 */
export const REPORT_TO_MISSING_STREAM = 'report-to-missing-stream';

/**
 * Patch ID: the progress report after an activity goes out beside the next activity, in the same
 * workflow task, instead of before it. The report is a signal to the stream workflow, and awaiting
 * it cost one more workflow task (signal → ExternalWorkflowExecutionSignaled) before the next
 * activity was scheduled: in a backlog drain with the consuming loop, every shard paid it after its
 * first batch (the loop returns to publish the first KspMillisBehind). Reports stay in order: each
 * one, the shard's end and continue-as-new wait for the report before them.
 */
export const REPORT_BESIDE_BATCH = 'report-beside-batch';

/** Patch ID: shard workflows upsert KspMillisBehind (histories recorded before it never do). */
export const LAG_ATTRIBUTE_PATCH = 'ksp-millis-behind';

/** The patches a `SHARD_PATCHES_V1` run has (every shard-workflow patch before it). */
export const BUNDLED: readonly string[] = [
  CONSUME_LOOP_PATCH,
  REBALANCE_QUEUE_PATCH,
  PROGRESS_REPORT_TIMER,
  HELD_REPORT_ON_TIMER,
  FINAL_QUARANTINE_COUNT,
  REPORT_TO_MISSING_STREAM,
  REPORT_BESIDE_BATCH,
  LAG_ATTRIBUTE_PATCH,
];

export class ShardPatches {
  private constructor(private readonly bundled: boolean) {}

  /** Call once, first thing in the run: a new run records the bundle's marker. */
  static ask(): ShardPatches {
    return new ShardPatches(patched(SHARD_PATCHES_V1));
  }

  /** `patched(id)`, or true without a marker in a run that has the bundle. */
  has(id: string): boolean {
    if (this.bundled && BUNDLED.includes(id)) return true;
    return patched(id);
  }
}
