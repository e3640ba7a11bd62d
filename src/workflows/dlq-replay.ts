/**
 * DLQ replay: pages through a dead-letter queue in short activities that receive, replay (handler
 * or re-put) and delete in one go, and report counts; records and message bodies never enter
 * history (DESIGN.md rule 1). Progress is a query, stop a signal; the run continues as new before
 * its history grows large and completes once the queue has stayed empty for the grace period.
 * Messages it leaves in the queue stay hidden while it runs and are made visible again at its end.
 * The decisions and the state are ReplayState's (dlq-replay-state.ts); this function does the I/O.
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
import type { DlqReplayActivities } from '../dlq/replay-contract';
import {
  type DlqReplayEnd,
  type DlqReplayResult,
  dlqReplayProgressQuery,
  stopDlqReplaySignal,
  stopDlqReplayUpdate,
} from './dlq-replay-messages';
import { type DlqReplayWorkflowInput, type ReplayStep, ReplayState } from './dlq-replay-state';
import { compileReplayInput } from './dlq-replay-input';
import { ErrorType } from '../errors';
import { ReplayDetails, replayCallSummary } from './dlq-replay-details';
import { noPayloadProblem, rejectPayload } from './message-checks';
import { INFRA_RETRY, boundedInfraRetry } from './retry-policies';

export { MAX_HELD_MESSAGES } from './dlq-replay-state';
export type { DlqReplayState, DlqReplayWorkflowInput } from './dlq-replay-state';

/** Best effort: held messages reappear on their own after holdFor anyway. */
const { releaseDlqMessages } = proxyActivities<DlqReplayActivities>({
  startToCloseTimeout: '1m',
  retry: boundedInfraRetry(10, '10s'),
});

/** The type and message of a replay call's failure (its ApplicationFailure cause, when it has one). */
function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : null;
  if (cause) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
}

/** Makes the messages the run held visible again: best effort, they reappear after holdFor anyway. */
async function releaseHeld(replay: ReplayState): Promise<void> {
  const { queueUrl } = replay.options;
  if (replay.state.held.length === 0) return;
  try {
    await releaseDlqMessages({ queueUrl, messages: replay.state.held });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log.warn('could not make held DLQ messages visible again', { queueUrl, error });
  }
  replay.released();
}

const nowIso = (): string => new Date().toISOString();

export async function dlqReplayWorkflow(stored: DlqReplayWorkflowInput): Promise<DlqReplayResult> {
  const input = compileReplayInput(stored, nowIso());
  if ('problem' in input) throw ApplicationFailure.nonRetryable(input.problem, ErrorType.Config);
  const replay = new ReplayState(input);
  const { options } = replay;
  const { replayDlqBatch } = proxyActivities<DlqReplayActivities>({
    // One call works for reportInterval, plus the message in hand and a long poll.
    startToCloseTimeout: options.reportIntervalMs + options.receiveWaitMs + options.visibilityTimeoutMs,
    heartbeatTimeout: Math.max(30_000, 2 * options.receiveWaitMs + 10_000),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // SQS or Kinesis unreachable or throttled: retry; messages in flight reappear by themselves.
    retry: INFRA_RETRY,
  });
  let inFlight: CancellationScope | null = null;
  const stop = (): void => {
    replay.stop();
    inFlight?.cancel(); // the activity finishes the message in hand and returns its counts
  };
  setHandler(dlqReplayProgressQuery, (...args: unknown[]) => {
    const bad = noPayloadProblem('progress', args);
    if (bad) throw new Error(bad);
    return replay.progress(Date.now());
  });
  setHandler(stopDlqReplaySignal, (...args: unknown[]) => {
    const bad = noPayloadProblem('stop', args);
    if (bad) {
      log.warn('dropped a malformed signal', { signal: 'stop', problem: bad });
      return;
    }
    stop();
  });
  // The Update stops after the call in flight (it returns within reportInterval) rather than
  // cancelling it: an Update answered in the same task as an activity cancellation never
  // completes on the time-skipping test server. The signal still cancels at once.
  setHandler(
    stopDlqReplayUpdate,
    () => {
      replay.stop();
      return replay.progress(Date.now());
    },
    { validator: rejectPayload('stop') },
  );

  /** One replay call, which a stop cancels; false when it failed for good. */
  const replayBatch = async ({ maxMessages, idleWaitMs }: Extract<ReplayStep, { kind: 'replay' }>) => {
    const scope = new CancellationScope();
    inFlight = scope;
    try {
      const summary = replayCallSummary(options, maxMessages, replay.progress(Date.now()));
      const call = { options, maxMessages, idleWaitMs };
      replay.record(await scope.run(() => replayDlqBatch.executeWithOptions({ summary }, [call])), nowIso());
      return true;
    } catch (err) {
      if (isCancellation(err)) {
        if (CancellationScope.current().consideredCancelled) throw err;
        return true; // stopped during a long poll: nothing was received
      }
      const error = failureOf(err);
      replay.failed(error, nowIso());
      log.error('DLQ replay failed', { queueUrl: options.queueUrl, error: error.message });
      return false;
    } finally {
      inFlight = null;
    }
  };

  let end: DlqReplayEnd | null = null;
  const details = new ReplayDetails(); // Web UI Current Details (dlq-replay-details.ts)
  try {
    for (let going = true; going && end === null; ) {
      details.refresh(replay.progress(Date.now()));
      const historyFull =
        workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= options.maxHistoryEvents;
      const step = replay.next(Date.now(), historyFull);
      if (step.kind === 'end') end = step.end;
      else if (step.kind === 'wait-for-retries') {
        await condition(() => replay.stopRequested, step.ms);
        replay.retriesBack();
      } else if (step.kind === 'continue-as-new') {
        await condition(allHandlersFinished);
        await continueAsNew<typeof dlqReplayWorkflow>(replay.continued());
      } else going = await replayBatch(step);
    }
  } catch (err) {
    if (!(isCancellation(err) && CancellationScope.current().consideredCancelled)) throw err;
    end = 'stopped'; // cancelled from the Temporal UI or CLI: end like a stop
  }

  await CancellationScope.nonCancellable(async () => {
    await condition(allHandlersFinished);
    await releaseHeld(replay);
  });
  const outcome = replay.finish(end);
  details.refresh(replay.progress(Date.now()));
  if (!('end' in outcome)) throw ApplicationFailure.nonRetryable(outcome.message, outcome.type);
  return { end: outcome.end, progress: replay.progress(Date.now()) };
}
