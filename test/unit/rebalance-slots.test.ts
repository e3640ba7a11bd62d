/**
 * The rebalance worker's slots (src/workers/rebalance-slots.ts): a poll of the rebalance queue
 * only while the worker holds fewer loops than its share, counting the polls already waiting
 * there; the share counted by the gate itself (no activity runs on a worker that holds nothing),
 * and a worker whose share is unknown polls for one shard only while it holds none.
 */
import type { CustomSlotSupplier, ActivitySlotInfo, SlotPermit } from '@temporalio/worker';
import { LoopShare, type ShareCount } from '../../src/activities/shard/loop-share';
import { rebalanceTuner } from '../../src/workers/rebalance-slots';
import { mainTaskQueueOf, rebalanceTaskQueue } from '../../src/rebalance-queue';

const settle = () => new Promise((r) => setImmediate(r));

function worker(count: ShareCount | null) {
  const clock = { now: 0 };
  const counted: number[] = [];
  const share = new LoopShare({
    count: async () => {
      counted.push(clock.now);
      return count;
    },
    now: () => clock.now,
    refreshMs: 1_000,
  });
  const slots = rebalanceTuner(100, share).activityTaskSlotSupplier as CustomSlotSupplier<ActivitySlotInfo>;
  return { share, clock, counted, slots };
}

test('the rebalance queue is named from the task queue, and back', () => {
  expect(rebalanceTaskQueue('orders')).toBe('orders-rebalance');
  expect(mainTaskQueueOf('orders-rebalance')).toBe('orders');
  expect(mainTaskQueueOf('orders')).toBe('orders');
});

test('polls only while held + waiting polls stay below the share; a poll that became a loop counts as held', async () => {
  const { share, slots, counted } = worker({ shards: 12, workers: 3 });
  // The gate counts the share itself: nothing else would on a worker holding no loop.
  expect(slots.tryReserveSlot({} as never)).not.toBeNull(); // unknown yet: one poll, holding nothing
  expect(slots.tryReserveSlot({} as never)).toBeNull();
  expect(counted).toEqual([0]);
  await settle();
  expect(share.state).toEqual({ share: 4, held: 0 });
  const permits: SlotPermit[] = [{}, {}, {}].map(() => slots.tryReserveSlot({} as never) as SlotPermit);
  expect(permits.every((p) => p !== null)).toBe(true);
  expect(slots.tryReserveSlot({} as never)).toBeNull(); // 4 polls waiting = the share
  // A poll is handed a shard: its loop is held, not waiting, and the worker is still at its share.
  slots.markSlotUsed({ permit: permits[0] as SlotPermit, slotInfo: {} as never });
  const token = share.enter();
  expect(slots.tryReserveSlot({} as never)).toBeNull();
  // The loop returns and its slot is released: room for one more poll.
  share.leave(token);
  slots.releaseSlot({ permit: permits[0] as SlotPermit, slotInfo: null as never });
  expect(slots.tryReserveSlot({} as never)).not.toBeNull();
});

test('a worker at or above its share (its loops anywhere: main queue or rebalance queue) does not poll', async () => {
  const { share, slots } = worker({ shards: 4, workers: 2 });
  share.enter();
  await settle();
  share.enter();
  expect(share.state).toEqual({ share: 2, held: 2 });
  expect(slots.tryReserveSlot({} as never)).toBeNull();
  share.enter();
  expect(slots.tryReserveSlot({} as never)).toBeNull();
});

test('the gate recounts at most once per refresh interval, and follows a count that changes', async () => {
  let count: ShareCount = { shards: 12, workers: 4 };
  const clock = { now: 0 };
  let counts = 0;
  const share = new LoopShare({
    count: async () => (counts++, count),
    now: () => clock.now,
    refreshMs: 1_000,
  });
  const slots = rebalanceTuner(100, share).activityTaskSlotSupplier as CustomSlotSupplier<ActivitySlotInfo>;
  slots.tryReserveSlot({} as never);
  await settle();
  for (let i = 0; i < 5; i++) slots.tryReserveSlot({} as never);
  expect(counts).toBe(1);
  expect(share.state.share).toBe(3);
  // A worker left: 2 workers, share 6, three more polls.
  count = { shards: 12, workers: 2 };
  clock.now = 1_000;
  expect(slots.tryReserveSlot({} as never)).toBeNull();
  await settle();
  expect(counts).toBe(2);
  expect([0, 1, 2, 3].map(() => slots.tryReserveSlot({} as never) !== null)).toEqual([
    true,
    true,
    true,
    false,
  ]);
});
