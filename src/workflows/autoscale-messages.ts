/**
 * The autoscale workflow's input, state, status query and stop signal. Shared by the workflow,
 * the `ksp autoscale` command and tests.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AutoscaleOptions, CompiledAutoscaleOptions } from '../config/autoscale-options';
import type { CompiledMark } from '../config/raw-input';
import { WORKFLOW_ID_PREFIX } from '../constants';
import type { LoadInterval, LoadSample } from './autoscale-load';
import type { AutoscaleDecision } from './autoscale-policy';

/** Stable ID of a stream's autoscale workflow: at most one per stream. */
export function autoscaleWorkflowId(streamName: string): string {
  return `${WORKFLOW_ID_PREFIX}:${streamName}:autoscale`;
}

/** A decision as kept in the workflow: consecutive holds for the same reason fold into one entry. */
export interface RecordedDecision extends AutoscaleDecision {
  /** How many consecutive decisions this entry stands for (1 unless folded). */
  count: number;
  /** Time of the last decision folded into this entry. */
  lastAt: string;
  /** What came of a scale-up or scale-down; null for a hold. */
  outcome: {
    status: 'completed' | 'failed' | 'skipped' | 'dry-run';
    detail: string;
    reshardWorkflowId: string | null;
  } | null;
}

/** Everything the autoscale workflow carries across continue-as-new: plain JSON only. */
export interface AutoscaleState {
  /** The newest sample (per-shard counters for the next interval); null after a change. */
  latest: LoadSample | null;
  /** Load intervals since the last change, oldest first, as long as the longest window. */
  intervals: LoadInterval[];
  decisions: RecordedDecision[];
  /** Workflow time of the last change this autoscaler made. */
  lastChangeAt: number | null;
  lagHold: { until: number; shards: number } | null;
  run: number;
}

/** Compiled options, as a continued run or an older release stored them. */
export interface CompiledAutoscaleWorkflowInput extends CompiledMark {
  options: CompiledAutoscaleOptions;
  state?: AutoscaleState;
}

/**
 * What the autoscale workflow takes: the options as in `ksp autoscale --config` (what
 * `temporal workflow start` and `ksp autoscale` pass), or compiled ones (src/config/raw-input.ts).
 */
export type AutoscaleWorkflowInput = { options: AutoscaleOptions } | CompiledAutoscaleWorkflowInput;

export interface AutoscaleStatus {
  streamName: string;
  state: 'running' | 'resharding' | 'stopping';
  options: CompiledAutoscaleOptions;
  /** Oldest first, at most `options.maxDecisions`. */
  decisions: RecordedDecision[];
  lastChangeAt: string | null;
  lagHold: { until: string; shards: number } | null;
  latest: Omit<LoadSample, 'shards'> | null;
  intervals: number;
  run: number;
}

export interface AutoscaleResult {
  streamName: string;
  decisions: RecordedDecision[];
  run: number;
}

export const autoscaleStatusQuery = defineQuery<AutoscaleStatus>('status');
/** Stop after the decision (and reshard) in flight. Kept for older callers: prefer the Update. */
export const stopAutoscaleSignal = defineSignal<[]>('stop');
/**
 * The same stop as an Update (`temporal workflow update execute --name stop`): answers the status
 * it leaves, state "stopping"; a payload is rejected by its validator and never enters history.
 */
export const stopAutoscaleUpdate = defineUpdate<AutoscaleStatus, []>('stop');
