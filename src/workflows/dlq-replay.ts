/**
 * DLQ replay: pages through a dead-letter queue in short activities that receive, replay (handler
 * or re-put) and delete in one go, and report counts; records and message bodies never enter
 * history (DESIGN.md rule 1). Progress is a query, stop a signal; the run continues as new before
 * its history grows large and completes once the queue has stayed empty for the grace period.
 * Messages it leaves in the queue stay hidden while it runs and are made visible again at its end.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type DlqReplayActivities,
  type DlqReplayCounts,
  type HeldMessage,
  type ReplayDlqBatchResult,
  addCounts,
  emptyCounts,
} from '../dlq/replay-contract';
import type { CompiledDlqReplayOptions } from '../config/replay-options';
import {
  type DlqReplayEnd,
  type DlqReplayProgress,
  type DlqReplayResult,
  type DlqReplayRunState,
  dlqReplayProgressQuery,
  stopDlqReplaySignal,
} from './dlq-replay-messages';
import { NON_RETRYABLE_TYPES } from '../errors';

/** Receipt handles a run keeps to release at its end; beyond it, messages reappear after holdFor. */
export const MAX_HELD_MESSAGES = 1_000;

/** Everything a run carries across continue-as-new: plain JSON only. */
export interface DlqReplayState {
  counts: DlqReplayCounts;
  held: HeldMessage[];
  /** Messages hidden beyond MAX_HELD_MESSAGES: they reappear on their own after holdFor. */
  heldDropped: number;
  /** How long receives have come back empty in a row, as the activities measured it. */
  quietMs: number;
  /** The latest time a failed message becomes visible again, ISO-8601. */
  retryAt: string | null;
  lastError: DlqReplayProgress['lastError'];
  startedAt: string;
  run: number;
}

export interface DlqReplayWorkflowInput {
  options: CompiledDlqReplayOptions;
  state?: DlqReplayState;
}

function keepHeld(state: DlqReplayState, incoming: HeldMessage[]): void {
  const index = new Map(state.held.map((m, i) => [m.messageId, i]));
  for (const message of incoming) {
    const at = index.get(message.messageId);
    if (at !== undefined)
      state.held[at] = message; // seen again after holdFor: the newest handle counts
    else if (state.held.length < MAX_HELD_MESSAGES) {
      index.set(message.messageId, state.held.length);
      state.held.push(message);
    } else state.heldDropped++;
  }
}

