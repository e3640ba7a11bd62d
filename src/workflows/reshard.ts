/**
 * Reshards one stream: checks every Kinesis limit before changing anything, then either calls
 * UpdateShardCount or runs the equivalent SplitShard / MergeShards calls one at a time, waits
 * for ACTIVE after each, tells the stream workflow (which records the change in its 24 h ledger
 * and starts the new shards once their parents are read to the end), and reports what it did.
 * Started as `ksp:<stream>:reshard` with the FAIL conflict policy: one reshard per stream at a time.
 */
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { streamWorkflowId } from '../constants';
import { type ReshardLedgerEntry, reshardCompletedSignal } from './stream-messages';
import { type StreamShape, checkReshard } from './reshard-limits';
import {
  type OpenShard,
  type ReshardCall,
  type ReshardCallReport,
  type ReshardProgress,
  type ReshardResult,
  type ReshardStepReport,
  type ReshardWorkflowInput,
  RESHARD_REFUSED,
  reshardProgressQuery,
} from './reshard-messages';
import { planCountChange } from './reshard-plan';
import { NON_RETRYABLE_TYPES } from '../errors';

export type { ReshardResult, ReshardWorkflowInput } from './reshard-messages';

/** Default upper bound on the shard count where the input names none. */
export const DEFAULT_MAX_SHARDS = 500;

type Activities = ReturnType<typeof createActivities>;

const NON_RETRYABLE = [RESHARD_REFUSED, ...NON_RETRYABLE_TYPES];

/** Reads and control-plane calls: quick, retried with backoff while Kinesis is busy or throttles. */
const calls = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Waiting for ACTIVE: a reshard of a large stream takes minutes to hours on AWS. */
const waits = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
});

function isoNow(): string {
  return new Date().toISOString();
}

/** A merge with the lower hash range first (kinesalite refuses the other order; AWS takes both). */
function mergeCall(open: readonly OpenShard[], [a, b]: [string, string]): ReshardCall {
  const lowerFirst = open.findIndex((s) => s.shardId === a) < open.findIndex((s) => s.shardId === b);
  return { op: 'MergeShards', shardId: lowerFirst ? a : b, adjacentShardId: lowerFirst ? b : a };
}

/** What `waitForStreamActive` waits to see after a call. */
function visibleChange(call: ReshardCall): { openShardCount?: number; closedShardIds?: string[] } {
  switch (call.op) {
    case 'UpdateShardCount':
      return { openShardCount: call.targetShardCount };
    case 'SplitShard':
      return { closedShardIds: [call.shardId] };
    case 'MergeShards':
      return { closedShardIds: [call.shardId, call.adjacentShardId] };
  }
}

