/**
 * The share counter's visibility count of shard workflows (fair-share.ts): counted again after
 * SHARDS_RECOUNT_CHANGING_MS while it changes (a stream starting its shards), after
 * SHARDS_RECOUNT_MS once it holds still.
 */
import type { Client } from '@temporalio/client';
import {
  SHARDS_RECOUNT_CHANGING_MS,
  SHARDS_RECOUNT_MS,
  createShareCounter,
} from '../../src/activities/shard/fair-share';

function fakeClient(counts: number[]): { client: Client; calls: () => number } {
  let calls = 0;
  const client = {
    options: { namespace: 'default' },
    workflow: {
      count: async () => ({ count: counts[Math.min(calls++, counts.length - 1)] ?? 0 }),
    },
    workflowService: { describeTaskQueue: async () => ({ pollers: [] }) },
  } as unknown as Client;
  return { client, calls: () => calls };
}

test('a changing shard count is counted again after 2 s, a steady one after 10 s', async () => {
  // Prepare: the stream's shards start (3, then 12), then hold still at 12
  let now = 0;
  const { client, calls } = fakeClient([3, 12, 12, 12]);
  const count = createShareCounter({
    client: () => client,
    taskQueue: () => 'q',
    now: () => now,
    self: 'me',
    lost: () => new Set(),
  });
  // Act + Assess
  expect(await count()).toEqual({ shards: 3, workers: 1 });
  now += SHARDS_RECOUNT_CHANGING_MS - 1;
  expect((await count())?.shards).toBe(3);
  now += 1;
  expect((await count())?.shards).toBe(12); // changed: counted again soon
  now += SHARDS_RECOUNT_CHANGING_MS;
  expect((await count())?.shards).toBe(12); // the same: holds still from here
  expect(calls()).toBe(3);
  now += SHARDS_RECOUNT_CHANGING_MS;
  await count();
  expect(calls()).toBe(3);
  now += SHARDS_RECOUNT_MS - SHARDS_RECOUNT_CHANGING_MS;
  await count();
  expect(calls()).toBe(4);
});
