/**
 * Timings read from a workflow's history (server timestamps): how long an idle shard's poll cycle
 * lasts, and what one batch costs in Temporal round trips between two batch activities.
 */
import type { Client } from '@temporalio/client';
import type { HistoryEvent } from './history-count';
import { mean } from './stats';

/** A protobuf timestamp as epoch ms (null when absent); seconds as a number, a Long or a string. */
export function timestampMs(
  t: { seconds?: unknown; nanos?: number | null } | null | undefined,
): number | null {
  if (!t) return null;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** A history event's server time, epoch ms. */
export function eventTimeMs(event: HistoryEvent): number {
  return timestampMs(event.eventTime) ?? 0;
}

async function currentRunEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/**
 * Seconds between consecutive ActivityTaskScheduled events of the current run scheduled after
 * `sinceMs` (epoch): for an idle shard, the length of each poll cycle.
 */
export async function activityIntervals(
  client: Client,
  workflowId: string,
  sinceMs: number,
): Promise<number[]> {
  const times = (await currentRunEvents(client, workflowId))
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map(eventTimeMs)
    .filter((t) => t >= sinceMs);
  return times.slice(1).map((t, i) => (t - (times[i] as number)) / 1000);
}

/** Between one batch activity completing and the next one running, in ms (means). */
export interface Turnaround {
  /** Completed → next ActivityTaskScheduled: the workflow task that checkpoints and schedules. */
  workflowTaskMs: number;
  /** ActivityTaskScheduled → ActivityTaskStarted: until a worker picked the next batch up. */
  scheduleToStartMs: number;
  samples: number;
}

/** The Temporal round trips between consecutive batch activities of the current run. */
export async function batchTurnaround(client: Client, workflowId: string): Promise<Turnaround> {
  const scheduled = new Map<number, number>();
  const started = new Map<number, number>();
  const completed: Array<{ scheduledId: number; at: number }> = [];
  for (const e of await currentRunEvents(client, workflowId)) {
    const id = Number(e.eventId);
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, eventTimeMs(e));
    const start = e.activityTaskStartedEventAttributes;
    if (start) started.set(Number(start.scheduledEventId), eventTimeMs(e));
    const done = e.activityTaskCompletedEventAttributes;
    if (done) completed.push({ scheduledId: Number(done.scheduledEventId), at: eventTimeMs(e) });
  }
  const scheduledIds = [...scheduled.keys()].sort((a, b) => a - b);
  const workflowTask: number[] = [];
  const toStart: number[] = [];
  for (const { scheduledId, at } of completed) {
    const next = scheduledIds.find((id) => id > scheduledId);
    if (next === undefined) continue;
    workflowTask.push((scheduled.get(next) as number) - at);
    const nextStart = started.get(next);
    if (nextStart !== undefined) toStart.push(nextStart - (scheduled.get(next) as number));
  }
  return {
    workflowTaskMs: mean(workflowTask),
    scheduleToStartMs: mean(toStart),
    samples: workflowTask.length,
  };
}

/** Several workflows' turnarounds as one, weighted by their samples. */
export function combineTurnarounds(list: readonly Turnaround[]): Turnaround {
  const withSamples = list.filter((t) => t.samples > 0);
  const samples = withSamples.reduce((n, t) => n + t.samples, 0);
  const weighted = (pick: (t: Turnaround) => number) =>
    samples === 0 ? Number.NaN : withSamples.reduce((sum, t) => sum + pick(t) * t.samples, 0) / samples;
  return {
    workflowTaskMs: weighted((t) => t.workflowTaskMs),
    scheduleToStartMs: weighted((t) => t.scheduleToStartMs),
    samples,
  };
}
