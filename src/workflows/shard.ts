/**
 * One workflow per shard: the poll → handle → checkpoint loop. The checkpoint lives in workflow
 * state; records and iterators never do (DESIGN.md rules 1–2). Every decision is the
 * `ShardConsumer`'s (shard-consumer.ts); this function only runs activities, timers and messages.
 * Pause, resume, stop and seek are Updates (shard-updates.ts), pause/resume/stop also signals;
 * status is a query; the run continues as new before its
 * history grows large.
 */
import {
  type ActivityInterfaceFor,
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ActivityFailure,
  TimeoutFailure,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ConsumeResult } from '../activities/shard/consume-contract';
import { ErrorType } from '../errors';
import { SHARD_RETRY } from './retry-policies';
import { activityHeartbeatTimeoutMs } from './failover';
import { REBALANCE_SCHEDULE_TO_START_MS, rebalanceTaskQueue } from '../rebalance-queue';
import { KSP_QUARANTINED, KSP_STATE } from './search-attributes';
import { checkReleaseInput, releaseKeysSignal } from './shard-quarantine-messages';
import { type BatchStep, ShardConsumer } from './shard-consumer';
import { ShardDetails, batchSummary } from './shard-details';
import { ShardGauges } from './shard-gauges';
import { type ShardWorkflowInput, shardInputProblem, upgradeShardInput } from './shard-input';
import {
  type ShardStatus,
  checkNoPayload,
  checkPauseInput,
  pauseShardSignal,
  resumeShardSignal,
  shardStatusQuery,
  stopShardSignal,
} from './shard-messages';
import {
  CONSUME_LOOP_PATCH,
  FINAL_QUARANTINE_COUNT,
  HELD_REPORT_ON_TIMER,
  PROGRESS_REPORT_TIMER,
  REBALANCE_QUEUE_PATCH,
  REPORT_BESIDE_BATCH,
  REPORT_TO_MISSING_STREAM,
  ShardPatches,
} from './shard-patches';
import { registerShardUpdates } from './shard-updates';
import { type ShardEndedReport, shardEndedSignal, shardProgressSignal } from './stream-messages';
import { streamIdentityQuery } from './stream-identity';

export type { ShardState } from './shard-state';
export type { ShardWorkflowInput } from './shard-input';

export interface ShardWorkflowResult {
  reason: 'shard-ended' | 'stopped';
  status: ShardStatus;
}

type Activities = ReturnType<typeof createActivities>;
type Consume = ActivityInterfaceFor<Activities>['processBatch'];

/** The activity for each kind of request. */
interface Consumers {
  /** One batch, or a busy loop: a cancel waits for the batch in flight and its checkpoint. */
  busy: Consume;
  /** An idle watch handles nothing: a cancel leaves it at once, without waiting for its answer. */
  idle: Consume;
  /** The same on the rebalance queue, given up after REBALANCE_SCHEDULE_TO_START_MS unstarted. */
  rebalance?: { busy: Consume; idle: Consume };
}

/** The batch in flight, if any: pause and stop cancel it, so an idle long poll gives up at once. */
interface InFlight {
  scope: CancellationScope | null;
}

