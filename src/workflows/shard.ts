/**
 * One workflow per shard: the poll → handle → checkpoint loop. The checkpoint lives in workflow
 * state; records and iterators never do (DESIGN.md rules 1–2). Pause, resume and stop are
 * signals; status is a query; the run continues as new before its history grows large.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ProcessBatchResult } from '../activities/shard/process-batch';
import type { CompiledStreamOptions, ShardStartPosition } from '../config/stream-options';
import { compareCheckpoint } from '../records';
import {
  type PauseInput,
  type ShardStatus,
  pauseShardSignal,
  resumeShardSignal,
  shardEndedSignal,
  shardProgressSignal,
  shardStatusQuery,
  stopShardSignal,
} from './stream-messages';
import { KSP_STATE } from './search-attributes';
import { afterBatch } from './shard-failure';
import { type ShardState, initialShardState } from './shard-state';
import { NON_RETRYABLE_TYPES } from '../errors';

export type { ShardState } from './shard-state';

export interface ShardWorkflowInput {
  streamName: string;
  shardId: string;
  /** Workflow ID of the stream workflow to report to; null when run on its own. */
  streamWorkflowId: string | null;
  options: CompiledStreamOptions;
  startPosition: ShardStartPosition;
  state?: ShardState;
}

export interface ShardWorkflowResult {
  reason: 'shard-ended' | 'stopped';
  status: ShardStatus;
}

/** How far before the shard workflow's start a pinned LATEST reaches back (clock skew margin). */
const LATEST_PIN_MARGIN_MS = 5_000;

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

