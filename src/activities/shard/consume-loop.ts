/**
 * The shard's consuming activity as a loop around the single-batch function (process-batch.ts),
 * so that Temporal actions do not grow with the poll rate (DESIGN.md rule 7):
 * - busy: batch after batch in one activity, GetRecords paced to the traffic (poll-pace.ts), the
 *   progress (checkpoint, counters; never records) in the heartbeat details, so a retried attempt
 *   resumes where the last one stopped. It returns to the workflow when the failure policy must
 *   decide (a handler failure, or a request that is one step of it), the shard ends, it is
 *   cancelled (the batch in flight is finished first), it has run `lifetimeMs`, the shard has
 *   been quiet for `idleAfterMs`, or its lag left the band of the published KspMillisBehind
 *   (`loop.lag`, so the attribute and the status follow a bucket change within one batch), or
 *   this worker holds more than its share of the shards (loop-share.ts: another worker takes it);
 * - idle: one GetRecords per idlePollInterval without handling anything, no heartbeat; it returns
 *   as soon as records arrive (the workflow then starts a busy loop), after `lifetimeMs`, or when
 *   this worker holds more than its share.
 */
import type { ProcessBatchInput, ProcessBatchResult } from './batch-contract';
import {
  type ConsumeInput,
  type ConsumeResult,
  IDLE_AFTER_MS,
  type LoopProgress,
  lagLeft,
  type LoopReason,
  type LoopRequest,
} from './consume-contract';
import { emptyResult, foldBatch, freshProgress, loopResult, resumeFrom } from './loop-progress';
import type { LoopShare } from './loop-share';
import { PollPace } from './poll-pace';
import type { FetchRequest, FetchResult } from './reader';

/** The loop publishes its progress at most this often; the SDK sends at most one per 0.8 × heartbeatTimeout. */
export const PUBLISH_EVERY_MS = 1_000;
/**
 * A busy loop returns after lifetimeMs × (1 − LIFETIME_JITTER × random): shards that started
 * together do not all return (and move) together.
 */
export const LIFETIME_JITTER = 0.2;

export interface ConsumeLoopDeps {
  /** One batch: read, handle, dead-letter, summarise. */
  processBatch(input: ProcessBatchInput): Promise<ProcessBatchResult>;
  /** One read, for the idle watch (nothing is handled). */
  fetch(req: FetchRequest): Promise<FetchResult>;
  /** Puts the busy loop's progress in the heartbeat details. */
  publish(progress: LoopProgress): void;
  /** The heartbeat details of this activity's previous attempt. */
  previousDetails(): unknown;
  /** This activity's attempt (1, then 2… after a failure or timeout). */
  activityAttempt(): number;
  /** The workflow asked to cancel (pause, stop, seek); not a lost attempt. */
  cancelRequested(): boolean;
  /** Rejects when the activity is cancelled. */
  sleep(ms: number): Promise<void>;
  now(): number;
  /** This worker's fair share of shards (loop-share.ts); absent: loops never leave for it. */
  share?: Pick<LoopShare, 'enter' | 'leave' | 'mustLeave'>;
  /** In [0, 1): jitters a busy loop's lifetime down by up to LIFETIME_JITTER. @default () => 0 */
  random?: () => number;
  /** A retried busy loop's last attempt ran on worker `identity` (its heartbeat details say). */
  workerLost?(identity: string): void;
  /** Workers this worker knows lost their shards, handed on in the result (`LoopSummary.lostWorkers`). */
  lostWorkers?(): string[];
}

/** The worker a busy loop's heartbeat details name (`worker`), if any. */
export function workerOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null;
  const worker = (details as { worker?: unknown }).worker;
  return typeof worker === 'string' && worker.length > 0 && worker.length <= 256 ? worker : null;
}