export async function shardWorkflow(stored: ShardWorkflowInput): Promise<ShardWorkflowResult> {
  const problem = shardInputProblem(stored);
  if (problem !== null)
    throw ApplicationFailure.nonRetryable(`shard workflow input: ${problem}`, ErrorType.Config);
  const shard = new ShardConsumer(upgradeShardInput(stored), () => Date.now(), log);
  const { options, streamWorkflowId } = shard.input;
  const patches = ShardPatches.ask(); // first: a new run records one marker for all (shard-patches.ts)
  const consumers = shardConsumers(shard, patches);
  const inFlight: InFlight = { scope: null };
  registerHandlers(shard, inFlight);
  const gauges = new ShardGauges({ stream: shard.input.streamName, shard: shard.input.shardId });
  const details = new ShardDetails(patches); // Web UI: Current Details + KspMillisBehind (shard-details.ts)
  const stream = streamWorkflowId ? streamReports(streamWorkflowId, patches) : null;
  // Runs before this patch measured the progress interval on the workflow clock (see gateReportsByTimer).
  const timedReports = patches.has(PROGRESS_REPORT_TIMER);
  if (timedReports) shard.gateReportsByTimer();
  const heldReportsOnTimer = timedReports && patches.has(HELD_REPORT_ON_TIMER);
  let reportTimerRunning = false;
  const reportBeside = patches.has(REPORT_BESIDE_BATCH);
  /** The report sent beside the running activity (REPORT_BESIDE_BATCH), until something waited for it. */
  let reportInFlight: Promise<void> | null = null;
  const settleReport = async (): Promise<void> => {
    const sent = reportInFlight;
    reportInFlight = null;
    if (sent) await sent;
  };
  const report = async (force: boolean): Promise<void> => {
    const progress = stream && shard.progressReport(force);
    if (!progress) return;
    if (timedReports && !reportTimerRunning) {
      reportTimerRunning = true;
      void CancellationScope.nonCancellable(() => sleep(options.progressIntervalMs)).then(() => {
        reportTimerRunning = false;
        const heldBack = shard.reportIntervalElapsed();
        if (heldBack && heldReportsOnTimer && !shard.stopping) void report(false);
      });
    }
    if (reportInFlight) await settleReport(); // never before the patch: same commands, same order
    await stream.progress(progress);
  };
  const shouldContinueAsNew = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= options.maxHistoryEvents;

  try {
    for (;;) {
      shard.applyPendingSeek();
      const published = shard.stateToPublish();
      if (published) upsertSearchAttributes([{ key: KSP_STATE, value: published }]);
      const quarantined = shard.quarantinedToPublish();
      if (quarantined !== null) upsertSearchAttributes([{ key: KSP_QUARANTINED, value: quarantined }]);
      gauges.publish(shard.status().state, shard.checkpointMovedAt);
      details.publish(shard.status(), shard.checkpointMovedAt);
      if (shard.stopping) break;
      if (shouldContinueAsNew()) {
        if (reportInFlight) await settleReport();
        await condition(allHandlersFinished);
        await continueAsNew<typeof shardWorkflow>(shard.continuation());
      }
      if (shard.paused) {
        await report(true);
        await condition(() => !shard.paused || shard.stopping || shouldContinueAsNew());
        continue;
      }
      const step = await runBatch(shard, consumers, inFlight, details, patches);
      if (reportInFlight) await settleReport(); // long delivered, while the activity ran
      details.publish(shard.status(), shard.checkpointMovedAt);
      if (step === null) continue;
      if (step.kind === 'backoff') {
        await report(true);
        const seeks = shard.seeks; // a seek ends the backoff: it starts the retries over
        if (step.delayMs > 0) await condition(() => shard.stopping || shard.seeks !== seeks, step.delayMs);
        continue;
      }
      if (step.kind === 'ended') {
        const ended = shard.endedReport(step.childShardIds);
        if (stream) await stream.ended(ended);
        upsertSearchAttributes([{ key: KSP_STATE, value: 'finished' }]);
        const quarantined = shard.quarantinedToPublish();
        if (quarantined !== null && patches.has(FINAL_QUARANTINE_COUNT))
          upsertSearchAttributes([{ key: KSP_QUARANTINED, value: quarantined }]);
        details.ended(ended.status, shard.checkpointMovedAt);
        gauges.publish('finished', shard.checkpointMovedAt);
        return { reason: 'shard-ended', status: ended.status };
      }
      if (reportBeside) {
        // Beside the next activity, not before it; waited for after it (or before what must follow).
        const sent = report(false);
        sent.catch(() => undefined); // its failure surfaces where it is awaited
        reportInFlight = sent;
      } else await report(false);
      const seeks = shard.seeks;
      if (step.idleWaitMs > 0)
        await condition(() => shard.stopping || shard.paused || shard.seeks !== seeks, step.idleWaitMs);
    }
  } catch (err) {
    if (!(isCancellation(err) && CancellationScope.current().consideredCancelled)) throw err;
    shard.stop(); // the workflow itself was cancelled (Temporal UI/CLI): drain like a stop
  }

  const final = shard.finalStatus('stopped');
  gauges.publish('stopped', shard.checkpointMovedAt);
  await CancellationScope.nonCancellable(async () => {
    // A report cut short by the workflow's cancellation is superseded by the final one below.
    if (reportInFlight) await settleReport().catch(() => undefined);
    await condition(allHandlersFinished);
    upsertSearchAttributes([{ key: KSP_STATE, value: 'stopped' }]);
    if (stream) await stream.progress(final);
  });
  return { reason: 'stopped', status: final };
}

/** The shard's reports to its stream workflow; one the stream cannot receive does not fail the shard. */
function streamReports(streamWorkflowId: string, patches: ShardPatches) {
  const stream = getExternalWorkflowHandle(streamWorkflowId);
  const deliver = async (send: () => Promise<void>): Promise<void> => {
    try {
      await send();
    } catch (err) {
      if (isCancellation(err) || !patches.has(REPORT_TO_MISSING_STREAM)) throw err;
      log.warn(
        'shard report not delivered: the stream workflow is not running; the shard goes on and its status holds what the report said',
        {
          streamWorkflowId,
          error: err instanceof Error ? err.message : String(err),
        },
      );
    }
  };
  return {
    progress: (report: ShardStatus) => deliver(() => stream.signal(shardProgressSignal, report)),
    ended: (report: ShardEndedReport) => deliver(() => stream.signal(shardEndedSignal, report)),
  };
}

/**
 * The activities of this run. Since the `shard-consume-loop` patch, a busy loop is bounded by its
 * lifetime (plus a stuck handler's margin) and a dead worker by the heartbeat; an idle watch never
 * heartbeats, so only its lifetime bounds it (a dead worker's idle shard moves after that).
 */
