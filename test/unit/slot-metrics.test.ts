import { activitySlotsUsed, scheduleToStart, workflowsCached } from '../../bench/slot-metrics';

const TQ = 'namespace="default",task_queue="q"';
const SCRAPE = [
  '# TYPE temporal_activity_schedule_to_start_latency_milliseconds histogram',
  `temporal_activity_schedule_to_start_latency_milliseconds_bucket{${TQ},le="100"} 21`,
  `temporal_activity_schedule_to_start_latency_milliseconds_bucket{${TQ},le="1000"} 358`,
  `temporal_activity_schedule_to_start_latency_milliseconds_bucket{${TQ},le="5000"} 1098`,
  `temporal_activity_schedule_to_start_latency_milliseconds_bucket{${TQ},le="100000"} 4030`,
  `temporal_activity_schedule_to_start_latency_milliseconds_bucket{${TQ},le="+Inf"} 4030`,
  `temporal_activity_schedule_to_start_latency_milliseconds_sum{${TQ}} 69626710`,
  `temporal_activity_schedule_to_start_latency_milliseconds_count{${TQ}} 4030`,
  `temporal_worker_task_slots_used{${TQ},worker_type="ActivityWorker"} 330`,
  `temporal_worker_task_slots_used{${TQ},worker_type="WorkflowWorker"} 8`,
  `temporal_sticky_cache_size{${TQ}} 501`,
].join('\n');

describe('bench slot metrics', () => {
  it('reads the activity schedule-to-start histogram of a worker scrape', () => {
    expect(scheduleToStart(SCRAPE)).toEqual({
      activities: 4030,
      meanMs: 69626710 / 4030,
      over1s: 4030 - 358,
      maxBoundMs: 100000,
    });
  });

  it('reads seconds histograms in milliseconds', () => {
    const text = [
      'temporal_activity_schedule_to_start_latency_seconds_bucket{le="0.5"} 2',
      'temporal_activity_schedule_to_start_latency_seconds_bucket{le="2"} 3',
      'temporal_activity_schedule_to_start_latency_seconds_bucket{le="+Inf"} 3',
      'temporal_activity_schedule_to_start_latency_seconds_sum 2.5',
      'temporal_activity_schedule_to_start_latency_seconds_count 3',
    ].join('\n');
    expect(scheduleToStart(text)).toEqual({ activities: 3, meanMs: 2500 / 3, over1s: 1, maxBoundMs: 2000 });
  });

  it('reads the activity slots in use, and null without the histogram or the gauge', () => {
    expect(activitySlotsUsed(SCRAPE)).toBe(330);
    expect(activitySlotsUsed('')).toBeNull();
    expect(scheduleToStart('')).toBeNull();
  });

  it('reads the cached workflow runs, and null before the gauge is exported', () => {
    expect(workflowsCached(SCRAPE)).toBe(501);
    expect(workflowsCached('')).toBeNull();
  });
});
