/**
 * Autoscaling of one stream's shard count, optional (`ksp autoscale <stream>`). Every sample
 * interval: measure the load the shard workflows read, read the stream workflow's ledger of recent
 * changes, run the pure policy (autoscale-policy.ts), record the decision with its reason — a hold
 * too — and, when it says so, run the reshard workflow as a child (ABANDON: a reshard in flight
 * finishes even if this workflow stops) and wait for it. Continues as new before its history grows.
 * The decisions and the state are the Autoscaler's (autoscaler.ts); this function does the I/O.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  type AutoscaleResult,
  type AutoscaleWorkflowInput,
  autoscaleStatusQuery,
  stopAutoscaleSignal,
  stopAutoscaleUpdate,
} from './autoscale-messages';
import type { LoadSample } from './autoscale-load';
import { Autoscaler, type PendingChange } from './autoscaler';
import { compileAutoscaleInput } from './autoscale-input';
import { ensureStreamSearchAttribute } from './own-search-attributes';
import { ErrorType } from '../errors';
import { noPayloadProblem, rejectPayload } from './message-checks';
import { reshardWorkflow } from './reshard';
import { reshardWorkflowId } from './reshard-messages';
import { boundedInfraRetry, withNonRetryable } from './retry-policies';
import { KSP_STREAM } from './search-attributes';
import { reshardStartMetadata } from './start-details';
import type { ReshardLedgerEntry } from './stream-messages';

export type { AutoscaleResult, AutoscaleWorkflowInput } from './autoscale-messages';

/** The sampling activity's failure when no shard workflow has reported counters yet. */
const NO_LOAD_MEASUREMENT = ErrorType.NoLoadMeasurement;

const { sampleStreamLoad, readReshardLedger } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: withNonRetryable(boundedInfraRetry(3, '10s'), NO_LOAD_MEASUREMENT),
});

function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error && !(e instanceof ApplicationFailure)) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** Runs the reshard the autoscaler asked for as a child, and tells it what came of it. */
async function reshard(autoscaler: Autoscaler, change: PendingChange): Promise<void> {
  const workflowId = reshardWorkflowId(autoscaler.options.streamName);
  try {
    const input = autoscaler.reshardInput(change, workflowInfo().workflowId);
    const result = await executeChild(reshardWorkflow, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: KSP_STREAM, value: autoscaler.options.streamName }],
      ...reshardStartMetadata(input.streamName, input.request, workflowInfo().workflowId),
    });
    autoscaler.reshardCompleted(change, result, workflowId, Date.now());
  } catch (err) {
    if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') {
      autoscaler.reshardSkipped(change, workflowId);
    } else autoscaler.reshardFailed(change, failureMessage(err), workflowId, Date.now());
  }
}

export async function autoscaleWorkflow(stored: AutoscaleWorkflowInput): Promise<AutoscaleResult> {
  const input = compileAutoscaleInput(stored);
  if ('problem' in input) throw ApplicationFailure.nonRetryable(input.problem, ErrorType.Config);
  const autoscaler = new Autoscaler(input);
  const { streamName, maxHistoryEvents, sampleIntervalMs } = autoscaler.options;
  ensureStreamSearchAttribute(streamName);
  setHandler(autoscaleStatusQuery, (...args: unknown[]) => {
    const bad = noPayloadProblem('status', args);
    if (bad) throw new Error(bad);
    return autoscaler.status();
  });
  setHandler(stopAutoscaleSignal, (...args: unknown[]) => {
    const bad = noPayloadProblem('stop', args);
    if (bad) log.warn('dropped a malformed signal', { signal: 'stop', problem: bad });
    else autoscaler.stop();
  });
  setHandler(
    stopAutoscaleUpdate,
    () => {
      autoscaler.stop();
      return autoscaler.status();
    },
    { validator: rejectPayload('stop') },
  );

  while (!autoscaler.stopRequested) {
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof autoscaleWorkflow>(autoscaler.continued());
    }
    let measured: [LoadSample, ReshardLedgerEntry[]] | null = null;
    try {
      const [sample, ledger] = await Promise.all([
        sampleStreamLoad({ streamName }),
        readReshardLedger({ streamName }),
      ]);
      measured = [{ ...sample, at: Date.now() }, ledger.entries];
    } catch (err) {
      autoscaler.measureFailed(failureMessage(err), Date.now());
    }
    const change = measured && autoscaler.measured(...measured, Date.now());
    if (change) await reshard(autoscaler, change);
    await condition(() => autoscaler.stopRequested, sampleIntervalMs);
  }

  await condition(allHandlersFinished);
  return { streamName, decisions: autoscaler.state.decisions, run: autoscaler.state.run };
}
