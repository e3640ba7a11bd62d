/**
 * The autoscale workflow's input, state, status query and stop signal. Shared by the workflow,
 * the `ksp autoscale` command and tests.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CompiledAutoscaleOptions } from '../config/autoscale-options';
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

export interface AutoscaleWorkflowInput {
  options: CompiledAutoscaleOptions;
  state?: AutoscaleState;
}

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
/** Stop after the decision (and reshard) in flight. */
export const stopAutoscaleSignal = defineSignal<[]>('stop');
