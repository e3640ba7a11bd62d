/**
 * The batch shard starter (`startShardWorkflows`) over a scripted single start: what each shard
 * gets, and which failure fails the batch.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  type StartShardInput,
  type StartShardResult,
  createShardsStarter,
} from '../../src/activities/stream/shard-starter';
import { ErrorType } from '../../src/errors';
import { testOptions } from '../helpers/fake-batches';

const common = {
  streamName: 'orders',
  options: testOptions({ streamName: 'orders' }),
  paused: true,
  pauseReason: 'maintenance',
};
const shard = (n: number) => ({
  shardId: `shardId-${String(n).padStart(12, '0')}`,
  startPosition: { type: 'TRIM_HORIZON' } as const,
});

test('each shard is started with what the batch shares and its own part; results by shard ID', async () => {
  const seen: StartShardInput[] = [];
  const start = createShardsStarter(async (input): Promise<StartShardResult> => {
    seen.push(input);
    return input.shardId.endsWith('1')
      ? { state: 'finished', status: null }
      : { state: 'paused', status: null };
  });
  const result = await start({
    ...common,
    shards: [shard(0), { ...shard(1), seek: { requestedBy: 'alice' }, quarantinedKeys: ['k'] }],
  });
  expect(result).toEqual({
    'shardId-000000000000': { state: 'paused', status: null },
    'shardId-000000000001': { state: 'finished', status: null },
  });
  expect(seen).toEqual([
    { ...common, ...shard(0) },
    { ...common, ...shard(1), seek: { requestedBy: 'alice' }, quarantinedKeys: ['k'] },
  ]);
});

test("a recreated stream's refusal fails the batch before any other failure; every shard was tried", async () => {
  const tried: string[] = [];
  const refusal = ApplicationFailure.nonRetryable('orders was recreated', ErrorType.StreamRecreated);
  const start = createShardsStarter(async (input) => {
    tried.push(input.shardId);
    if (input.shardId.endsWith('0')) throw new Error('connection reset');
    if (input.shardId.endsWith('2')) throw refusal;
    return { state: 'running', status: null };
  });
  await expect(start({ ...common, shards: [shard(0), shard(1), shard(2)] })).rejects.toBe(refusal);
  expect(tried).toHaveLength(3);
});

test('any other failure fails the batch with that error (retried as a whole; starts are idempotent)', async () => {
  const reset = new Error('connection reset');
  const start = createShardsStarter(async (input) => {
    if (input.shardId.endsWith('1')) throw reset;
    return { state: 'running', status: null };
  });
  await expect(start({ ...common, shards: [shard(0), shard(1)] })).rejects.toBe(reset);
});