export async function dlqReplayWorkflow(input: DlqReplayWorkflowInput): Promise<DlqReplayResult> {
  const { options } = input;
  const state: DlqReplayState = input.state
    ? { ...input.state, run: input.state.run + 1 }
    : {
        counts: emptyCounts(),
        held: [],
        heldDropped: 0,
        quietMs: 0,
        retryAt: null,
        lastError: null,
        startedAt: new Date().toISOString(),
        run: 1,
      };
  let stopRequested = false;
  let runState: DlqReplayRunState = 'running';
  let inFlight: CancellationScope | null = null;

  const { releaseDlqMessages } = proxyActivities<DlqReplayActivities>({
    startToCloseTimeout: '1m',
    // Best effort: held messages reappear on their own after holdFor anyway.
    retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 10 },
  });
  const { replayDlqBatch } = proxyActivities<DlqReplayActivities>({
    // One call works for reportInterval, plus the message in hand and a long poll.
    startToCloseTimeout: options.reportIntervalMs + options.receiveWaitMs + options.visibilityTimeoutMs,
    heartbeatTimeout: Math.max(30_000, 2 * options.receiveWaitMs + 10_000),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // SQS or Kinesis unreachable or throttled: retry; messages in flight reappear by themselves.
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });

  const progress = (): DlqReplayProgress => ({
    ...state.counts,
    queueUrl: options.queueUrl,
    mode: options.mode,
    dryRun: options.dryRun,
    state: stopRequested && runState === 'running' ? 'stopping' : runState,
    held: state.held.length + state.heldDropped,
    emptySince: state.quietMs > 0 ? new Date(Date.now() - state.quietMs).toISOString() : null,
    lastError: state.lastError,
    startedAt: state.startedAt,
    updatedAt: new Date().toISOString(),
    run: state.run,
  });
  setHandler(dlqReplayProgressQuery, progress);
  setHandler(stopDlqReplaySignal, () => {
    stopRequested = true;
    inFlight?.cancel(); // the activity finishes the message in hand and returns its counts
  });

  const shouldContinueAsNew = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= options.maxHistoryEvents;

  const record = (result: ReplayDlqBatchResult): void => {
    state.counts = addCounts(state.counts, result.counts);
    keepHeld(state, result.held);
    if (result.retryAt !== null && (state.retryAt === null || result.retryAt > state.retryAt)) {
      state.retryAt = result.retryAt;
    }
    if (result.lastError) state.lastError = { ...result.lastError, at: new Date().toISOString() };
    // A call that received nothing extends the quiet period the previous one started.
    state.quietMs = result.counts.seen > 0 ? result.idleMs : state.quietMs + result.idleMs;
  };

  let end: DlqReplayEnd | null = null;
  let failure: unknown = null;
  try {
    while (end === null) {
      if (stopRequested) {
        end = 'stopped';
        break;
      }
      if (options.maxMessages !== null && state.counts.seen >= options.maxMessages) {
        end = 'max-messages';
        break;
      }
      const now = Date.now();
      if (state.quietMs > 0 && state.quietMs >= options.emptyGracePeriodMs) {
        const retryAt = state.retryAt === null ? 0 : Date.parse(state.retryAt);
        if (retryAt <= now) {
          end = 'queue-empty';
          break;
        }
        // Failed messages are still hidden: wait until they are back, then try them again.
        await condition(() => stopRequested, retryAt - now);
        state.retryAt = null;
        state.quietMs = 0;
        continue;
      }
      if (shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof dlqReplayWorkflow>({ options, state });
      }
      const idleWaitMs = Math.max(0, options.emptyGracePeriodMs - state.quietMs);
      const scope = new CancellationScope();
      inFlight = scope;
      try {
        record(
          await scope.run(() =>
            replayDlqBatch({
              options,
              maxMessages:
                options.maxMessages === null
                  ? Number.MAX_SAFE_INTEGER
                  : options.maxMessages - state.counts.seen,
              idleWaitMs,
            }),
          ),
        );
      } catch (err) {
        if (isCancellation(err)) {
          if (CancellationScope.current().consideredCancelled) throw err;
          continue; // stopped during a long poll: nothing was received
        }
        const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : null;
        state.lastError = {
          type: cause?.type ?? 'Error',
          message: cause?.message ?? (err instanceof Error ? err.message : String(err)),
          at: new Date().toISOString(),
        };
        log.error('DLQ replay failed', { queueUrl: options.queueUrl, error: state.lastError.message });
        failure = err;
        break;
      } finally {
        inFlight = null;
      }
    }
  } catch (err) {
    if (!(isCancellation(err) && CancellationScope.current().consideredCancelled)) throw err;
    end = 'stopped'; // cancelled from the Temporal UI or CLI: end like a stop
  }

  await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    if (state.held.length === 0) return;
    try {
      await releaseDlqMessages({ queueUrl: options.queueUrl, messages: state.held });
    } catch (err) {
      // Best effort: without the release, held messages reappear on their own after holdFor.
      log.warn('could not make held DLQ messages visible again', {
        queueUrl: options.queueUrl,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    state.held = [];
  });
  if (failure !== null || end === null) {
    runState = 'failed';
    throw ApplicationFailure.nonRetryable(
      `DLQ replay of ${options.queueUrl} stopped: ${state.lastError?.message ?? 'unknown error'}`,
      state.lastError?.type ?? 'KspReplayFailed',
    );
  }
  runState = end === 'stopped' ? 'stopped' : 'completed';
  return { end, progress: progress() };
}
