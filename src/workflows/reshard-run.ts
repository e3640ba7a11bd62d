/**
 * The decisions of one reshard, with no Temporal import (unit-tested on their own): which
 * control-plane call comes next, when to wait for ACTIVE, when to fall back from UpdateShardCount
 * to planned splits and merges, what each step reports and what the stream workflow is told.
 * The workflow (reshard.ts) runs `next()` and reports each outcome back.
 */
import { type Refusal, type ReshardVerdict, type StreamShape, checkReshard } from './reshard-limits';
import type {
  OpenShard,
  ReshardCall,
  ReshardCallReport,
  ReshardProgress,
  ReshardRequest,
  ReshardResult,
  ReshardStepReport,
} from './reshard-messages';
import { planCountChange } from './reshard-plan';
import type { ReshardInput } from './reshard-input';
import type { ReshardLedgerEntry } from './stream-messages';

/** What the workflow does next. */
export type ReshardAction =
  | { kind: 'update-shard-count'; targetShardCount: number }
  | { kind: 'split'; args: { shardId: string; newStartingHashKey: string } }
  | { kind: 'merge'; args: { shardId: string; adjacentShardId: string } }
  | { kind: 'wait-for-active'; args: { openShardCount?: number; closedShardIds?: string[] } }
  | { kind: 'notify-stream'; entry: Omit<ReshardLedgerEntry, 'workflowId'> }
  | { kind: 'done' };

/** One change of the shard count in progress. */
interface Step {
  from: number;
  startedMs: number;
  method: ReshardStepReport['method'];
  kind: ReshardLedgerEntry['kind'];
  /** Calls still to make, in order. */
  calls: ReshardCall[];
  reports: ReshardCallReport[];
}

