import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import {
  type HistoryEventLike,
  actionsSince,
  addActions,
  countBillableActions,
  pendingActivityStarts,
  perShardHour,
} from '../../bench/billable-actions';
import { frontendRequests } from '../../bench/server-metrics';

const e = (attrs: HistoryEventLike): HistoryEventLike => attrs;

describe('countBillableActions', () => {
  it('counts each billable event kind once and ignores workflow tasks and completions', () => {
    const events = [
      e({ workflowExecutionStartedEventAttributes: {} }),
      e({ workflowTaskScheduledEventAttributes: {} }),
      e({ workflowTaskStartedEventAttributes: {} }),
      e({ workflowTaskCompletedEventAttributes: {} }),
      e({ activityTaskScheduledEventAttributes: {} }),
      e({ activityTaskStartedEventAttributes: { attempt: 1 } }),
      e({ activityTaskCompletedEventAttributes: {} }),
      e({ workflowExecutionSignaledEventAttributes: {} }),
      e({ upsertWorkflowSearchAttributesEventAttributes: {} }),
      e({ timerStartedEventAttributes: {} }),
      e({ timerFiredEventAttributes: {} }),
      e({ workflowExecutionUpdateAcceptedEventAttributes: {} }),
      e({ workflowExecutionUpdateCompletedEventAttributes: {} }),
      e({ markerRecordedEventAttributes: {} }),
      e({ workflowExecutionContinuedAsNewEventAttributes: {} }),
    ];
    expect(countBillableActions(events, { heartbeats: 4 })).toEqual({
      workflowStarts: 1,
      activityStarts: 1,
      heartbeats: 4,
      signals: 1,
      searchAttributeUpserts: 1,
      timers: 1,
      updates: 1,
      markers: 1,
      total: 11,
    });
  });

  it('counts every attempt of a retried activity from the attempt number of its started event', () => {
    const events = [e({ activityTaskStartedEventAttributes: { attempt: 3 } })];
    expect(countBillableActions(events).activityStarts).toBe(3);
  });

  it('counts the started attempts of activities still running, which history holds only once they finish', () => {
    const State = temporal.api.enums.v1.PendingActivityState;
    const pending = [
      { state: State.PENDING_ACTIVITY_STATE_STARTED, attempt: 1 }, // a consuming loop: 1
      { state: State.PENDING_ACTIVITY_STATE_SCHEDULED, attempt: 1 }, // not picked up yet: 0
      { state: State.PENDING_ACTIVITY_STATE_SCHEDULED, attempt: 3 }, // waiting to retry after two: 2
      { state: State.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED, attempt: 2 }, // running, asked to stop: 2
    ];
    expect(pendingActivityStarts(pending)).toBe(5);
    const recorded = [e({ activityTaskStartedEventAttributes: { attempt: 1 } })];
    expect(countBillableActions(recorded, { pendingActivities: pending })).toMatchObject({
      activityStarts: 6,
      total: 6,
    });
  });

  it('counts a continued run as a workflow start of its own', () => {
    const runs = [
      e({ workflowExecutionStartedEventAttributes: {} }),
      e({ workflowExecutionContinuedAsNewEventAttributes: {} }),
      e({ workflowExecutionStartedEventAttributes: { continuedExecutionRunId: 'r1' } }),
    ];
    expect(countBillableActions(runs).workflowStarts).toBe(2);
  });

  it('agrees with the event types of a recorded shard workflow history', () => {
    const bytes = readFileSync(
      path.join(__dirname, '..', 'fixtures', 'histories', 'shard-workflow-v1.binpb'),
    );
    const events = temporal.api.history.v1.History.decode(bytes).events;
    const count = (key: keyof HistoryEventLike) => events.filter((ev) => ev[key] != null).length;
    const actions = countBillableActions(events);
    expect(actions.workflowStarts).toBe(1);
    expect(actions.activityStarts).toBeGreaterThanOrEqual(count('activityTaskStartedEventAttributes'));
    expect(actions.activityStarts).toBeGreaterThan(0);
    expect(actions.timers).toBe(count('timerStartedEventAttributes'));
    expect(actions.signals).toBe(count('workflowExecutionSignaledEventAttributes'));
    expect(actions.total).toBeLessThan(events.length);
  });

  it('adds and subtracts readings field by field', () => {
    const a = countBillableActions([e({ timerStartedEventAttributes: {} })], { heartbeats: 2 });
    const b = addActions(a, a);
    expect(b.timers).toBe(2);
    expect(b.total).toBe(6);
    expect(actionsSince(a, b)).toEqual(a);
  });

  it('scales to a shard-hour', () => {
    expect(perShardHour(10, 4, 60)).toBeCloseTo(150);
    expect(perShardHour(10, 0, 60)).toBeNaN();
  });
});

describe('frontendRequests', () => {
  it('sums the frontend counters of the heartbeat operations only', () => {
    const text = [
      '# TYPE service_requests counter',
      'service_requests{namespace="default",operation="RecordActivityTaskHeartbeat",service_name="frontend"} 7',
      'service_requests{namespace="default",operation="RecordActivityTaskHeartbeatById",service_name="frontend"} 2',
      'service_requests{namespace="default",operation="RecordActivityTaskHeartbeat",service_name="history"} 9',
      'service_requests{namespace="default",operation="PollActivityTaskQueue",service_name="frontend"} 5',
    ].join('\n');
    expect(frontendRequests(text, ['RecordActivityTaskHeartbeat', 'RecordActivityTaskHeartbeatById'])).toBe(
      9,
    );
  });
});
