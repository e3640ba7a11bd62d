/**
 * Autoscaling of one stream's shard count, optional (`ksp autoscale <stream>`). Every sample
 * interval: measure the load the shard workflows read, read the stream workflow's ledger of recent
 * changes, run the pure policy (autoscale-policy.ts), record the decision with its reason — a hold
 * too — and, when it says so, run the reshard workflow as a child (ABANDON: a reshard in flight
 * finishes even if this workflow stops) and wait for it. Continues as new before its history grows.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  type AutoscaleResult,
  type AutoscaleState,
  type AutoscaleStatus,
  type AutoscaleWorkflowInput,
  type RecordedDecision,
  autoscaleStatusQuery,
  stopAutoscaleSignal,
} from './autoscale-messages';
import { type LoadSample, toInterval } from './autoscale-load';
import { type AutoscaleDecision, decide } from './autoscale-policy';
import type { ReshardLedgerEntry } from './stream-messages';
import { reshardWorkflow } from './reshard';
import { reshardWorkflowId } from './reshard-messages';
import { KSP_STREAM } from './search-attributes';

export type { AutoscaleResult, AutoscaleWorkflowInput } from './autoscale-messages';

const { sampleStreamLoad, readReshardLedger } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: '1s',
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['KspNoLoadMeasurement', 'KspProgrammingError'],
  },
});

/**
 * Appends a decision. One that repeats the entry before — a hold for the same reason, or the same
 * dry-run change — folds into it, so the bounded list keeps a long history.
 */
export function recordDecision(
  decisions: RecordedDecision[],
  decision: AutoscaleDecision,
  max: number,
): RecordedDecision {
  const previous = decisions[decisions.length - 1];
  const repeats =
    previous !== undefined &&
    previous.action === decision.action &&
    previous.code === decision.code &&
    previous.to === decision.to &&
    (decision.action === 'hold' || previous.outcome?.status === 'dry-run');
  if (repeats) {
    Object.assign(previous, { reason: decision.reason, metrics: decision.metrics, lastAt: decision.at });
    previous.count++;
    return previous;
  }
  const entry: RecordedDecision = { ...decision, count: 1, lastAt: decision.at, outcome: null };
  decisions.push(entry);
  if (decisions.length > max) decisions.splice(0, decisions.length - max);
  return entry;
}

function withoutShards({ shards: _shards, ...rest }: LoadSample): Omit<LoadSample, 'shards'> {
  return rest;
}

function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error && !(e instanceof ApplicationFailure)) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

export async function autoscaleWorkflow(input: AutoscaleWorkflowInput): Promise<AutoscaleResult> {
  const o = input.options;
  const streamName = o.streamName;
  const state: AutoscaleState = input.state
    ? { ...input.state, run: input.state.run + 1 }
    : { latest: null, intervals: [], decisions: [], lastChangeAt: null, lagHold: null, run: 1 };
  let stopRequested = false;
  let resharding = false;
  const longestWindow = Math.max(o.scaleUpWindowMs, o.scaleDownWindowMs);
  const keepIntervals = Math.ceil(longestWindow / o.sampleIntervalMs) + 1;

  setHandler(
    autoscaleStatusQuery,
    (): AutoscaleStatus => ({
      streamName,
      state: stopRequested ? 'stopping' : resharding ? 'resharding' : 'running',
      options: o,
      decisions: state.decisions,
      lastChangeAt: state.lastChangeAt === null ? null : new Date(state.lastChangeAt).toISOString(),
      lagHold: state.lagHold && {
        until: new Date(state.lagHold.until).toISOString(),
        shards: state.lagHold.shards,
      },
      latest: state.latest && withoutShards(state.latest),
      intervals: state.intervals.length,
      run: state.run,
    }),
  );
  setHandler(stopAutoscaleSignal, () => {
    stopRequested = true;
  });

  const shouldContinueAsNew = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= o.maxHistoryEvents;

  const hold = (reason: string): void => {
    const now = Date.now();
    recordDecision(
      state.decisions,
      {
        at: new Date(now).toISOString(),
        action: 'hold',
        code: 'no-measurement',
        reason,
        from: state.latest?.openShardCount ?? 0,
        to: null,
        metrics: null,
      },
      o.maxDecisions,
    );
  };

  /** Takes a sample into the window; a pair that is no evidence (a change, UPDATING) restarts it. */
  const ingest = (sample: LoadSample): void => {
    const previous = state.latest;
    state.latest = sample;
    if (!previous) return;
    const interval = toInterval(previous, sample);
    if ('skipped' in interval) state.intervals = [];
    else state.intervals = [...state.intervals, interval].slice(-keepIntervals);
  };

  const reshard = async (decision: AutoscaleDecision, entry: RecordedDecision): Promise<void> => {
    const to = decision.to ?? decision.from;
    const workflowId = reshardWorkflowId(streamName);
    resharding = true;
    try {
      const result = await executeChild(reshardWorkflow, {
        workflowId,
        args: [
          {
            streamName,
            request: { kind: 'count', targetShardCount: to },
            maxShards: o.maxShards,
            requestedBy: workflowInfo().workflowId,
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: KSP_STREAM, value: streamName }],
      });
      entry.outcome = {
        status: 'completed',
        detail: `${result.before.length} → ${result.after.length} shards in ${Math.round(result.durationMs / 1000)}s (${result.steps.map((s) => s.method).join(', ')})`,
        reshardWorkflowId: workflowId,
      };
      state.lastChangeAt = Date.now();
      if (decision.code === 'scale-up-lag') state.lagHold = { until: Date.now() + o.lagHoldMs, shards: to };
    } catch (err) {
      if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') {
        entry.outcome = {
          status: 'skipped',
          detail: `another reshard of the stream is running (${workflowId})`,
          reshardWorkflowId: workflowId,
        };
      } else {
        // Refused or failed: wait a cooldown before trying again, rather than hammering.
        entry.outcome = { status: 'failed', detail: failureMessage(err), reshardWorkflowId: workflowId };
        state.lastChangeAt = Date.now();
      }
    } finally {
      resharding = false;
    }
    state.latest = null;
    state.intervals = [];
  };

  while (!stopRequested) {
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof autoscaleWorkflow>({ options: o, state });
    }
    let sample: LoadSample | null = null;
    let ledger: ReshardLedgerEntry[] = [];
    try {
      const [s, l] = await Promise.all([sampleStreamLoad({ streamName }), readReshardLedger({ streamName })]);
      sample = { ...s, at: Date.now() };
      ledger = l.entries;
    } catch (err) {
      hold(`cannot measure the load: ${failureMessage(err)}`);
      state.latest = null;
      state.intervals = [];
    }
    if (sample) {
      ingest(sample);
      const decision = decide({
        options: o,
        now: Date.now(),
        latest: sample,
        intervals: state.intervals,
        ledger,
        lastChangeAt: state.lastChangeAt,
        lagHold: state.lagHold,
      });
      const entry = recordDecision(state.decisions, decision, o.maxDecisions);
      if (decision.action !== 'hold') {
        if (o.dryRun)
          entry.outcome = { status: 'dry-run', detail: 'dryRun: no reshard', reshardWorkflowId: null };
        else await reshard(decision, entry);
      }
    }
    await condition(() => stopRequested, o.sampleIntervalMs);
  }

  await condition(allHandlersFinished);
  return { streamName, decisions: state.decisions, run: state.run };
}
