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

/** The SDK's default worker identity, which ksp's workers keep. */
export function workerIdentity(): string {
  return `${process.pid}@${hostname()}`;
}

/** `client` omitted: the worker's own (`getClient`, which needs an activity's context). */
export function createWorkerShare(client: () => Client = getClient): LoopShare {
  const share: LoopShare = new LoopShare({
    count: createShareCounter({
      client,
      taskQueue: () => activityInfo().taskQueue,
      now: Date.now,
      self: workerIdentity(),
      lost: () => share.lostWorkers(),
    }),
    now: Date.now,
    onChange: (fair, count, held) => {
      log.info('fair share of shards changed', { fair, ...count, held });
    },
  });
  return share;
}
