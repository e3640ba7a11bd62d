/**
 * The autoscale workflow's decisions and state, with no Temporal import (unit-tested on their
 * own): samples in, the pure policy's decision recorded with its reason (repeats folded), what to
 * ask the reshard workflow, and what came of it. The workflow (autoscale.ts) measures, runs the
 * reshard child and waits; everything it carries across continue-as-new is `state`.
 */
import type { CompiledAutoscaleOptions } from '../config/autoscale-options';
import { COMPILED_INPUT_VERSION } from '../config/raw-input';
import type {
  AutoscaleState,
  AutoscaleStatus,
  CompiledAutoscaleWorkflowInput,
  RecordedDecision,
} from './autoscale-messages';
import { type LoadSample, toInterval } from './autoscale-load';
import { type AutoscaleDecision, decide } from './autoscale-policy';
import type { ReshardResult, ReshardWorkflowInput } from './reshard-messages';
import type { ReshardLedgerEntry } from './stream-messages';
import { type FieldKind, shapeProblem } from './message-checks';

/** The input every field filled in: a first run gets a fresh state, a continued one its next run. */
export interface AutoscaleInput {
  options: CompiledAutoscaleOptions;
  state: AutoscaleState;
}

const COMPILED_OPTIONS = {
  streamName: ['string'],
  minShards: ['number'],
  maxShards: ['number'],
  scaleUpThreshold: ['number'],
  scaleDownThreshold: ['number'],
  targetUtilisation: ['number'],
  scaleUpWindowMs: ['number'],
  scaleDownWindowMs: ['number'],
  cooldownMs: ['number'],
  sampleIntervalMs: ['number'],
  maxLagMs: ['number', 'null'],
  lagHoldMs: ['number'],
  reserveForScaleUp: ['number'],
  dryRun: ['boolean'],
  maxDecisions: ['number'],
  maxHistoryEvents: ['number'],
} satisfies Record<keyof CompiledAutoscaleOptions, readonly FieldKind[]>;

/** What is wrong with an autoscale workflow input, naming the field and the fix; null when fine. */
export function autoscaleInputProblem(stored: unknown): string | null {
  const options = (stored as { options?: unknown } | null)?.options;
  const problem = shapeProblem(options, COMPILED_OPTIONS, 'options');
  return (
    problem &&
    `${problem}: start autoscaling with \`ksp autoscale\`, which compiles the options (durations in ms, every field present)`
  );
}

/** The stored input (`state` absent on the first run), upgraded once at the workflow's entry. */
export function upgradeAutoscaleInput(stored: CompiledAutoscaleWorkflowInput): AutoscaleInput {
  const state: AutoscaleState = stored.state
    ? { ...stored.state, run: stored.state.run + 1 }
    : { latest: null, intervals: [], decisions: [], lastChangeAt: null, lagHold: null, run: 1 };
  return { options: stored.options, state };
}

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

/** A change the policy asked for, on its way to the reshard workflow. */
export interface PendingChange {
  decision: AutoscaleDecision;
  entry: RecordedDecision;
  to: number;
}

export class Autoscaler {
  readonly options: CompiledAutoscaleOptions;
  readonly state: AutoscaleState;
  stopRequested = false;
  private resharding = false;
  private readonly keepIntervals: number;

  constructor(input: AutoscaleInput) {
    this.options = input.options;
    this.state = input.state;
    const longestWindow = Math.max(this.options.scaleUpWindowMs, this.options.scaleDownWindowMs);
    this.keepIntervals = Math.ceil(longestWindow / this.options.sampleIntervalMs) + 1;
  }

  stop(): void {
    this.stopRequested = true;
  }

  status(): AutoscaleStatus {
    const { state } = this;
    return {
      streamName: this.options.streamName,
      state: this.stopRequested ? 'stopping' : this.resharding ? 'resharding' : 'running',
      options: this.options,
      decisions: state.decisions,
      lastChangeAt: state.lastChangeAt === null ? null : new Date(state.lastChangeAt).toISOString(),
      lagHold: state.lagHold && {
        until: new Date(state.lagHold.until).toISOString(),
        shards: state.lagHold.shards,
      },
      latest: state.latest && withoutShards(state.latest),
      intervals: state.intervals.length,
      run: state.run,
    };
  }

