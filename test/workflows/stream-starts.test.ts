/**
 * The stream workflow starts its startable shards in batches (the `batched-shard-starts` patch):
 * one `startShardWorkflows` activity per 64 shards, each shard once, with what they share sent
 * once per batch. Real time-skipping server; the shard starts are recorded, not run.
 */
import type { StartShardInput } from '../../src/activities/stream/shard-starter';
import type { ShardInfo } from '../../src/activities/stream/discovery';
import { standInStreamWorker, startStreamWorkflow } from '../helpers/stream-fixtures';
import { useTimeSkipping } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const { env } = useTimeSkipping();

test('70 shards start in two activities of 64 and 6, each shard once', async () => {
  const taskQueue = 'stream-starts-test';
  const streamName = 'starts-orders';
  const shards: ShardInfo[] = Array.from({ length: 70 }, (_, i) => ({
    shardId: `shardId-${String(i).padStart(12, '0')}`,
    parentShardIds: [],
    closed: false,
  }));
  const started: StartShardInput[] = [];
  const worker = await standInStreamWorker(
    env,
    taskQueue,
    streamName,
    () => shards,
    (input) => {
      started.push(input);
    },
  );
  const handle = await startStreamWorkflow(env.client, taskQueue, streamName);
  await worker.runUntil(async () => {
    await waitFor(() => started.length >= shards.length, { what: 'every shard started' });
  });
  // No shard workflow runs here to answer a stop: the record is read from the running stream.
  const events = (await handle.fetchHistory()).events ?? [];
  await handle.terminate('test over');

  expect(started.map((s) => s.shardId).sort()).toEqual(shards.map((s) => s.shardId));
  for (const s of started) {
    expect(s).toMatchObject({ streamName, paused: false, startPosition: { type: 'TRIM_HORIZON' } });
    expect(s.options.streamName).toBe(streamName);
  }
  const scheduled = events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [a] : [];
  });
  const starts = scheduled.filter((a) => a.activityType?.name === 'startShardWorkflows');
  expect(scheduled.filter((a) => a.activityType?.name === 'startShardWorkflow')).toHaveLength(0);
  const sizes = starts.map((a) => {
    const batch = JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8')) as {
      shards: unknown[];
    };
    return batch.shards.length;
  });
  expect(sizes.sort((a, b) => b - a)).toEqual([64, 6]);
});