/** A merge with the lower hash range first (kinesalite refuses the other order; AWS takes both). */
export function mergeCall(open: readonly OpenShard[], [a, b]: [string, string]): ReshardCall {
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

function callAction(call: ReshardCall): ReshardAction {
  switch (call.op) {
    case 'UpdateShardCount':
      return { kind: 'update-shard-count', targetShardCount: call.targetShardCount };
    case 'SplitShard':
      return { kind: 'split', args: { shardId: call.shardId, newStartingHashKey: call.newStartingHashKey } };
    case 'MergeShards':
      return { kind: 'merge', args: { shardId: call.shardId, adjacentShardId: call.adjacentShardId } };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class ReshardRun {
  readonly progress: ReshardProgress;
  private readonly notes: string[] = [];
  private before: OpenShard[] = [];
  private open: OpenShard[] = [];
  private streamWorkflowFound = false;
  private streamWorkflowNotified = false;
  /** Shard counts still to reach, for a count change; the single split or merge otherwise. */
  private pending: Array<number | ReshardCall> = [];
  private useUpdateShardCount: boolean;
  private step: Step | null = null;
  /** The call made and not yet seen ACTIVE, with when it started. */
  private inFlight: { call: ReshardCall; startedMs: number } | null = null;
  private notify: Omit<ReshardLedgerEntry, 'workflowId'> | null = null;

  constructor(
    private readonly input: ReshardInput,
    private readonly startedMs: number,
  ) {
    this.useUpdateShardCount = input.method !== 'SplitMerge';
    this.progress = {
      streamName: input.streamName,
      request: input.request,
      phase: 'validating',
      from: null,
      plannedSteps: [],
      completedSteps: [],
      startedAt: iso(startedMs),
    };
  }

  /**
   * Checks every limit on the stream as it is and the ledger of recent changes; returns the
   * refusal (nothing changed), or null and plans the steps.
   */
  check(
    shape: StreamShape,
    ledger: { entries: ReshardLedgerEntry[]; streamWorkflowFound: boolean },
    nowMs: number,
    streamWorkflowId: string,
  ): Refusal | null {
    const { request } = this.input;
    const verdict = checkReshard(request, shape, ledger.entries, { maxShards: this.input.maxShards, nowMs });
    if (!verdict.ok) return verdict;
    this.before = shape.openShards;
    this.open = shape.openShards;
    this.progress.from = shape.openShards.length;
    this.progress.plannedSteps = verdict.steps;
    this.progress.phase = 'resharding';
    this.streamWorkflowFound = ledger.streamWorkflowFound;
    this.streamWorkflowNotified = ledger.streamWorkflowFound;
    if (!ledger.streamWorkflowFound) {
      this.notes.push(
        `no stream workflow ${streamWorkflowId}: nothing consumes this stream with ksp, and its 24 h budget of count changes was not checked against earlier ones`,
      );
    }
    this.pending = request.kind === 'count' ? [...verdict.steps] : this.singleCall(request, verdict);
    return null;
  }

  private singleCall(
    request: Exclude<ReshardRequest, { kind: 'count' }>,
    verdict: ReshardVerdict,
  ): ReshardCall[] {
    if (!verdict.ok || verdict.steps.length === 0) return [];
    if (request.kind === 'merge') return [mergeCall(this.before, request.shardIds)];
    return [
      { op: 'SplitShard', shardId: request.shardId, newStartingHashKey: verdict.newStartingHashKey ?? '' },
    ];
  }

  /** The next thing to do; `nowMs` is when it starts. */
  next(nowMs: number): ReshardAction {
    if (this.inFlight) {
      this.progress.phase = 'waiting-for-active';
      return { kind: 'wait-for-active', args: visibleChange(this.inFlight.call) };
    }
    if (this.notify) return { kind: 'notify-stream', entry: this.notify };
    if (this.step) {
      const call = this.step.calls.shift();
      if (call) {
        this.inFlight = { call, startedMs: nowMs };
        return callAction(call);
      }
      this.completeStep(nowMs);
      return this.next(nowMs);
    }
    const upcoming = this.pending.shift();
    if (upcoming === undefined) {
      this.progress.phase = 'done';
      return { kind: 'done' };
    }
    const from = this.open.length;
    if (typeof upcoming !== 'number') {
      const method = upcoming.op === 'SplitShard' ? 'SplitShard' : 'MergeShards';
      const kind = this.input.request.kind;
      this.step = { from, startedMs: nowMs, method, kind, calls: [upcoming], reports: [] };
    } else if (this.useUpdateShardCount) {
      const call: ReshardCall = { op: 'UpdateShardCount', targetShardCount: upcoming };
      this.step = {
        from,
        startedMs: nowMs,
        method: 'UpdateShardCount',
        kind: 'count',
        calls: [call],
        reports: [],
      };
    } else {
      this.step = this.plannedStep(upcoming, nowMs);
    }
    return this.next(nowMs);
  }

  private plannedStep(target: number, startedMs: number): Step {
    const from = this.open.length;
    const method = target > from ? 'SplitShard' : 'MergeShards';
    return { from, startedMs, method, kind: 'count', calls: planCountChange(this.open, target), reports: [] };
  }

  /**
   * UpdateShardCount answered. Unsupported: the refusal message where the input asked for that
   * method only; otherwise null, and this step and the next are planned splits or merges.
   */
  updateShardCountAnswered(supported: boolean): string | null {
    const call = this.inFlight?.call;
    if (supported || call?.op !== 'UpdateShardCount' || !this.step) return null;
    if (this.input.method === 'UpdateShardCount') {
      return 'this Kinesis backend has no UpdateShardCount: reshard with method "auto" or "SplitMerge"';
    }
    this.notes.push('the backend has no UpdateShardCount: made the equivalent SplitShard/MergeShards calls');
    this.useUpdateShardCount = false;
    this.inFlight = null;
    const planned = this.plannedStep(call.targetShardCount, this.step.startedMs);
    this.step = { ...planned, from: this.step.from };
    return null;
  }

  /** The stream was seen ACTIVE with the change of the call in flight. */
  active(seen: { activeAt: string; openShards: OpenShard[] }, nowMs: number): void {
    if (!this.inFlight || !this.step) return;
    this.open = seen.openShards;
    this.progress.phase = 'resharding';
    const { call, startedMs } = this.inFlight;
    this.step.reports.push({ call, durationMs: nowMs - startedMs, activeAt: seen.activeAt });
    this.inFlight = null;
  }

  private completeStep(nowMs: number): void {
    const step = this.step;
    if (!step) return;
    this.step = null;
    const activeAt = step.reports[step.reports.length - 1]?.activeAt ?? iso(nowMs);
    this.progress.completedSteps.push({
      from: step.from,
      to: this.open.length,
      method: step.method,
      calls: step.reports,
      startedAt: iso(step.startedMs),
      activeAt,
      durationMs: nowMs - step.startedMs,
    });
    if (this.streamWorkflowFound) {
      this.notify = {
        at: activeAt,
        from: step.from,
        to: this.open.length,
        kind: step.kind,
        method: step.method,
      };
    }
  }

  /** The stream workflow was told of the step, or could not be (`error` says why). */
  notified(error: string | null, streamWorkflowId: string): void {
    this.notify = null;
    if (error === null) return;
    this.streamWorkflowNotified = false;
    this.notes.push(`could not tell ${streamWorkflowId} (${error}): send it \`rediscover\``);
  }

  result(finishedMs: number): ReshardResult {
    return {
      streamName: this.input.streamName,
      request: this.input.request,
      requestedBy: this.input.requestedBy,
      before: this.before,
      after: this.open,
      steps: this.progress.completedSteps,
      startedAt: this.progress.startedAt,
      finishedAt: iso(finishedMs),
      durationMs: finishedMs - this.startedMs,
      streamWorkflowNotified: this.streamWorkflowNotified && this.progress.completedSteps.length > 0,
      notes: this.notes,
    };
  }
}
