/**
 * The LoopShare of one worker process (loop-share.ts), counted through the worker's own Temporal
 * client: built once per worker and given to its activities and to its activity slot supplier
 * (src/workers/share-gated-slots.ts), which stops polling for activities while the worker holds
 * its share.
 */
import { hostname } from 'node:os';
import { activityInfo, getClient, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { createShareCounter } from './fair-share';
import { LoopShare } from './loop-share';
import { mainTaskQueueOf } from '../../rebalance-queue';

/** The SDK's default worker identity, which ksp's workers keep. */
export function workerIdentity(): string {
  return `${process.pid}@${hostname()}`;
}

/**
 * `client` omitted: the worker's own (`getClient`, which needs an activity's context); `taskQueue`
 * omitted: the activity's, or the one whose rebalance queue it is. A worker passes both, so that
 * its rebalance slots can count the share with no activity running.
 */
export function createWorkerShare(
  client: () => Client = getClient,
  taskQueue: () => string = () => mainTaskQueueOf(activityInfo().taskQueue),
  /** Where a change of share is logged; omitted: the activity's log (a count from the slots has none). */
  logger: Pick<typeof log, 'info'> = log,
): LoopShare {
  const share: LoopShare = new LoopShare({
    count: createShareCounter({
      client,
      taskQueue,
      now: Date.now,
      self: workerIdentity(),
      lost: () => share.lostWorkers(),
    }),
    now: Date.now,
    onChange: (fair, count, held) => {
      try {
        logger.info('fair share of shards changed', { fair, ...count, held });
      } catch {
        // The activity log outside an activity: nothing to log to.
      }
    },
  });
  return share;
}