export async function shardWorkflow(workflowInput: ShardWorkflowInput): Promise<ShardWorkflowResult> {
  const input: ShardWorkflowInput = {
    ...workflowInput,
    startPosition: pinStartPosition(workflowInput.startPosition, Date.now()),
  };
  const { options } = input;
  const state: ShardState = input.state ? { ...input.state, run: input.state.run + 1 } : initialShardState();
  let stopRequested = false;
  let inFlight: CancellationScope | null = null;

  const { processBatch } = proxyActivities<ReturnType<typeof createActivities>>({
    // Long poll + handler; a stuck handler is bounded here, a dead worker by the heartbeat.
    startToCloseTimeout: options.maxPollWaitMs + 15 * 60_000,
    heartbeatTimeout: options.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // Infrastructure failures (Kinesis/SQS unreachable, throttled) retry forever with backoff;
    // handler failures are not activity failures: they come back as outcome 'retry'.
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });

  const status = (): ShardStatus => ({
    streamName: input.streamName,
    shardId: input.shardId,
    state: stopRequested && !inFlight ? 'stopped' : state.paused ? 'paused' : 'running',
    checkpoint: state.checkpoint,
    attempt: state.attempt,
    millisBehindLatest: state.millisBehindLatest,
    lastArrival: state.lastArrival,
    handled: state.handled,
    deadLettered: state.deadLettered,
    batches: state.batches,
    bytes: state.bytes,
    lastError: state.lastError,
    pauseReason: state.pauseReason,
    run: state.run,
    updatedAt: new Date().toISOString(),
  });

  const interruptIdlePoll = (): void => {
    // The activity gives up an idle long poll at once; a batch already being handled ignores
    // the request, finishes and is checkpointed (its completion wins over the cancellation).
    inFlight?.cancel();
  };

  setHandler(shardStatusQuery, status);
  setHandler(pauseShardSignal, (pause?: PauseInput) => {
    state.paused = true;
    state.pauseReason = pause?.reason ?? 'paused by operator';
    interruptIdlePoll();
  });
  setHandler(resumeShardSignal, () => {
    state.paused = false;
    state.pauseReason = null;
  });
  setHandler(stopShardSignal, () => {
    stopRequested = true;
    interruptIdlePoll();
  });

  const stream = input.streamWorkflowId ? getExternalWorkflowHandle(input.streamWorkflowId) : null;
  let lastReportAt = 0;
  let lastReported = '';
  /** Tells the stream workflow how this shard is doing: throttled, and only when something changed. */
  const reportProgress = async (force: boolean): Promise<void> => {
    if (!stream) return;
    const now = Date.now();
    if (!force && now - lastReportAt < options.progressIntervalMs) return;
    const report = status();
    const fingerprint = JSON.stringify({ ...report, updatedAt: null });
    if (fingerprint === lastReported) return;
    lastReportAt = now;
    lastReported = fingerprint;
    await stream.signal(shardProgressSignal, report);
  };

  let reportedState = '';
  const publishState = (): void => {
    const s = status().state;
    if (s === reportedState) return;
    reportedState = s;
    upsertSearchAttributes([{ key: KSP_STATE, value: s }]);
  };

  const shouldContinueAsNew = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= options.maxHistoryEvents;

  try {
    for (;;) {
      publishState();
      if (stopRequested) break;
      if (shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof shardWorkflow>({ ...input, state });
      }
      if (state.paused) {
        await reportProgress(true);
        await condition(() => !state.paused || stopRequested || shouldContinueAsNew());
        continue;
      }

      const deadLetterOnFailure =
        options.retry.maximumAttempts > 0 && state.attempt >= options.retry.maximumAttempts;
      let result: ProcessBatchResult;
      const scope = new CancellationScope();
      inFlight = scope;
      try {
        result = await scope.run(() =>
          processBatch({
            streamName: input.streamName,
            shardId: input.shardId,
            checkpoint: state.checkpoint,
            startPosition: input.startPosition,
            batchSize: options.batchSize,
            maxPollWaitMs: options.maxPollWaitMs,
            idlePollIntervalMs: options.idlePollIntervalMs,
            maxBatchingWindowMs: options.maxBatchingWindowMs ?? 0,
            attempt: state.attempt,
            deadLetterOnFailure,
            dlqQueueUrl: options.dlqQueueUrl,
            maxRecords: state.bisect?.limit ?? null,
            maxRecordAgeMs: options.maximumRecordAgeMs ?? null,
            bisectBatchOnError: options.bisectBatchOnError ?? false,
            nonRetryableErrorTypes: options.retry.nonRetryableErrorTypes ?? [],
          }),
        );
      } catch (err) {
        if (isCancellation(err)) {
          // The workflow itself was cancelled (Temporal UI/CLI): drain like a stop.
          if (CancellationScope.current().consideredCancelled) throw err;
          continue; // paused or stopped while idle: nothing was read
        }
        const failure = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : null;
        if (failure && NON_RETRYABLE_TYPES.includes(failure.type ?? '')) {
          // Nothing retry can fix (stream deleted, access revoked…): keep the checkpoint, pause,
          // and let an operator fix the cause and send `resume`.
          state.paused = true;
          state.pauseReason = `${failure.type}: ${failure.message}`;
          state.lastError = {
            type: failure.type ?? 'Error',
            message: failure.message,
            at: new Date().toISOString(),
          };
          log.error('shard paused on a non-retryable failure', {
            shardId: input.shardId,
            error: state.pauseReason,
          });
          continue;
        }
        throw err;
      } finally {
        inFlight = null;
      }

      const advanced =
        result.checkpoint !== null &&
        (state.checkpoint === null || compareCheckpoint(result.checkpoint, state.checkpoint) > 0);
      state.checkpoint = result.checkpoint;
      state.handled += result.handled;
      state.deadLettered += result.deadLettered;
      state.bytes += result.bytes;
      if (result.fetched > 0) state.batches++;
      state.millisBehindLatest = result.millisBehindLatest;
      if (result.lastArrival) state.lastArrival = result.lastArrival;

      // Retry, split or isolate (src/workflows/shard-failure.ts); histories from before bisecting
      // carry no `bisect` and no bisect option: they take the same path as then.
      const next = afterBatch({ attempt: state.attempt, bisect: state.bisect ?? null }, result, advanced, {
        retry: options.retry,
        bisectBatchOnError: options.bisectBatchOnError ?? false,
      });
      state.attempt = next.attempt;
      state.bisect = next.bisect;
      if (result.outcome === 'retry') {
        const error = result.error ?? { type: 'Error', message: 'handler failed' };
        const note = next.bisect ? ` (bisecting: next batch of ${next.bisect.limit})` : '';
        state.lastError = { ...error, message: `${error.message}${note}`, at: new Date().toISOString() };
        await reportProgress(true);
        if (next.delayMs > 0) await condition(() => stopRequested, next.delayMs);
        continue;
      }
      if (result.outcome === 'dead-lettered' && result.error) {
        state.lastError = { ...result.error, at: new Date().toISOString() };
      }

      if (result.shardEnded) {
        if (stream) {
          await stream.signal(shardEndedSignal, {
            shardId: input.shardId,
            checkpoint: state.checkpoint,
            childShardIds: result.childShardIds,
            status: { ...status(), state: 'finished' },
          });
        }
        upsertSearchAttributes([{ key: KSP_STATE, value: 'finished' }]);
        return { reason: 'shard-ended', status: { ...status(), state: 'finished' } };
      }
      await reportProgress(false);
      if (result.outcome === 'idle' && result.waitedMs < options.maxPollWaitMs) {
        // The poll returned early without records (cut short, or a backend that answers at once):
        // wait out the rest of the window here so an idle shard never busy-loops (DESIGN.md rule 7).
        await condition(() => stopRequested || state.paused, options.maxPollWaitMs - result.waitedMs);
      }
    }
  } catch (err) {
    if (!(isCancellation(err) && CancellationScope.current().consideredCancelled)) throw err;
    stopRequested = true;
  }

  const final = { ...status(), state: 'stopped' as const };
  await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    upsertSearchAttributes([{ key: KSP_STATE, value: 'stopped' }]);
    if (stream) await stream.signal(shardProgressSignal, final);
  });
  return { reason: 'stopped', status: final };
}
