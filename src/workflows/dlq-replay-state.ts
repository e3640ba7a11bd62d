/**
 * The DLQ replay workflow's decisions and state, with no Temporal import (unit-tested on their
 * own): when the run ends (stopped, enough messages, the queue quiet for the grace period), when
 * it waits for failed messages to come back, how much the next call may take, what the counts,
 * held receipt handles and last error become after each call, and the progress it reports.
 */
import type { CompiledDlqReplayOptions, DlqReplayOptions } from '../config/replay-options';
import { COMPILED_INPUT_VERSION, type CompiledMark } from '../config/raw-input';
import {
  type DlqReplayCounts,
  type HeldMessage,
  type ReplayDlqBatchResult,
  addCounts,
  emptyCounts,
} from '../dlq/replay-contract';
import type { DlqReplayEnd, DlqReplayProgress, DlqReplayRunState } from './dlq-replay-messages';
import { type FieldKind, shapeProblem } from './message-checks';

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

/** Compiled options as continued runs and older releases hold them: `state` absent on a first run. */
export interface CompiledDlqReplayWorkflowInput extends CompiledMark {
  options: CompiledDlqReplayOptions;
  state?: DlqReplayState;
}

/**
 * What the replay workflow takes: the options as in `ksp dlq replay --config` (what
 * `temporal workflow start` and `ksp dlq replay` pass), or compiled ones (src/config/raw-input.ts).
 */
export type DlqReplayWorkflowInput = { options: DlqReplayOptions } | CompiledDlqReplayWorkflowInput;

/** The input every field filled in: a first run gets a fresh state, a continued one its next run. */
export interface ReplayInput {
  options: CompiledDlqReplayOptions;
  state: DlqReplayState;
}

const COMPILED_OPTIONS = {
  queueUrl: ['string'],
  mode: ['string'],
  targetStream: ['string', 'null'],
  filters: ['object'],
  ratePerSecond: ['number', 'null'],
  maxMessages: ['number', 'null'],
  dryRun: ['boolean'],
  maxTries: ['number'],
  parkingQueueUrl: ['string', 'null'],
  parkUnreadable: ['boolean'],
  emptyGracePeriodMs: ['number'],
  retryDelayMs: ['number'],
  visibilityTimeoutMs: ['number'],
  holdForMs: ['number'],
  receiveWaitMs: ['number'],
  reportIntervalMs: ['number'],
  maxHistoryEvents: ['number'],
} satisfies Record<keyof CompiledDlqReplayOptions, readonly FieldKind[]>;

const COMPILED_FILTERS = {
  errorTypes: ['string[]'],
  streamNames: ['string[]'],
  shardIds: ['string[]'],
  since: ['string', 'null'],
  until: ['string', 'null'],
  partitionKeys: ['string[]'],
} satisfies Record<keyof CompiledDlqReplayOptions['filters'], readonly FieldKind[]>;

/** What is wrong with a DLQ replay workflow input, naming the field and the fix; null when fine. */
export function replayInputProblem(stored: unknown): string | null {
  const options = (stored as { options?: unknown } | null)?.options;
  const problem =
    shapeProblem(options, COMPILED_OPTIONS, 'options') ??
    shapeProblem((options as { filters: unknown }).filters, COMPILED_FILTERS, 'options.filters');
  return (
    problem &&
    `${problem}: start the replay with \`ksp dlq replay\`, which compiles the options (durations in ms, every field present)`
  );
}

/** The stored input upgraded once at the workflow's entry; `nowIso` starts a first run. */
export function upgradeReplayInput(stored: CompiledDlqReplayWorkflowInput, nowIso: string): ReplayInput {
  const state: DlqReplayState = stored.state
    ? { ...stored.state, run: stored.state.run + 1 }
    : {
        counts: emptyCounts(),
        held: [],
        heldDropped: 0,
        quietMs: 0,
        retryAt: null,
        lastError: null,
        startedAt: nowIso,
        run: 1,
      };
  return { options: stored.options, state };
}

