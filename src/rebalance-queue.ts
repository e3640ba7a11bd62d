/**
 * The rebalance task queue (issue 14 goal 5): a shard whose consuming loop returned `rebalance`
 * (its worker held more than its share, src/activities/shard/loop-share.ts) starts its next loop
 * on `<taskQueue>-rebalance`, where only workers below their share poll (src/workers/rebalance-slots.ts).
 * On the task queue itself it would land on whichever poll waits longest, mostly a full worker's,
 * and bounce. Pure module: the shard workflow and the worker both name the queue from here.
 */

/** Appended to a task queue's name for its rebalance queue. */
export const REBALANCE_QUEUE_SUFFIX = '-rebalance';

/**
 * How long a loop waits on the rebalance queue for a worker below its share before the shard
 * takes the task queue again (a schedule-to-start timeout: never retried, not a failure). A
 * worker below its share keeps polls waiting there, so a loop is matched at once; the rest of
 * this bounds how long a shard goes unread when no worker is below its share (a share counted
 * from stale numbers, say): the shard then takes the task queue, and if it bounces there again,
 * the rebalance queue once more. Measured at 5 s first: at a load of 15–20 on 2 cores a worker
 * joining after a SIGKILL still took a bounced loop within a second.
 */
export const REBALANCE_SCHEDULE_TO_START_MS = 3_000;

/** The rebalance queue of `taskQueue`. */
export function rebalanceTaskQueue(taskQueue: string): string {
  return `${taskQueue}${REBALANCE_QUEUE_SUFFIX}`;
}

/** The task queue whose rebalance queue `taskQueue` is; `taskQueue` itself when it is none. */
export function mainTaskQueueOf(taskQueue: string): string {
  return taskQueue.endsWith(REBALANCE_QUEUE_SUFFIX)
    ? taskQueue.slice(0, -REBALANCE_QUEUE_SUFFIX.length)
    : taskQueue;
}
