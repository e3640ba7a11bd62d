/**
 * Every decision of one shard's consumer, as a plain class: what the next batch request is, how a
 * batch result moves the checkpoint and counters, when a failing batch is retried, split, isolated
 * or dead-lettered (with shard-failure.ts), when the shard pauses, and what it reports. No Temporal
 * import: the shard workflow (shard.ts) is a short loop over it, and it is unit-tested without a
 * server. The checkpoint only moves forward: a result behind it is refused and logged here. The
 * one sanctioned backwards move is a live seek (seek.ts): it takes effect between batches, never
 * while one is in flight, so no result from before a seek is ever judged against it.
 */
import type { ConsumeInput, ConsumeResult, LagWatch } from '../activities/shard/consume-contract';
import type { CompiledStreamOptions, ShardStartPosition } from '../config/stream-options';
import { ErrorType, NON_RETRYABLE_TYPES } from '../errors';
import { compareCheckpoint } from '../records';
import { afterBatch } from './shard-failure';
import type { SeekPosition, SeekRecord } from './seek';
import type { ShardRunInput, ShardWorkflowInput } from './shard-input';
import { type ShardRunState, type ShardStatus, boundReason } from './shard-messages';
import { type ShardState, initialShardState } from './shard-state';
import { QUARANTINE_FULL_REASON, applyKeyResult, keyRequest, keyStatus, releaseKeys } from './shard-keys';
import type { ShardEndedReport } from './stream-messages';

/** How far before the shard workflow's start a pinned LATEST reaches back (clock skew margin). */
const LATEST_PIN_MARGIN_MS = 5_000;
/** Wait before asking again after refusing a result whose checkpoint went backwards. */
export const REFUSED_RESULT_DELAY_MS = 60_000;
/** `lastError.type` of a refused result (a bug in the batch activity, never a user error). */
export const CHECKPOINT_REGRESSION = ErrorType.CheckpointRegression;

/**
 * LATEST is "the tip when the iterator is made": before the first record is checkpointed, every
 * new iterator (next batch on another worker, an expired one) would jump to a later tip and skip
 * what arrived in between. Pin it once, at the workflow's start, as AT_TIMESTAMP — a few seconds
 * early so a server clock ahead of Kinesis' never asks for the future; the overlap is at most a
 * few seconds of records, within at-least-once.
 */
export function pinStartPosition(position: ShardStartPosition, nowMs: number): ShardStartPosition {
  if (position.type !== 'LATEST') return position;
  return { type: 'AT_TIMESTAMP', timestamp: new Date(nowMs - LATEST_PIN_MARGIN_MS).toISOString() };
}

/** The logger the consumer writes to: the workflow's `log`, or a test double. */
export interface ShardLog {
  warn(message: string, attrs?: Record<string, unknown>): void;
  error(message: string, attrs?: Record<string, unknown>): void;
}

/** What the workflow does after a batch result. */
export type BatchStep =
  /** The shard is read to its end: report it and complete. */
  | { kind: 'ended'; childShardIds: string[] | null }
  /** The handler failed, or the result was refused: report at once, then wait (only stop cuts it short). */
  | { kind: 'backoff'; delayMs: number }
  /** Carry on; a poll that came back early and empty is waited out first (stop or pause cut it short). */
  | { kind: 'next'; idleWaitMs: number };

/** A seek asked while a batch was in flight: applied once that batch's result is. */
interface PendingSeek {
  position: SeekPosition;
  requestedBy: string;
}

/** At most this many lost workers are handed on, each a bounded identity (a result is untrusted). */
const MAX_LOST_WORKERS = 8;

function lostWorkersOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256)
    .slice(0, MAX_LOST_WORKERS);
}

/** Heartbeat details larger than this are not carried to the next loop (a LoopProgress is ~300 bytes). */
const MAX_RESUME_JSON = 2_048;

/** The worker and progress a lost busy loop's heartbeat names (`{ worker, loop }`), if any. */
function lostAttemptOf(details: unknown): { worker: string; details: unknown } | null {
  const first: unknown = Array.isArray(details) ? details[0] : details;
  if (typeof first !== 'object' || first === null) return null;
  const { worker, loop } = first as { worker?: unknown; loop?: unknown };
  if (typeof worker !== 'string' || worker.length === 0 || worker.length > 256) return null;
  if (typeof loop !== 'object' || loop === null) return null;
  const carried = { worker, loop };
  return JSON.stringify(carried).length <= MAX_RESUME_JSON ? { worker, details: carried } : null;
}

