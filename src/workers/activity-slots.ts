/**
 * How many activity slots a worker needs for the shards it may hold. Today every shard holds
 * one slot while it long-polls (up to maxPollWait), so a worker with fewer slots than shards
 * leaves shard N+1 waiting behind idle polls. The stream workflow's own activities (rediscovery,
 * autoscale samples, reshard steps) and DLQ replays need a few more.
 */

/** Slots above the shard count: at least 16, or 10% of the shards. */
export function activitySlotHeadroom(shards: number): number {
  return Math.max(16, Math.ceil(shards * 0.1));
}

/**
 * `maxConcurrentActivities` (KSP_MAX_CONCURRENT_ACTIVITIES) for a worker that may hold `shards`
 * shards: all of a stream's shards for a lone worker, and its fair share plus the shards of one
 * lost worker when `workers` share the task queue (`ceil(shards / (workers − 1))`), so a
 * failover never waits for a slot.
 */
export function activitySlotsFor(shards: number, workers = 1): number {
  if (!Number.isInteger(shards) || shards < 0)
    throw new RangeError(`shards must be a whole number ≥ 0, got ${shards}`);
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a whole number ≥ 1, got ${workers}`);
  const held = workers === 1 ? shards : Math.ceil(shards / (workers - 1));
  return held + activitySlotHeadroom(held);
}

/** The fewest sockets a worker's Kinesis client keeps (the clients' default). */
export const MIN_KINESIS_SOCKETS = 64;

/**
 * Sockets for the worker's Kinesis clients: one per activity slot, as each shard's activity makes
 * one Kinesis call at a time. Fewer queue calls for a socket, and the SDK's 5 s connection timeout
 * counts that wait: a 1,000-shard drain over 64 sockets failed 10,000 attempts with "the request
 * socket did not establish a connection … within 5000 ms" (bench rss, 2026-12-01). Sockets open on
 * demand, so a small stream keeps few.
 */
export function kinesisSocketsFor(activitySlots: number): number {
  return Math.max(MIN_KINESIS_SOCKETS, activitySlots);
}