export function createConsumeLoop(deps: ConsumeLoopDeps) {
  /** Runs `step`; a cancellation requested by the workflow ends it with `onCancel`. */
  async function unlessCancelled<T, C>(step: () => Promise<T>, onCancel: () => C): Promise<T | C> {
    try {
      return await step();
    } catch (err) {
      if (deps.cancelRequested()) return onCancel();
      throw err;
    }
  }

  /** Runs `run` as one of this worker's loops: `leave()` says when it should hand its shard over. */
  async function held<T>(loop: LoopRequest, run: (leave: () => boolean) => Promise<T>): Promise<T> {
    const share = deps.share;
    if (!share) return run(() => false);
    const token = share.enter();
    try {
      return await run(() => share.mustLeave(token, loop.rebalances ?? 0));
    } finally {
      share.leave(token);
    }
  }

  async function busy(
    batch: ProcessBatchInput,
    loop: LoopRequest,
    leave: () => boolean,
  ): Promise<ConsumeResult> {
    const lifetimeMs = loop.lifetimeMs * (1 - LIFETIME_JITTER * (deps.random?.() ?? 0));
    const previous = deps.previousDetails() ?? loop.resume;
    const progress = resumeFrom(previous, batch) ?? freshProgress(batch, deps.now());
    const lostOn = deps.activityAttempt() > 1 ? workerOf(previous) : null;
    if (lostOn !== null) deps.workerLost?.(lostOn);
    const pace = new PollPace({
      busyMs: loop.busyPollIntervalMs,
      idleMs: batch.idlePollIntervalMs,
      batchSize: batch.batchSize,
    });
    const idleAfterMs = loop.idleAfterMs ?? IDLE_AFTER_MS;
    // A retry or a bisect half: the workflow decides after each of those batches.
    // Records still owed from a failure (per-key state) likewise: one batch, then the workflow.
    const oneStep = batch.attempt > 1 || (batch.maxRecords ?? null) !== null || (batch.owed ?? null) !== null;
    let last: ProcessBatchResult | null = null;
    let recordsAt = deps.now();
    let publishedAt = -Infinity;
    const publish = (): void => {
      if (deps.now() - publishedAt < PUBLISH_EVERY_MS) return;
      publishedAt = deps.now();
      deps.publish({ ...progress });
    };
    const finish = (reason: LoopReason): ConsumeResult =>
      loopResult(progress, last, {
        mode: 'busy',
        reason,
        elapsedMs: deps.now() - progress.startedAt,
        activityAttempt: deps.activityAttempt(),
      });
    const cancelled = (): ConsumeResult => finish('cancelled');

    for (;;) {
      if (deps.cancelRequested()) return cancelled();
      if (deps.now() - progress.startedAt >= lifetimeMs) return finish('lifetime');
      // Beyond this worker's share: another worker takes the shard (before reading, if it just came).
      if (!oneStep && leave()) return finish('rebalance');
      const wait = pace.delayMs(deps.now());
      if (wait > 0) {
        publish();
        const slept = await unlessCancelled(() => deps.sleep(wait), cancelled);
        if (slept !== undefined) return slept;
      }
      const calledAt = deps.now();
      const request = { ...batch, checkpoint: progress.checkpoint, maxPollWaitMs: 0 };
      const result = await unlessCancelled(
        () => deps.processBatch(request),
        () => null,
      );
      if (result === null) return cancelled();
      pace.record(calledAt, result);
      foldBatch(progress, result);
      last = result;
      if (result.fetched > 0) recordsAt = deps.now();
      if (result.outcome === 'retry' || result.outcome === 'dead-lettered') return finish('failure');
      if (result.shardEnded) return finish('ended');
      if (oneStep || changedKeyState(result)) return finish('policy');
      // KspMillisBehind and the status follow a lag bucket change within one batch.
      if (loop.lag && lagLeft(loop.lag, result.millisBehindLatest, deps.now() - progress.startedAt))
        return finish('lag');
      publish();
      if (deps.now() - recordsAt >= idleAfterMs) return finish('idle');
    }
  }

  async function idle(
    batch: ProcessBatchInput,
    loop: LoopRequest,
    leave: () => boolean,
  ): Promise<ConsumeResult> {
    const startedAt = deps.now();
    let getRecordsCalls = 0;
    let millisBehindLatest: number | null = null;
    const finish = (reason: LoopReason): ConsumeResult => {
      const elapsedMs = deps.now() - startedAt;
      return {
        ...emptyResult(batch.checkpoint),
        getRecordsCalls,
        millisBehindLatest,
        waitedMs: elapsedMs,
        loop: {
          mode: 'idle',
          reason,
          batches: 0,
          getRecordsCalls,
          elapsedMs,
          activityAttempt: deps.activityAttempt(),
        },
      };
    };
    const cancelled = (): ConsumeResult => finish('cancelled');
    const request: FetchRequest = {
      streamName: batch.streamName,
      shardId: batch.shardId,
      checkpoint: batch.checkpoint,
      startPosition: batch.startPosition,
      limit: 1,
      maxPollWaitMs: 0,
      idlePollIntervalMs: batch.idlePollIntervalMs,
      batchingWindowMs: 0,
    };
    for (;;) {
      if (deps.cancelRequested()) return cancelled();
      if (deps.now() - startedAt >= loop.lifetimeMs) return finish('lifetime');
      if (leave()) return finish('rebalance');
      const read = await unlessCancelled(
        () => deps.fetch(request),
        () => null,
      );
      if (read === null) return cancelled();
      getRecordsCalls += read.getRecordsCalls;
      millisBehindLatest = read.millisBehindLatest;
      // Records, or the end of the shard: a busy loop reads (and handles) them.
      if (read.records.length > 0 || read.nextIterator === null) return finish('records');
      const slept = await unlessCancelled(() => deps.sleep(batch.idlePollIntervalMs), cancelled);
      if (slept !== undefined) return slept;
    }
  }

  /** The loop `input.loop` asks for; without it, one batch. */
  return async function consume(input: ConsumeInput): Promise<ConsumeResult> {
    const { loop, ...batch } = input;
    if (loop === undefined) return deps.processBatch(batch);
    for (const identity of loop.lostWorkers ?? []) deps.workerLost?.(identity);
    const result = await held(loop, (leave) =>
      loop.mode === 'idle' ? idle(batch, loop, leave) : busy(batch, loop, leave),
    );
    // Handed on through the workflow to the shard's next worker, which then does not count them.
    const lost = deps.lostWorkers?.() ?? [];
    return lost.length > 0 && result.loop
      ? { ...result, loop: { ...result.loop, lostWorkers: lost } }
      : result;
  };
}

/**
 * The batch changed the shard's per-key state (records owed, keys quarantined or dead-lettered for
 * their key): the workflow must store it before the next batch, which reads it from its request.
 */
function changedKeyState(result: ProcessBatchResult): boolean {
  return (
    (result.owed ?? null) !== null ||
    (result.quarantined?.length ?? 0) > 0 ||
    result.quarantineFull === true ||
    (result.quarantinedRecords ?? 0) > 0
  );
}