/** What the workflow does next. */
export type ReplayStep =
  | { kind: 'end'; end: DlqReplayEnd }
  /** Failed messages are still hidden: wait until they are back (or a stop), then try again. */
  | { kind: 'wait-for-retries'; ms: number }
  | { kind: 'continue-as-new' }
  | { kind: 'replay'; maxMessages: number; idleWaitMs: number };

export class ReplayState {
  readonly options: CompiledDlqReplayOptions;
  readonly state: DlqReplayState;
  stopRequested = false;
  private runState: DlqReplayRunState = 'running';

  constructor(input: ReplayInput) {
    this.options = input.options;
    this.state = input.state;
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** The next step at `nowMs`; `historyFull` when the run should continue as new. */
  next(nowMs: number, historyFull: boolean): ReplayStep {
    const { options, state } = this;
    if (this.stopRequested) return { kind: 'end', end: 'stopped' };
    if (options.maxMessages !== null && state.counts.seen >= options.maxMessages)
      return { kind: 'end', end: 'max-messages' };
    if (state.quietMs > 0 && state.quietMs >= options.emptyGracePeriodMs) {
      const retryAt = state.retryAt === null ? 0 : Date.parse(state.retryAt);
      if (retryAt <= nowMs) return { kind: 'end', end: 'queue-empty' };
      return { kind: 'wait-for-retries', ms: retryAt - nowMs };
    }
    if (historyFull) return { kind: 'continue-as-new' };
    return {
      kind: 'replay',
      maxMessages:
        options.maxMessages === null ? Number.MAX_SAFE_INTEGER : options.maxMessages - state.counts.seen,
      idleWaitMs: Math.max(0, options.emptyGracePeriodMs - state.quietMs),
    };
  }

  /** After waiting for failed messages: they are visible again, the quiet period starts over. */
  retriesBack(): void {
    this.state.retryAt = null;
    this.state.quietMs = 0;
  }

  /** What one replay call did. */
  record(result: ReplayDlqBatchResult, nowIso: string): void {
    const { state } = this;
    state.counts = addCounts(state.counts, result.counts);
    this.keepHeld(result.held);
    if (result.retryAt !== null && (state.retryAt === null || result.retryAt > state.retryAt)) {
      state.retryAt = result.retryAt;
    }
    if (result.lastError) state.lastError = { ...result.lastError, at: nowIso };
    // A call that received nothing extends the quiet period the previous one started.
    state.quietMs = result.counts.seen > 0 ? result.idleMs : state.quietMs + result.idleMs;
  }

  private keepHeld(incoming: HeldMessage[]): void {
    const { state } = this;
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

  /** A replay call failed for good: the run stops with this error. */
  failed(error: { type: string; message: string }, nowIso: string): void {
    this.state.lastError = { ...error, at: nowIso };
  }

  /** The held messages were made visible again (or left to reappear after holdFor). */
  released(): void {
    this.state.held = [];
  }

  /** The run is over: how it ended, or, failed, the error to fail the workflow with. */
  finish(end: DlqReplayEnd | null): { end: DlqReplayEnd } | { type: string; message: string } {
    if (end === null) {
      this.runState = 'failed';
      const error = this.state.lastError ?? { type: 'KspReplayFailed', message: 'unknown error' };
      return {
        type: error.type,
        message: `DLQ replay of ${this.options.queueUrl} stopped: ${error.message}`,
      };
    }
    this.runState = end === 'stopped' ? 'stopped' : 'completed';
    return { end };
  }

  progress(nowMs: number): DlqReplayProgress {
    const { options, state } = this;
    return {
      ...state.counts,
      queueUrl: options.queueUrl,
      mode: options.mode,
      dryRun: options.dryRun,
      state: this.stopRequested && this.runState === 'running' ? 'stopping' : this.runState,
      held: state.held.length + state.heldDropped,
      emptySince: state.quietMs > 0 ? new Date(nowMs - state.quietMs).toISOString() : null,
      lastError: state.lastError,
      startedAt: state.startedAt,
      updatedAt: new Date(nowMs).toISOString(),
      run: state.run,
    };
  }

  /** What the next run starts from. */
  continued(): CompiledDlqReplayWorkflowInput {
    return { compiled: COMPILED_INPUT_VERSION, options: this.options, state: this.state };
  }
}
