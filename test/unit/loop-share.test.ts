/**
 * A worker's fair share of shards (src/activities/shard/loop-share.ts): which of its loops leave,
 * how a shard bounced off full workers lands, and that an unknown count moves nothing.
 */
import {
  LoopShare,
  MAX_REBALANCES,
  GATE_MS,
  SETTLE_MS,
  type ShareCount,
  TOLERANCE_STEP,
  fairShare,
} from '../../src/activities/shard/loop-share';
import { runningShardsQuery } from '../../src/activities/shard/fair-share';

const settle = () => new Promise((r) => setImmediate(r));

function worker(count: ShareCount | null) {
  const clock = { now: 0 };
  const counts: number[] = [];
  const share = new LoopShare({
    count: async () => {
      counts.push(clock.now);
      return count;
    },
    now: () => clock.now,
    refreshMs: 1_000,
  });
  return { share, clock, counts };
}

test('fairShare is ceil(shards ÷ workers), at least 1', () => {
  expect(fairShare({ shards: 12, workers: 3 })).toBe(4);
  expect(fairShare({ shards: 13, workers: 3 })).toBe(5);
  expect(fairShare({ shards: 1, workers: 5 })).toBe(1);
  expect(fairShare({ shards: 8, workers: 0 })).toBe(8);
});

test('the newest loops beyond the share leave; the rest stay', async () => {
  const { share } = worker({ shards: 12, workers: 3 });
  const tokens = Array.from({ length: 6 }, () => share.enter());
  await settle();
  expect(tokens.map((t) => share.mustLeave(t, 0))).toEqual([false, false, false, false, true, true]);
  share.leave(tokens[5] as number);
  share.leave(tokens[4] as number);
  const arriving = share.enter();
  // A shard that arrives at a worker holding its share returns before reading…
  expect(share.mustLeave(arriving, 0)).toBe(true);
  expect(share.mustLeave(arriving, TOLERANCE_STEP - 1)).toBe(true);
  // …unless it bounced often enough: every TOLERANCE_STEP returns in a row widen the share by one…
  expect(share.mustLeave(arriving, TOLERANCE_STEP)).toBe(false);
  share.enter();
  const third = share.enter();
  expect(share.mustLeave(third, TOLERANCE_STEP)).toBe(true);
  // …and after MAX_REBALANCES it stays anywhere.
  expect(share.mustLeave(third, MAX_REBALANCES)).toBe(false);
});

test('a loop let in above the share is judged by the share alone once it has settled', async () => {
  const { share, clock } = worker({ shards: 4, workers: 2 });
  const tokens = Array.from({ length: 3 }, () => share.enter());
  await settle();
  const last = tokens[2] as number;
  expect(share.mustLeave(last, MAX_REBALANCES)).toBe(false);
  clock.now += SETTLE_MS;
  expect(share.mustLeave(last, MAX_REBALANCES)).toBe(true);
  expect(share.mustLeave(tokens[1] as number, 0)).toBe(false);
});

test('an unknown or failed count moves nothing; the count is refreshed at most once per interval', async () => {
  const unknown = worker(null);
  const t = Array.from({ length: 5 }, () => unknown.share.enter());
  await settle();
  expect(t.some((x) => unknown.share.mustLeave(x, 0))).toBe(false);
  expect(unknown.counts).toEqual([0]);
  unknown.clock.now = 1_000;
  unknown.share.mustLeave(0, 0);
  expect(unknown.counts).toEqual([0, 1_000]);

  const failing = new LoopShare({ count: () => Promise.reject(new Error('unavailable')), now: () => 0 });
  const f = failing.enter();
  failing.enter();
  await settle();
  expect(failing.mustLeave(f + 1, 0)).toBe(false);
});

test('the visibility query names the task queue, quoted', () => {
  expect(runningShardsQuery("ksp's")).toBe(
    "WorkflowType = 'shardWorkflow' AND TaskQueue = 'ksp\\'s' AND ExecutionStatus = 'Running'",
  );
});

test('a worker at its share stops polling for a few seconds after one of its loops left', async () => {
  const { share, clock } = worker({ shards: 4, workers: 2 });
  const tokens = Array.from({ length: 3 }, () => share.enter());
  await settle();
  expect(share.mayPoll(2)).toBe(true); // over its share, but none of its loops left yet
  expect(share.mustLeave(tokens[2] as number, 0)).toBe(true);
  share.leave(tokens[2] as number);
  expect(share.mayPoll(0)).toBe(false);
  share.leave(tokens[1] as number);
  expect(share.mayPoll(0)).toBe(true); // below its share: one poll…
  expect(share.mayPoll(1)).toBe(false); // …not two
  clock.now += GATE_MS;
  expect(share.mayPoll(5)).toBe(true);
});

test('a worker whose busy loop was retried elsewhere is not counted for a while', () => {
  const clock = { now: 0 };
  const share = new LoopShare({ count: async () => null, now: () => clock.now });
  share.workerLost('123@dead', 70_000);
  expect([...share.lostWorkers()]).toEqual(['123@dead']);
  clock.now = 70_000;
  expect([...share.lostWorkers()]).toEqual([]);
});

test('a count below the loops this worker holds (visibility lags new shards) counts them instead', async () => {
  // The stream just started: visibility lists 3 of its 32 shard workflows, all on this worker.
  const { share } = worker({ shards: 3, workers: 1 });
  const tokens = Array.from({ length: 32 }, () => share.enter());
  await settle();
  expect(tokens.some((t) => share.mustLeave(t, 0))).toBe(false);
  expect(share.state).toEqual({ share: 32, held: 32 });
  // Two workers: each may hold half of what it alone is seen holding.
  const two = worker({ shards: 3, workers: 2 });
  const held = Array.from({ length: 8 }, () => two.share.enter());
  await settle();
  expect(held.map((t) => two.share.mustLeave(t, 0)).filter(Boolean)).toHaveLength(4);
});