export class ShardConsumer {
  readonly input: ShardRunInput;
  private readonly state: ShardState;
  /** Where the shard reads from while it has no checkpoint: the pinned start, or the last seek's target. */
  private startPosition: ShardStartPosition;
  private pendingSeek: PendingSeek | null = null;
  /** Seeks applied in this run: a wait for a backoff or an idle poll ends when it changes. */
  private seekCount = 0;
  private stopRequested = false;
  private batchInFlight = false;
  private lastReportAtMs = 0;
  /** Timer-gated reports (see `gateReportsByTimer`): whether the interval's timer fired since the last one. */
  private reportTimerGated = false;
  private reportDue = true;
  private lastReported = '';
  private publishedState = '';
  private publishedQuarantined: number;
  /** Since the `shard-consume-loop` patch: one activity consumes many batches (consume-loop.ts). */
  private looping = false;
  /** Looping, and the last activity found the shard quiet: the next one only watches it. */
  private idle = false;
  /** Activities in a row that returned `rebalance` (LoopRequest.rebalances). */
  private rebalances = 0;
  /**
   * The rebalance queue found no worker below its share (a schedule-to-start timeout): the next
   * loop goes to the task queue; should it bounce again, the one after tries the rebalance queue.
   */
  private rebalanceQueueMissed = false;
  /** A lost loop's heartbeat details for the next loop to resume from (LoopRequest.resume). */
  private lostAttempt: unknown = undefined;
  /** Workers the last loop's worker knew had lost their shards (LoopRequest.lostWorkers). */
  private lostWorkers: string[] = [];
  /** An unforced progress report was held back by the interval: send it when the interval ends. */
  private reportHeldBack = false;

  constructor(
    input: ShardRunInput,
    private readonly now: () => number,
    private readonly log: ShardLog,
  ) {
    this.input = { ...input, startPosition: pinStartPosition(input.startPosition, now()) };
    this.startPosition = this.input.startPosition;
    this.state = input.state ? { ...input.state, run: input.state.run + 1 } : initialShardState();
    // Search attributes carry over continue-as-new: only a change is published.
    this.publishedQuarantined = this.state.quarantinedKeys.length;
  }

  /** Seeks applied so far in this run (see `seekCount`). */
  get seeks(): number {
    return this.seekCount;
  }

  /** A batch activity is running (a seek waits for it). */
  get inFlight(): boolean {
    return this.batchInFlight;
  }

  /** A seek waits for the batch in flight. */
  get seekPending(): boolean {
    return this.pendingSeek !== null;
  }

  get options(): CompiledStreamOptions {
    return this.input.options;
  }

  get paused(): boolean {
    return this.state.paused;
  }

