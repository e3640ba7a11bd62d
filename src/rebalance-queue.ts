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
 * takes the task queue again (a schedule-to-start timeout, never retried nor counted as a
 * failure). Long enough for a poll to be reserved and matched on a loaded machine (a worker
 * below its share keeps polls waiting there), short enough that a shard nobody wants is not
 * left unread for long: no worker below its share means the count was wrong, and the shard then
 * bounces on the task queue as before.
 */
export const REBALANCE_SCHEDULE_TO_START_MS = 5_000;

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
