/**
 * Counts the history events of a workflow across all its runs: the current run's history, then
 * each earlier run it continued from (`continuedExecutionRunId` on the first event), so
 * continue-as-new does not hide events.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export interface HistoryCount {
  runs: number;
  events: number;
  /** Event type (e.g. `ActivityTaskScheduled`) → count. */
  byType: Record<string, number>;
}

export type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

/** `activityTaskScheduledEventAttributes` → `ActivityTaskScheduled`. */
function eventTypeName(event: HistoryEvent): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k as keyof HistoryEvent]);
  if (!key) return `EventType${String(event.eventType)}`;
  const name = key.slice(0, -'EventAttributes'.length);
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export async function countHistory(client: Client, workflowId: string): Promise<HistoryCount> {
  const count: HistoryCount = { runs: 0, events: 0, byType: {} };
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    count.runs++;
    count.events += events.length;
    for (const event of events) {
      const type = eventTypeName(event);
      count.byType[type] = (count.byType[type] ?? 0) + 1;
    }
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId !== undefined);
  return count;
}

/** What was added between two counts of the same workflows. */
export function countSince(before: HistoryCount, after: HistoryCount): HistoryCount {
  const byType: Record<string, number> = {};
  for (const [type, n] of Object.entries(after.byType)) {
    const added = n - (before.byType[type] ?? 0);
    if (added > 0) byType[type] = added;
  }
  return { runs: after.runs - before.runs, events: after.events - before.events, byType };
}

/** Adds several counts (e.g. every shard workflow of a stream). */
export function sumCounts(counts: readonly HistoryCount[]): HistoryCount {
  const total: HistoryCount = { runs: 0, events: 0, byType: {} };
  for (const c of counts) {
    total.runs += c.runs;
    total.events += c.events;
    for (const [type, n] of Object.entries(c.byType)) total.byType[type] = (total.byType[type] ?? 0) + n;
  }
  return total;
}

const ROLES: Array<[RegExp, string]> = [
  [/^WorkflowTask/, 'workflow task'],
  [/^ActivityTask/, 'activity'],
  [/Signal/, 'signal'],
  [/^Timer/, 'timer'],
  [/^UpsertWorkflowSearchAttributes$/, 'search attributes'],
];

/** Events per role in the loop: workflow tasks, activities, signals, timers, search attributes, other. */
export function groupByRole(byType: Record<string, number>): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const [type, n] of Object.entries(byType)) {
    const role = ROLES.find(([pattern]) => pattern.test(type))?.[1] ?? 'other';
    groups[role] = (groups[role] ?? 0) + n;
  }
  return groups;
}

/** Every event of a workflow, all its runs (continue-as-new followed back), oldest run last. */
export async function historyEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const all: HistoryEvent[] = [];
  let runId: string | undefined;
  do {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    all.push(...events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId !== undefined);
  return all;
}

/**
 * What the billable actions of some workflows are counted from (billable-actions.ts): every event
 * of their histories, and their current runs' pending activities (the only run that can have any).
 */
export async function workflowActivity(
  client: Client,
  workflowIds: readonly string[],
): Promise<{ events: HistoryEvent[]; pendingActivities: temporal.api.workflow.v1.IPendingActivityInfo[] }> {
  const [events, pending] = await Promise.all([
    Promise.all(workflowIds.map((id) => historyEvents(client, id))),
    Promise.all(
      workflowIds.map(
        async (id) => (await client.workflow.getHandle(id).describe()).raw.pendingActivities ?? [],
      ),
    ),
  ]);
  return { events: events.flat(), pendingActivities: pending.flat() };
}