export async function reshardWorkflow(input: ReshardWorkflowInput): Promise<ReshardResult> {
  const { streamName, request } = input;
  const startedAt = isoNow();
  const progress: ReshardProgress = {
    streamName,
    request,
    phase: 'validating',
    from: null,
    plannedSteps: [],
    completedSteps: [],
    startedAt,
  };
  setHandler(reshardProgressQuery, () => progress);

  const before: StreamShape = await calls.inspectStreamForReshard({ streamName });
  const ledger = await calls.readReshardLedger({ streamName });
  const verdict = checkReshard(request, before, ledger.entries, {
    maxShards: input.maxShards ?? DEFAULT_MAX_SHARDS,
    nowMs: Date.now(),
  });
  if (!verdict.ok) {
    throw ApplicationFailure.create({
      type: RESHARD_REFUSED,
      message: verdict.message,
      nonRetryable: true,
      details: [{ limit: verdict.limit }],
    });
  }
  progress.from = before.openShards.length;
  progress.plannedSteps = verdict.steps;
  progress.phase = 'resharding';

  const notes: string[] = [];
  if (!ledger.streamWorkflowFound) {
    notes.push(
      `no stream workflow ${streamWorkflowId(streamName)}: nothing consumes this stream with ksp, and its 24 h budget of count changes was not checked against earlier ones`,
    );
  }
  let streamWorkflowNotified = ledger.streamWorkflowFound;
  let open: OpenShard[] = before.openShards;

  /** Waits until the stream is ACTIVE with the change visible, and reports the call. */
  const settle = async (call: ReshardCall, startedMs: number): Promise<ReshardCallReport> => {
    progress.phase = 'waiting-for-active';
    const active = await waits.waitForStreamActive({ streamName, ...visibleChange(call) });
    open = active.openShards;
    progress.phase = 'resharding';
    return { call, durationMs: Date.now() - startedMs, activeAt: active.activeAt };
  };

  /** One SplitShard or MergeShards call, then ACTIVE. */
  const splitOrMerge = async (call: ReshardCall): Promise<ReshardCallReport> => {
    const t0 = Date.now();
    if (call.op === 'SplitShard') {
      await calls.splitShard({
        streamName,
        shardId: call.shardId,
        newStartingHashKey: call.newStartingHashKey,
      });
    } else if (call.op === 'MergeShards') {
      await calls.mergeShards({ streamName, shardId: call.shardId, adjacentShardId: call.adjacentShardId });
    }
    return settle(call, t0);
  };

  /** One UpdateShardCount call, then ACTIVE; null where the backend has no UpdateShardCount. */
  const updateShardCount = async (target: number): Promise<ReshardCallReport | null> => {
    const t0 = Date.now();
    const out = await calls.updateShardCount({ streamName, targetShardCount: target });
    if (out.supported) return settle({ op: 'UpdateShardCount', targetShardCount: target }, t0);
    if (input.method === 'UpdateShardCount') {
      throw ApplicationFailure.nonRetryable(
        'this Kinesis backend has no UpdateShardCount: reshard with method "auto" or "SplitMerge"',
        RESHARD_REFUSED,
        { limit: 'method' },
      );
    }
    notes.push('the backend has no UpdateShardCount: made the equivalent SplitShard/MergeShards calls');
    return null;
  };

  /** Records a completed step and tells the stream workflow (ledger + rediscovery). */
  const complete = async (
    from: number,
    method: ReshardStepReport['method'],
    reports: ReshardCallReport[],
    stepStartedMs: number,
    kind: ReshardLedgerEntry['kind'],
  ): Promise<void> => {
    const activeAt = reports[reports.length - 1]?.activeAt ?? isoNow();
    const step: ReshardStepReport = {
      from,
      to: open.length,
      method,
      calls: reports,
      startedAt: new Date(stepStartedMs).toISOString(),
      activeAt,
      durationMs: Date.now() - stepStartedMs,
    };
    progress.completedSteps.push(step);
    if (!ledger.streamWorkflowFound) return;
    const entry: ReshardLedgerEntry = {
      at: activeAt,
      from,
      to: open.length,
      kind,
      method,
      workflowId: workflowInfo().workflowId,
    };
    try {
      await getExternalWorkflowHandle(streamWorkflowId(streamName)).signal(reshardCompletedSignal, entry);
    } catch (err) {
      streamWorkflowNotified = false;
      notes.push(`could not tell ${streamWorkflowId(streamName)} (${String(err)}): send it \`rediscover\``);
      log.warn('could not signal the stream workflow', { error: String(err) });
    }
  };

  if (request.kind === 'count') {
    let useUpdateShardCount = input.method !== 'SplitMerge';
    for (const target of verdict.steps) {
      const from = open.length;
      const stepStarted = Date.now();
      const updated = useUpdateShardCount ? await updateShardCount(target) : null;
      if (updated) {
        await complete(from, 'UpdateShardCount', [updated], stepStarted, 'count');
        continue;
      }
      useUpdateShardCount = false;
      const plan = planCountChange(open, target);
      const reports: ReshardCallReport[] = [];
      for (const call of plan) reports.push(await splitOrMerge(call));
      await complete(from, target > from ? 'SplitShard' : 'MergeShards', reports, stepStarted, 'count');
    }
  } else if (verdict.steps.length > 0) {
    const from = open.length;
    const stepStarted = Date.now();
    const call: ReshardCall =
      request.kind === 'split'
        ? { op: 'SplitShard', shardId: request.shardId, newStartingHashKey: verdict.newStartingHashKey ?? '' }
        : mergeCall(before.openShards, request.shardIds);
    const report = await splitOrMerge(call);
    await complete(
      from,
      call.op === 'SplitShard' ? 'SplitShard' : 'MergeShards',
      [report],
      stepStarted,
      request.kind,
    );
  }

  progress.phase = 'done';
  const finishedAt = isoNow();
  return {
    streamName,
    request,
    requestedBy: input.requestedBy ?? null,
    before: before.openShards,
    after: open,
    steps: progress.completedSteps,
    startedAt,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
    streamWorkflowNotified: streamWorkflowNotified && progress.completedSteps.length > 0,
    notes,
  };
}
