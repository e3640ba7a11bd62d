/**
 * Section 3a, Temporal history per 10,000 records: the shard workflows' events (every run,
 * continue-as-new included) after ksp drains, against the floor of 6 events per batch activity
 * (activity scheduled/started/completed + the workflow task that schedules the next one).
 */
import type { DrainRun } from './drain';
import { groupByRole, sumCounts } from './history-count';

/** Events one activity call costs at least: ActivityTask{Scheduled,Started,Completed} + WorkflowTask{Scheduled,Started,Completed}. */
export const FLOOR_EVENTS_PER_ACTIVITY = 6;

export interface RecordsHistory {
  backend: string;
  /** ksp drains counted. */
  drains: number;
  records: number;
  shardWorkflowRuns: number;
  shardEvents: number;
  shardEventsPer10k: number;
  byRolePer10k: Record<string, number>;
  activitiesPer10k: number;
  eventsPerActivity: number;
  floorPer10k: number;
  /** Per stream, whatever its size: discovery and starting the shard workflows. */
  streamWorkflowEvents: number;
  heartbeatsPer10k: number | null;
}

export function recordsHistory(backend: string, runs: readonly DrainRun[]): RecordsHistory | null {
  const ksp = runs.filter((r) => r.consumer === 'ksp');
  if (ksp.length === 0) return null;
  const records = ksp.reduce((n, r) => n + r.records, 0);
  const shards = sumCounts(ksp.flatMap((r) => (r.shardHistory ? [r.shardHistory] : [])));
  const streams = sumCounts(ksp.flatMap((r) => (r.streamHistory ? [r.streamHistory] : [])));
  const per10k = (n: number) => (n * 10_000) / records;
  const activities = shards.byType.ActivityTaskScheduled ?? 0;
  const heartbeats = ksp.map((r) => r.heartbeats);
  return {
    backend,
    drains: ksp.length,
    records,
    shardWorkflowRuns: shards.runs,
    shardEvents: shards.events,
    shardEventsPer10k: per10k(shards.events),
    byRolePer10k: Object.fromEntries(
      Object.entries(groupByRole(shards.byType)).map(([k, n]) => [k, per10k(n)]),
    ),
    activitiesPer10k: per10k(activities),
    eventsPerActivity: activities > 0 ? shards.events / activities : Number.NaN,
    floorPer10k: per10k(activities * FLOOR_EVENTS_PER_ACTIVITY),
    streamWorkflowEvents: streams.events / ksp.length,
    heartbeatsPer10k: heartbeats.some((h) => h === null)
      ? null
      : per10k(heartbeats.reduce((n: number, h) => n + (h ?? 0), 0)),
  };
}
