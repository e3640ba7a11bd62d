/**
 * Query and signal of the DLQ replay workflow, its stable workflow ID and the progress it reports.
 * Shared by the workflow, the `ksp dlq` commands and the Temporal CLI (by name).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DlqReplayCounts } from '../dlq/replay-contract';
import type { ReplayMode } from '../config/replay-options';

/** One replay per queue at a time: `ksp:dlq-replay:<queue URL>`. */
export function dlqReplayWorkflowId(queueUrl: string): string {
  return `ksp:dlq-replay:${queueUrl}`;
}

export type DlqReplayRunState = 'running' | 'stopping' | 'completed' | 'stopped' | 'failed';

/** Why a replay run ended. */
export type DlqReplayEnd = 'queue-empty' | 'max-messages' | 'stopped';

export interface DlqReplayProgress extends DlqReplayCounts {
  queueUrl: string;
  mode: ReplayMode;
  dryRun: boolean;
  state: DlqReplayRunState;
  /** Messages hidden by this run that it makes visible again when it ends. */
  held: number;
  /** When the queue was last seen empty, if it still is; ISO-8601. */
  emptySince: string | null;
  lastError: { type: string; message: string; at: string } | null;
  startedAt: string;
  updatedAt: string;
  /** Runs since the workflow started (continue-as-new count + 1). */
  run: number;
}

export interface DlqReplayResult {
  end: DlqReplayEnd;
  progress: DlqReplayProgress;
}

export const dlqReplayProgressQuery = defineQuery<DlqReplayProgress>('progress');
/** Finish the message in hand, make held messages visible again, and complete. Prefer the Update. */
export const stopDlqReplaySignal = defineSignal<[]>('stop');
/**
 * The same stop as an Update (`temporal workflow update execute --name stop`): answers the
 * progress it leaves, state "stopping"; a payload is rejected by its validator, never in history.
 */
export const stopDlqReplayUpdate = defineUpdate<DlqReplayProgress, []>('stop');
