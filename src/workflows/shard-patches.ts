/**
 * The shard workflow's patches, asked through one object. Every `patched()` of a run that is not
 * replaying records a marker and, through the SDK core, an upsert of the `TemporalChangeVersion`
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

/** The patches a `SHARD_PATCHES_V1` run has (every shard-workflow patch before it). */
export const BUNDLED: readonly string[] = [
  'shard-consume-loop',
  'shard-rebalance-queue',
  'progress-report-timer',
  'held-report-on-timer',
  'final-quarantine-count',
  'report-to-missing-stream',
  'report-beside-batch',
  'ksp-millis-behind',
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
