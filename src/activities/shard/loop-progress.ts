/**
 * A busy loop's progress between attempts: built, folded batch by batch, read back from the
 * heartbeat details of a failed attempt, and turned into the activity's result. Pure module.
 */
import { type Checkpoint, compareCheckpoint } from '../../records';
import type { ProcessBatchInput, ProcessBatchResult } from './batch-contract';
import type { ConsumeResult, LoopProgress, LoopSummary } from './consume-contract';

export function freshProgress(input: ProcessBatchInput, now: number): LoopProgress {
  return {
    checkpoint: input.checkpoint,
    startedAt: now,
    batches: 0,
    fetched: 0,
    handled: 0,
    deadLettered: 0,
    expired: 0,
    bytes: 0,
    filteredOut: 0,
    getRecordsCalls: 0,
    millisBehindLatest: null,
    lastArrival: null,
  };
}

/** Adds one batch's result to `progress` (in place). */
export function foldBatch(progress: LoopProgress, result: ProcessBatchResult): void {
  progress.checkpoint = result.checkpoint ?? progress.checkpoint;
  if (result.fetched > 0) progress.batches++;
  progress.fetched += result.fetched;
  progress.handled += result.handled;
  progress.deadLettered += result.deadLettered;
  progress.expired += result.expired;
  progress.bytes += result.bytes;
  progress.filteredOut += result.filteredOut ?? 0;
  progress.getRecordsCalls += result.getRecordsCalls;
  progress.millisBehindLatest = result.millisBehindLatest ?? progress.millisBehindLatest;
  progress.lastArrival = result.lastArrival ?? progress.lastArrival;
}

/**
 * The progress a failed attempt of this activity left in its heartbeat details (under `loop`), or
 * null when there is none, it is malformed, or it lies behind the request's checkpoint.
 */
export function resumeFrom(details: unknown, input: ProcessBatchInput): LoopProgress | null {
  if (typeof details !== 'object' || details === null) return null;
  const loop = (details as { loop?: unknown }).loop;
  if (!isProgress(loop)) return null;
  if (input.checkpoint !== null) {
    if (loop.checkpoint === null || compareCheckpoint(loop.checkpoint, input.checkpoint) < 0) return null;
  }
  return { ...loop };
}

const COUNTS = [
  'startedAt',
  'batches',
  'fetched',
  'handled',
  'deadLettered',
  'expired',
  'bytes',
  'filteredOut',
  'getRecordsCalls',
] as const;

function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Checkpoint>;
  return (
    typeof c.sequenceNumber === 'string' &&
    /^\d{1,128}$/.test(c.sequenceNumber) &&
    (c.subSequenceNumber === undefined || Number.isInteger(c.subSequenceNumber))
  );
}

function isProgress(value: unknown): value is LoopProgress {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    COUNTS.every((k) => typeof p[k] === 'number' && Number.isFinite(p[k]) && p[k] >= 0) &&
    (p.checkpoint === null || isCheckpoint(p.checkpoint)) &&
    (p.millisBehindLatest === null || typeof p.millisBehindLatest === 'number') &&
    (p.lastArrival === null || typeof p.lastArrival === 'string')
  );
}

/** A result in which nothing was read: the idle watch's, or a loop's before its first batch. */
export function emptyResult(checkpoint: Checkpoint | null): ProcessBatchResult {
  return {
    outcome: 'idle',
    checkpoint,
    fetched: 0,
    handlerRecords: 0,
    failure: null,
    expired: 0,
    handled: 0,
    deadLettered: 0,
    bytes: 0,
    millisBehindLatest: null,
    shardEnded: false,
    childShardIds: null,
    lastArrival: null,
    error: null,
    waitedMs: 0,
    getRecordsCalls: 0,
  };
}

/**
 * The loop's result: the checkpoint and the summed counters of `progress`; what the failure policy
 * reads (outcome, handlerRecords, failure, error, shard end) from the last batch.
 */
export function loopResult(
  progress: LoopProgress,
  last: ProcessBatchResult | null,
  summary: Omit<LoopSummary, 'batches' | 'getRecordsCalls'>,
): ConsumeResult {
  const base = last ?? emptyResult(progress.checkpoint);
  const outcome = base.outcome === 'idle' && progress.fetched > 0 ? 'handled' : base.outcome;
  return {
    ...base,
    outcome,
    checkpoint: progress.checkpoint,
    fetched: progress.fetched,
    handled: progress.handled,
    deadLettered: progress.deadLettered,
    expired: progress.expired,
    bytes: progress.bytes,
    ...(base.filteredOut !== undefined || progress.filteredOut > 0
      ? { filteredOut: progress.filteredOut }
      : {}),
    getRecordsCalls: progress.getRecordsCalls,
    waitedMs: summary.elapsedMs,
    millisBehindLatest: progress.millisBehindLatest,
    lastArrival: progress.lastArrival,
    loop: { ...summary, batches: progress.batches, getRecordsCalls: progress.getRecordsCalls },
  };
}