  /** When the checkpoint last moved (ISO time), null until it first does. */
  get checkpointMovedAt(): string | null {
    return this.state.checkpointMovedAt;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Requests from now on ask for the consuming loop (the workflow's `shard-consume-loop` patch). */
  useLoop(): void {
    this.looping = true;
  }

  /**
   * The request for the next activity; it counts as in flight until `settled()`. Looping, it asks
   * for a busy loop, or for an idle watch once the shard went quiet (never while a failing batch
   * is retried or split: those come back after one batch). A busy loop returns when its lag
   * leaves `lag` (the band of the published KspMillisBehind), and a shard that bounced off
   * workers holding their share (`rebalance`) says how often in a row.
   */
  next(lag?: LagWatch): ConsumeInput {
    this.applyPendingSeek();
    const { options } = this.input;
    const request = this.batchRequest();
    if (!this.looping) return request;
    const idle = this.idle && request.attempt === 1 && this.state.bisect === null;
    return {
      ...request,
      loop: {
        mode: idle ? 'idle' : 'busy',
        lifetimeMs: idle ? options.maxPollWaitMs : options.maxActivityLifetimeMs,
        busyPollIntervalMs: options.busyPollIntervalMs,
        ...(!idle && lag ? { lag } : {}),
        ...(this.rebalances > 0 ? { rebalances: this.rebalances } : {}),
        ...(this.lostWorkers.length > 0 ? { lostWorkers: this.lostWorkers } : {}),
        ...(!idle && this.lostAttempt !== undefined ? { resume: this.lostAttempt } : {}),
      },
    };
  }

  /**
   * The last loop returned `rebalance`: the next one goes to the rebalance queue, where only
   * workers below their share poll (src/rebalance-queue.ts); not right after that queue timed out.
   */
  get rebalancing(): boolean {
    return this.looping && this.rebalances > 0 && !this.rebalanceQueueMissed;
  }

  /**
   * No worker took the loop from the rebalance queue in time: the next goes to the task queue,
   * the bounces so far kept (they widen the tolerance there). Not a failure: nothing ran.
   */
  rebalanceQueueTimedOut(lastHeartbeat?: unknown): void {
    this.rebalanceQueueMissed = true;
    // A retry that waited there: its worker died (and is counted until someone learns it) and
    // its progress is in the heartbeat. The next loop resumes from it and tells its worker.
    const lost = lostAttemptOf(lastHeartbeat);
    if (lost !== null) {
      this.lostAttempt = lost.details;
      this.lostWorkers = [lost.worker, ...this.lostWorkers.filter((w) => w !== lost.worker)].slice(
        0,
        MAX_LOST_WORKERS,
      );
    }
    this.log.warn(
      `shard ${this.input.shardId}: no worker below its share took the shard from the rebalance queue; back to the task queue`,
      { shardId: this.input.shardId, rebalances: this.rebalances },
    );
  }

  private batchRequest(): ConsumeInput {
    const { options, streamName, shardId } = this.input;
    const startPosition = this.startPosition;
    const { checkpoint, attempt, bisect } = this.state;
    this.batchInFlight = true;
    return {
      streamName,
      shardId,
      checkpoint,
      startPosition,
      batchSize: options.batchSize,
      maxPollWaitMs: options.maxPollWaitMs,
      idlePollIntervalMs: options.idlePollIntervalMs,
      maxBatchingWindowMs: options.maxBatchingWindowMs,
      attempt,
      // The last attempt: what the handler fails now goes to the DLQ (0 attempts: retry forever).
      deadLetterOnFailure: options.retry.maximumAttempts > 0 && attempt >= options.retry.maximumAttempts,
      dlqQueueUrl: options.dlqQueueUrl,
      maxRecords: bisect === null ? null : bisect.limit,
      maxRecordAgeMs: options.maximumRecordAgeMs,
      bisectBatchOnError: options.bisectBatchOnError,
      nonRetryableErrorTypes: options.retry.nonRetryableErrorTypes,
      errorDetail: options.errorDetail,
      filterCriteria: options.filterCriteria ?? null,
      ...(this.input.streamIdentity ? { streamIdentity: this.input.streamIdentity } : {}),
      ...(options.roleArn ? { roleArn: options.roleArn } : {}),
      ...keyRequest(this.state, options),
      ...(options.consumer ? { consumer: options.consumer } : {}),
    };
  }

  /** The batch activity returned, failed or was cancelled. */
  settled(): void {
    this.batchInFlight = false;
  }

  /**
   * Applies a batch result: checkpoint, counters, then the failure policy's next step. A result
   * whose checkpoint is behind the current one is refused whole (nothing applied) and logged:
   * the checkpoint never moves back past records already handled or dead-lettered.
   */
  apply(result: ConsumeResult): BatchStep {
    const step = this.applyResult(result);
    // A seek asked during the batch replaces the checkpoint only now, after the result moved it:
    // and it cancels a backoff, an idle wait and a shard end (a rewound closed shard reads again).
    if (!this.applyPendingSeek()) return step;
    return { kind: 'next', idleWaitMs: 0 };
  }

  private applyResult(result: ConsumeResult): BatchStep {
    const state = this.state;
    const current = state.checkpoint;
    if (
      current !== null &&
      (result.checkpoint === null || compareCheckpoint(result.checkpoint, current) < 0)
    ) {
      return this.refuse(result);
    }
    const advanced =
      result.checkpoint !== null && (current === null || compareCheckpoint(result.checkpoint, current) > 0);
    state.checkpoint = result.checkpoint;
    if (advanced) state.checkpointMovedAt = this.isoNow();
    state.handled += result.handled;
    state.deadLettered += result.deadLettered;
    state.bytes += result.bytes;
    state.filteredOut += result.filteredOut ?? 0;
    // A loop's result sums its batches (consume-contract.ts).
    state.batches += result.loop ? result.loop.batches : result.fetched > 0 ? 1 : 0;
    if (result.loop) {
      const { mode, reason } = result.loop;
      // A loop that left for another worker goes on in the same mode there.
      this.idle =
        reason === 'rebalance'
          ? mode === 'idle'
          : reason === 'idle' || (mode === 'idle' && reason === 'lifetime');
      this.rebalances = reason === 'rebalance' ? this.rebalances + 1 : 0;
      this.rebalanceQueueMissed = false;
      this.lostWorkers = lostWorkersOf(result.loop.lostWorkers);
    }
    this.lostAttempt = undefined;
    state.millisBehindLatest = result.millisBehindLatest;
    if (result.lastArrival) state.lastArrival = result.lastArrival;
    const quarantineFull = applyKeyResult(state, result, this.options);
    if (quarantineFull !== null) this.pause(boundReason(quarantineFull));

    // Retry, split or isolate (shard-failure.ts).
    const next = afterBatch({ attempt: state.attempt, bisect: state.bisect }, result, advanced, {
      retry: this.options.retry,
      bisectBatchOnError: this.options.bisectBatchOnError,
    });
    state.attempt = next.attempt;
    state.bisect = next.bisect;
    if (result.outcome === 'retry') {
      const error = result.error ?? { type: 'Error', message: 'handler failed' };
      const note = next.bisect ? ` (bisecting: next batch of ${next.bisect.limit})` : '';
      state.lastError = { ...error, message: `${error.message}${note}`, at: this.isoNow() };
      return { kind: 'backoff', delayMs: next.delayMs };
    }
    if (result.outcome === 'dead-lettered' && result.error) {
      state.lastError = { ...result.error, at: this.isoNow() };
    }
    if (result.shardEnded) return { kind: 'ended', childShardIds: result.childShardIds };
    const { maxPollWaitMs } = this.options;
    // A poll that returned early without records (cut short, or a backend that answers at once)
    // is waited out here, so an idle shard never busy-loops (DESIGN.md rule 7).
    // A loop paces its own polls: it never returns early for want of records.
    const idleWaitMs =
      result.outcome === 'idle' && !result.loop && result.waitedMs < maxPollWaitMs
        ? maxPollWaitMs - result.waitedMs
        : 0;
    return { kind: 'next', idleWaitMs };
  }

  private refuse(result: ConsumeResult): BatchStep {
    const message = `batch result refused: its checkpoint ${JSON.stringify(result.checkpoint)} is behind the shard's ${JSON.stringify(this.state.checkpoint)}`;
    this.log.error(`shard ${this.input.shardId}: ${message}`, {
      shardId: this.input.shardId,
      checkpoint: this.state.checkpoint,
      resultCheckpoint: result.checkpoint,
      outcome: result.outcome,
    });
    this.state.lastError = { type: CHECKPOINT_REGRESSION, message, at: this.isoNow() };
    return { kind: 'backoff', delayMs: REFUSED_RESULT_DELAY_MS };
  }

  /**
   * The batch activity failed (after its own infrastructure retries). A failure no retry can fix
   * (stream deleted, access revoked…) pauses the shard with the checkpoint kept, for an operator
   * to fix the cause and send `resume`: returns true. Any other failure is the workflow's to raise.
   */
  activityFailed(failure: { type: string | null; message: string }): boolean {
    if (failure.type === null || !NON_RETRYABLE_TYPES.includes(failure.type)) return false;
    this.state.paused = true;
    this.state.pauseReason = boundReason(`${failure.type}: ${failure.message}`);
    this.state.lastError = { type: failure.type, message: failure.message, at: this.isoNow() };
    this.log.error('shard paused on a non-retryable failure', {
      shardId: this.input.shardId,
      error: this.state.pauseReason,
    });
    return true;
  }

  /**
   * Moves the shard to `position` (a live seek). With no batch in flight it takes effect now;
   * otherwise once that batch's result has been applied (its checkpoint is never lost). The
   * checkpoint is dropped and `position` becomes the start position: the batch activity derives
   * the next iterator from it as for a first start. A failing retry starts over (attempt 1, no
   * bisect); a pause stays. LATEST is pinned to a time, as at the start.
   */
  seek(position: SeekPosition, requestedBy: string): void {
    this.pendingSeek = { position, requestedBy };
    if (!this.batchInFlight) this.applyPendingSeek();
  }

  /** Applies a seek that waited for the batch in flight; true when there was one. */
  applyPendingSeek(): boolean {
    const pending = this.pendingSeek;
    if (pending === null || this.batchInFlight) return false;
    this.pendingSeek = null;
    const state = this.state;
    const record: SeekRecord = {
      requestedBy: pending.requestedBy,
      at: this.isoNow(),
      from: state.checkpoint,
      to: pending.position,
    };
    // The sanctioned backwards (or forwards) move: no result is in flight to be judged against it.
    state.checkpoint = null;
    state.attempt = 1;
    state.bisect = null;
    state.lastSeek = record;
    this.startPosition = pinStartPosition(pending.position, this.now());
    this.seekCount++;
    this.log.warn(`shard ${this.input.shardId}: seek to ${JSON.stringify(pending.position)}`, {
      shardId: this.input.shardId,
      seek: record,
    });
    return true;
  }

  /** `reason` comes from `checkPauseInput` (bounded). */
  pause(reason: string): void {
    this.state.paused = true;
    this.state.pauseReason = reason;
  }

  resume(): void {
    this.state.paused = false;
    this.state.pauseReason = null;
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Releases quarantined keys (by hash); a shard paused on a full quarantine resumes. */
  releaseKeys(hashes: readonly string[]): string[] {
    const released = releaseKeys(this.state, hashes);
    if (released.length > 0 && this.state.pauseReason?.startsWith(QUARANTINE_FULL_REASON)) this.resume();
    return released;
  }

  status(): ShardStatus {
    const s = this.state;
    return {
      streamName: this.input.streamName,
      shardId: this.input.shardId,
      state: this.stopRequested && !this.batchInFlight ? 'stopped' : s.paused ? 'paused' : 'running',
      checkpoint: s.checkpoint,
      attempt: s.attempt,
      millisBehindLatest: s.millisBehindLatest,
      lastArrival: s.lastArrival,
      handled: s.handled,
      deadLettered: s.deadLettered,
      batches: s.batches,
      bytes: s.bytes,
      filteredOut: s.filteredOut,
      ...keyStatus(s, this.options),
      lastError: s.lastError,
      pauseReason: s.pauseReason,
      ...(s.lastSeek === null ? {} : { lastSeek: s.lastSeek }),
      run: s.run,
      updatedAt: this.isoNow(),
    };
  }

  /** What the stream workflow hears when the shard is read to its end. */
  endedReport(childShardIds: string[] | null): ShardEndedReport & { status: ShardStatus } {
    const status = this.finalStatus('finished');
    return { shardId: this.input.shardId, checkpoint: status.checkpoint, childShardIds, status };
  }

  /** The status as the run ends. */
  finalStatus(state: 'finished' | 'stopped'): ShardStatus {
    return { ...this.status(), state };
  }

  /** The run state for the search attribute when it changed since the last call; null otherwise. */
  stateToPublish(): ShardRunState | null {
    const { state } = this.status();
    if (state === this.publishedState) return null;
    this.publishedState = state;
    return state;
  }

  /** The number of quarantined keys for the search attribute when it changed since last published; null otherwise. */
  quarantinedToPublish(): number | null {
    const count = this.state.quarantinedKeys.length;
    if (count === this.publishedQuarantined) return null;
    this.publishedQuarantined = count;
    return count;
  }

  /**
   * The progress report for the stream workflow, throttled to one per progress interval unless
   * forced, and only when something changed; null when there is nothing to send.
   */
  progressReport(force: boolean): ShardStatus | null {
    const nowMs = this.now();
    if (!force && !this.intervalElapsed(nowMs)) {
      this.reportHeldBack = true;
      return null;
    }
    const report = this.status();
    const fingerprint = JSON.stringify({ ...report, updatedAt: null });
    if (fingerprint === this.lastReported) return null;
    this.lastReportAtMs = nowMs;
    this.reportDue = false;
    this.reportHeldBack = false;
    this.lastReported = fingerprint;
    return report;
  }

  /**
   * From now on the progress interval is measured by a timer (the workflow starts one per report
   * and calls `reportIntervalElapsed` when it fires), not by comparing workflow clock readings.
   * The clock is not safe for a command decision: a worker that answers a status query from a
   * history with events past the last workflow task runs them at that task's (older) time, keeps
   * the run cached, and later decides differently from any replay (TMPRL1100, issue: nondet).
   */
  gateReportsByTimer(): void {
    this.reportTimerGated = true;
  }

  /**
   * The progress interval's timer fired: the next unforced report may go out. True when one was
   * held back meanwhile: a busy loop may not return for minutes, so the workflow sends it now.
   */
  reportIntervalElapsed(): boolean {
    this.reportDue = true;
    const heldBack = this.reportHeldBack;
    this.reportHeldBack = false;
    return heldBack;
  }

  private intervalElapsed(nowMs: number): boolean {
    if (this.reportTimerGated) return this.reportDue;
    return nowMs - this.lastReportAtMs >= this.options.progressIntervalMs;
  }

  /** The input of the next run (continue-as-new): the pinned start position and the state. */
  continuation(): ShardWorkflowInput {
    this.applyPendingSeek();
    return { ...this.input, startPosition: this.startPosition, state: { ...this.state } };
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}