  /** The load could not be measured: a hold that says why, and the window starts again. */
  measureFailed(message: string, nowMs: number): void {
    recordDecision(
      this.state.decisions,
      {
        at: new Date(nowMs).toISOString(),
        action: 'hold',
        code: 'no-measurement',
        reason: `cannot measure the load: ${message}`,
        from: this.state.latest?.openShardCount ?? 0,
        to: null,
        metrics: null,
      },
      this.options.maxDecisions,
    );
    this.forgetLoad();
  }

  /**
   * A sample and the ledger of recent changes: the decision, recorded. Returns the change to make,
   * or null (a hold, or a dry run that only records what it would do).
   */
  measured(sample: LoadSample, ledger: ReshardLedgerEntry[], nowMs: number): PendingChange | null {
    this.ingest(sample);
    const decision = decide({
      options: this.options,
      now: nowMs,
      latest: sample,
      intervals: this.state.intervals,
      ledger,
      lastChangeAt: this.state.lastChangeAt,
      lagHold: this.state.lagHold,
    });
    const entry = recordDecision(this.state.decisions, decision, this.options.maxDecisions);
    if (decision.action === 'hold') return null;
    if (this.options.dryRun) {
      entry.outcome = { status: 'dry-run', detail: 'dryRun: no reshard', reshardWorkflowId: null };
      return null;
    }
    this.resharding = true;
    return { decision, entry, to: decision.to ?? decision.from };
  }

  /** Takes a sample into the window; a pair that is no evidence (a change, UPDATING) restarts it. */
  private ingest(sample: LoadSample): void {
    const previous = this.state.latest;
    this.state.latest = sample;
    if (!previous) return;
    const interval = toInterval(previous, sample);
    if ('skipped' in interval) this.state.intervals = [];
    else this.state.intervals = [...this.state.intervals, interval].slice(-this.keepIntervals);
  }

  /** What the reshard workflow is asked to do for a change. */
  reshardInput(change: PendingChange, requestedBy: string): ReshardWorkflowInput {
    return {
      streamName: this.options.streamName,
      request: { kind: 'count', targetShardCount: change.to },
      maxShards: this.options.maxShards,
      requestedBy,
    };
  }

  reshardCompleted(
    change: PendingChange,
    result: ReshardResult,
    reshardWorkflowId: string,
    nowMs: number,
  ): void {
    const seconds = Math.round(result.durationMs / 1000);
    change.entry.outcome = {
      status: 'completed',
      detail: `${result.before.length} → ${result.after.length} shards in ${seconds}s (${result.steps.map((s) => s.method).join(', ')})`,
      reshardWorkflowId,
    };
    this.state.lastChangeAt = nowMs;
    if (change.decision.code === 'scale-up-lag') {
      this.state.lagHold = { until: nowMs + this.options.lagHoldMs, shards: change.to };
    }
    this.reshardOver();
  }

  /** Another reshard of the stream was running: nothing changed, no cooldown. */
  reshardSkipped(change: PendingChange, reshardWorkflowId: string): void {
    change.entry.outcome = {
      status: 'skipped',
      detail: `another reshard of the stream is running (${reshardWorkflowId})`,
      reshardWorkflowId,
    };
    this.reshardOver();
  }

  /** Refused or failed: wait a cooldown before trying again, rather than hammering. */
  reshardFailed(change: PendingChange, message: string, reshardWorkflowId: string, nowMs: number): void {
    change.entry.outcome = { status: 'failed', detail: message, reshardWorkflowId };
    this.state.lastChangeAt = nowMs;
    this.reshardOver();
  }

  private reshardOver(): void {
    this.resharding = false;
    this.forgetLoad();
  }

  private forgetLoad(): void {
    this.state.latest = null;
    this.state.intervals = [];
  }

  /** What the next run starts from. */
  continued(): CompiledAutoscaleWorkflowInput {
    return { compiled: COMPILED_INPUT_VERSION, options: this.options, state: this.state };
  }
}
