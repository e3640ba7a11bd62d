/**
 * The activity slots of a worker's rebalance worker (src/rebalance-queue.ts): a poll of the
 * rebalance queue is reserved only while the worker holds fewer consuming loops than its share,
 * counting the polls already waiting there (`LoopShare.wantsShards`). So a shard sent there by a
 * worker above its share lands on one below it, such as a worker that just joined, instead of on
 * the poll that waited longest on the task queue. Unlike the gate of the main slots
 * (share-gated-slots.ts) this one has no window: the rebalance queue is only ever for a shard
 * looking for a worker below its share. The main worker keeps the SDK's fixed-size slots and
 * their `temporal_worker_task_slots_*` metrics; these, custom, report none.
 */
import type { TunerHolder } from '@temporalio/worker';
import type { LoopShare } from '../activities/shard/loop-share';
import { shareGatedTuner } from './share-gated-slots';

/** The tuner of a rebalance worker whose loops count in `share`, at most `maxActivities` at once. */
export function rebalanceTuner(maxActivities: number, share: Pick<LoopShare, 'wantsShards'>): TunerHolder {
  return shareGatedTuner(maxActivities, { mayPoll: (waiting) => share.wantsShards(waiting) });
}
