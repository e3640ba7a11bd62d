/**
 * Billable Temporal actions (Temporal Cloud's unit of price) counted from recorded histories,
 * plus the heartbeats that reached the server, which leave no history event and are read from
 * the dev server's own request counters (bench/server-metrics.ts).
 *
 * Counted per history event:
 * - workflow starts: `WorkflowExecutionStarted` (every run, so continue-as-new and child workflows too)
 * - activity starts: `ActivityTaskStarted`, each attempt (the event carries the attempt number of the
 *   attempt that completed; earlier attempts are counted from it). The server writes that event only
 *   when the activity finishes, so an activity still running (a shard's consuming loop) is counted
 *   from the workflow's pending activities instead (`pendingActivityStarts`)
 * - signals: `WorkflowExecutionSignaled` (counted where received, so client and workflow senders alike)
 * - search-attribute upserts: `UpsertWorkflowSearchAttributes`; memo upserts: `WorkflowPropertiesModified`
 * - timers: `TimerStarted`
 * - updates: `WorkflowExecutionUpdateAccepted`
 * - markers (side effects, local activities): `MarkerRecorded`
 * Queries are billed too but leave no event; the bench's own status queries are not the
 * consumer's cost and are left out.
 */
import { temporal } from '@temporalio/proto';

export type HistoryEventLike = temporal.api.history.v1.IHistoryEvent;
export type PendingActivityLike = Pick<temporal.api.workflow.v1.IPendingActivityInfo, 'state' | 'attempt'>;

const State = temporal.api.enums.v1.PendingActivityState;
/** States of an attempt that has started on a worker (a cancel or pause is asked of a running one). */
const RUNNING: ReadonlySet<unknown> = new Set([
  State.PENDING_ACTIVITY_STATE_STARTED,
  State.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED,
  State.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED,
]);

/**
 * Started attempts of activities that have not finished: the running attempt, if it started, and
 * every earlier attempt (each failed and was retried). Billed at their start; none of them is in
 * the history yet.
 */
export function pendingActivityStarts(pending: Iterable<PendingActivityLike>): number {
  let n = 0;
  for (const p of pending) {
    const attempt = Math.max(1, p.attempt ?? 1);
    n += RUNNING.has(p.state) ? attempt : attempt - 1;
  }
  return n;
}

/** What a reading adds to the histories' events: heartbeats at the server, activities still running. */
export interface BeyondHistory {
  heartbeats?: number;
  pendingActivities?: Iterable<PendingActivityLike>;
}

export interface BillableActions {
  workflowStarts: number;
  activityStarts: number;
  heartbeats: number;
  signals: number;
  searchAttributeUpserts: number;
  timers: number;
  updates: number;
  markers: number;
  total: number;
}

export const NO_ACTIONS: BillableActions = {
  workflowStarts: 0,
  activityStarts: 0,
  heartbeats: 0,
  signals: 0,
  searchAttributeUpserts: 0,
  timers: 0,
  updates: 0,
  markers: 0,
  total: 0,
};

function withTotal(a: Omit<BillableActions, 'total'>): BillableActions {
  const total =
    a.workflowStarts +
    a.activityStarts +
    a.heartbeats +
    a.signals +
    a.searchAttributeUpserts +
    a.timers +
    a.updates +
    a.markers;
  return { ...a, total };
}

/**
 * The billable actions in `events` (one or several histories), plus the heartbeats counted at the
 * server and the started attempts of the same workflows' pending activities.
 */
export function countBillableActions(
  events: Iterable<HistoryEventLike>,
  beyond: BeyondHistory = {},
): BillableActions {
  const a = {
    ...NO_ACTIONS,
    heartbeats: beyond.heartbeats ?? 0,
    activityStarts: pendingActivityStarts(beyond.pendingActivities ?? []),
  };
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) a.workflowStarts++;
    else if (e.activityTaskStartedEventAttributes)
      a.activityStarts += Math.max(1, e.activityTaskStartedEventAttributes.attempt ?? 1);
    else if (e.workflowExecutionSignaledEventAttributes) a.signals++;
    else if (e.upsertWorkflowSearchAttributesEventAttributes || e.workflowPropertiesModifiedEventAttributes)
      a.searchAttributeUpserts++;
    else if (e.timerStartedEventAttributes) a.timers++;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) a.updates++;
    else if (e.markerRecordedEventAttributes) a.markers++;
  }
  return withTotal(a);
}

export function addActions(x: BillableActions, y: BillableActions): BillableActions {
  return withTotal({
    workflowStarts: x.workflowStarts + y.workflowStarts,
    activityStarts: x.activityStarts + y.activityStarts,
    heartbeats: x.heartbeats + y.heartbeats,
    signals: x.signals + y.signals,
    searchAttributeUpserts: x.searchAttributeUpserts + y.searchAttributeUpserts,
    timers: x.timers + y.timers,
    updates: x.updates + y.updates,
    markers: x.markers + y.markers,
  });
}

/** Actions added between two readings of the same workflows (histories only grow). */
export function actionsSince(before: BillableActions, after: BillableActions): BillableActions {
  const d = (k: keyof BillableActions) => Math.max(0, after[k] - before[k]);
  return withTotal({
    workflowStarts: d('workflowStarts'),
    activityStarts: d('activityStarts'),
    heartbeats: d('heartbeats'),
    signals: d('signals'),
    searchAttributeUpserts: d('searchAttributeUpserts'),
    timers: d('timers'),
    updates: d('updates'),
    markers: d('markers'),
  });
}

/** `actions` scaled to a rate: per `per` records (e.g. 1,000), or per shard-hour. */
export function actionsPer(actions: number, amount: number, per: number): number {
  return amount > 0 ? (actions * per) / amount : Number.NaN;
}

/** Actions per shard-hour from a window of `seconds` over `shards` shards. */
export function perShardHour(actions: number, shards: number, seconds: number): number {
  return shards > 0 && seconds > 0 ? (actions * 3600) / (shards * seconds) : Number.NaN;
}