function shardConsumers(shard: ShardConsumer, patches: ShardPatches): Consumers {
  const { options } = shard.input;
  // Handler failures are not activity failures: they come back as outcome 'retry'.
  const retry = SHARD_RETRY;
  // maxActivityLifetime 0 (and runs stored before the loop): one batch per activity, no patch marker.
  if (options.maxActivityLifetimeMs === 0 || !patches.has(CONSUME_LOOP_PATCH)) {
    const { processBatch } = proxyActivities<Activities>({
      // Long poll + handler; a stuck handler is bounded here, a dead worker by the heartbeat.
      startToCloseTimeout: options.maxPollWaitMs + 15 * 60_000,
      heartbeatTimeout: activityHeartbeatTimeoutMs(options),
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry,
    });
    return { busy: processBatch, idle: processBatch };
  }
  shard.useLoop();
  const busyOptions = {
    startToCloseTimeout: options.maxActivityLifetimeMs + 15 * 60_000,
    heartbeatTimeout: activityHeartbeatTimeoutMs(options),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  };
  const busy = proxyActivities<Activities>(busyOptions);
  const idleOptions = {
    startToCloseTimeout: options.maxPollWaitMs + 60_000,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry,
  };
  const idle = proxyActivities<Activities>(idleOptions);
  // A schedule-to-start timeout is never retried: the workflow takes the task queue again.
  const onRebalanceQueue = {
    taskQueue: rebalanceTaskQueue(workflowInfo().taskQueue),
    scheduleToStartTimeout: REBALANCE_SCHEDULE_TO_START_MS,
  };
  const rebalanceBusy = proxyActivities<Activities>({ ...busyOptions, ...onRebalanceQueue });
  const rebalanceIdle = proxyActivities<Activities>({ ...idleOptions, ...onRebalanceQueue });
  return {
    busy: busy.processBatch,
    idle: idle.processBatch,
    rebalance: { busy: rebalanceBusy.processBatch, idle: rebalanceIdle.processBatch },
  };
}

/** The activity was never started: no worker polled its queue within its schedule-to-start timeout. */
function notStartedInTime(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === 'SCHEDULE_TO_START'
  );
}

/**
 * One consuming activity in its own cancellation scope. Null when nothing was read: the poll was
 * cut short by pause or stop, or a failure no retry can fix paused the shard.
 */
async function runBatch(
  shard: ShardConsumer,
  consumers: Consumers,
  inFlight: InFlight,
  details: ShardDetails,
  patches: ShardPatches,
): Promise<BatchStep | null> {
  const scope = new CancellationScope();
  inFlight.scope = scope;
  const request = shard.next(details.lagWatch());
  // After a `rebalance`, to a worker below its share (runs before the patch: the task queue).
  const queue =
    consumers.rebalance && shard.rebalancing && patches.has(REBALANCE_QUEUE_PATCH)
      ? consumers.rebalance
      : consumers;
  const consume = request.loop?.mode === 'idle' ? queue.idle : queue.busy;
  let result: ConsumeResult;
  try {
    result = await scope.run(() => consume.executeWithOptions({ summary: batchSummary(request) }, [request]));
  } catch (err) {
    if (isCancellation(err)) {
      // The workflow itself was cancelled: the caller drains like a stop.
      if (CancellationScope.current().consideredCancelled) throw err;
      return null;
    }
    // No worker below its share: the same request again, on the task queue (not a failure).
    if (queue !== consumers && notStartedInTime(err)) {
      shard.rebalanceQueueTimedOut(
        (err as ActivityFailure & { cause: TimeoutFailure }).cause.lastHeartbeatDetails,
      );
      return null;
    }
    const failure = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : null;
    if (failure && shard.activityFailed({ type: failure.type ?? null, message: failure.message }))
      return null;
    throw err;
  } finally {
    inFlight.scope = null;
    shard.settled();
  }
  return shard.apply(result);
}

/**
 * Status query and the pause / resume / stop signals. Every payload is validated first (DESIGN.md
 * rule 10): a malformed one is logged, never thrown in the workflow task, never stored.
 */
function registerHandlers(shard: ShardConsumer, inFlight: InFlight): void {
  const { shardId } = shard.input;
  // An idle long poll gives up at once; a batch being handled finishes and is checkpointed.
  const interrupt = (): void => inFlight.scope?.cancel();
  const warn = (signal: string, problem: string | null): void => {
    if (problem) log.warn(`shard ${shardId}: signal "${signal}" ${problem}`, { shardId, signal });
  };
  setHandler(shardStatusQuery, () => shard.status());
  setHandler(streamIdentityQuery, () => shard.input.streamIdentity ?? null);
  setHandler(pauseShardSignal, (...args: unknown[]) => {
    const { reason, problem } = checkPauseInput(args);
    warn('pause', problem);
    shard.pause(reason);
    interrupt();
  });
  setHandler(resumeShardSignal, (...args: unknown[]) => {
    warn('resume', checkNoPayload(args));
    shard.resume();
  });
  setHandler(releaseKeysSignal, (...args: unknown[]) => {
    const checked = checkReleaseInput(args);
    if ('problem' in checked) warn('releaseQuarantinedKeys', checked.problem);
    else shard.releaseKeys(checked.keyHashes);
  });
  setHandler(stopShardSignal, (...args: unknown[]) => {
    warn('stop', checkNoPayload(args));
    shard.stop();
    interrupt();
  });
  registerShardUpdates(shard, interrupt);
}
