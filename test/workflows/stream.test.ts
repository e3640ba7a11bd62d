/**
 * Stream workflow on the real time-skipping server: discovery, lineage order, status, stop, and
 * continue-as-new without harming the shard workflows. Shard workflows are started by the real
 * shard-starter activity against the test server; Kinesis reads are scripted.
 */
import { Worker } from '@temporalio/worker';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { createShardStarter, shardStartActivities } from '../../src/activities/stream/shard-starter';
import type { ShardInfo } from '../../src/activities/stream/discovery';
import { shardWorkflowId, streamWorkflowId } from '../../src/constants';
import { stopStreamSignal, streamStatusQuery } from '../../src/workflows/stream-messages';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, idle, seq, testOptions } from '../helpers/fake-batches';
import { describeStreamStandIn } from '../helpers/stream-fixtures';
import { useTimeSkipping } from '../helpers/time-skipping';
import { skipTime } from '../helpers/time';

const { env, plainClient: client } = useTimeSkipping();
let n = 0;

interface Call {
  shardId: string;
  checkpoint: ProcessBatchInput['checkpoint'];
  at: number;
}

async function run<T>(
  shards: () => ShardInfo[],
  script: (input: ProcessBatchInput, callsForShard: number) => ProcessBatchResult,
  body: (streamName: string, calls: Call[]) => Promise<T>,
  after?: (result: T, calls: Call[], taskQueue: string) => Promise<void>,
): Promise<T> {
  const taskQueue = `stream-test-${++n}`;
  const streamName = `orders-${n}`;
  const calls: Call[] = [];
  const perShard: Record<string, number> = {};
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      describeStream: describeStreamStandIn(streamName, shards),
      // A plain client: the time-skipping one's result() unlocks and relocks time skipping, which
      // from inside an activity leaves the server unable to skip and the starter stuck.
      ...shardStartActivities(createShardStarter({ client: () => client, taskQueue: () => taskQueue })),
      processBatch: async (input: ProcessBatchInput) => {
        const k = perShard[input.shardId] ?? 0;
        perShard[input.shardId] = k + 1;
        calls.push({ shardId: input.shardId, checkpoint: input.checkpoint, at: await env.currentTimeMs() });
        return script(input, k);
      },
    },
  });
  return worker.runUntil(async () => {
    await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
      'streamWorkflow',
      {
        taskQueue,
        workflowId: streamWorkflowId(streamName),
        args: [{ options: testOptions({ streamName, maxHistoryEvents: 40 }), rediscoverIntervalMs: 60_000 }],
      },
    );
    const result = await body(streamName, calls);
    await after?.(result, calls, taskQueue);
    return result;
  });
}

test('children start only after every parent is read to its end, and promptly after it', async () => {
  // Prepare: shard 0 and 1 merge into 2; shard 3 is independent.
  const lineage: ShardInfo[] = [
    { shardId: 'shardId-000000000000', parentShardIds: [], closed: true },
    { shardId: 'shardId-000000000001', parentShardIds: [], closed: true },
    {
      shardId: 'shardId-000000000002',
      parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
      closed: false,
    },
    { shardId: 'shardId-000000000003', parentShardIds: [], closed: false },
  ];
  const endsAfter: Record<string, number> = { 'shardId-000000000000': 2, 'shardId-000000000001': 5 };
  const script = (i: ProcessBatchInput, k: number): ProcessBatchResult => {
    const end = endsAfter[i.shardId];
    if (end !== undefined) return handled((k + 1) * 10, 10, { shardEnded: k + 1 === end, waitedMs: 0 });
    return k < 3 ? handled((k + 1) * 10) : idle(i, 0);
  };
  // Act
  const { calls, status } = await run(
    () => lineage,
    script,
    async (streamName, calls) => {
      await skipTime(env, 2 * 3_600_000);
      const handle = env.client.workflow.getHandle(streamWorkflowId(streamName));
      const status = await handle.query(streamStatusQuery);
      await handle.signal(stopStreamSignal);
      await handle.result();
      return { calls, status };
    },
  );
  // Assess
  const lastParentCall = Math.max(
    ...calls.filter((c) => c.shardId.endsWith('00') || c.shardId.endsWith('01')).map((c) => c.at),
  );
  const childCalls = calls.filter((c) => c.shardId === 'shardId-000000000002');
  expect(childCalls.length).toBeGreaterThan(0);
  expect(childCalls[0]!.at).toBeGreaterThanOrEqual(lastParentCall);
  expect(childCalls[0]!.at - lastParentCall).toBeLessThan(60_000); // not the periodic rediscovery
  const byId = Object.fromEntries(status.shards.map((s) => [s.shardId, s.state]));
  expect(byId).toEqual({
    'shardId-000000000000': 'finished',
    'shardId-000000000001': 'finished',
    'shardId-000000000002': 'running',
    'shardId-000000000003': 'running',
  });
});

test('stop drains every shard; the stream workflow continues as new without touching them; a new start resumes', async () => {
  const shards: ShardInfo[] = [
    { shardId: 'shardId-000000000000', parentShardIds: [], closed: false },
    { shardId: 'shardId-000000000001', parentShardIds: [], closed: false },
  ];
  await run(
    () => shards,
    (i, k) => (k < 4 ? handled((k + 1) * 10, 10, { waitedMs: 0 }) : idle(i, 0)),
    async (streamName) => {
      const handle = env.client.workflow.getHandle<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
        streamWorkflowId(streamName),
      );
      // Progress reports grow the stream history past maxHistoryEvents (40): it continues as new.
      await skipTime(env, 30 * 60_000);
      const status = await handle.query(streamStatusQuery);
      expect(status.run).toBeGreaterThan(1);
      const shardRuns = await Promise.all(
        shards.map(
          async (s) =>
            (await env.client.workflow.getHandle(shardWorkflowId(streamName, s.shardId)).describe()).status
              .name,
        ),
      );
      expect(shardRuns).toEqual(['RUNNING', 'RUNNING']);
      await handle.signal(stopStreamSignal);
      const out = await handle.result();
      expect(out.shards).toEqual({
        'shardId-000000000000': { state: 'stopped', checkpoint: { sequenceNumber: seq(40) } },
        'shardId-000000000001': { state: 'stopped', checkpoint: { sequenceNumber: seq(40) } },
      });
      return streamName;
    },
    async (streamName, calls, taskQueue) => {
      // A new start of the same stream picks up each shard from the checkpoint its last run kept.
      const before = calls.length;
      const again = await env.client.workflow.start<
        (i: StreamWorkflowInput) => Promise<StreamWorkflowResult>
      >('streamWorkflow', {
        taskQueue,
        workflowId: streamWorkflowId(streamName),
        args: [{ options: testOptions({ streamName }) }],
      });
      await env.sleep('1m');
      const resumed = calls.slice(before);
      expect(new Set(resumed.map((c) => c.shardId))).toEqual(new Set(shards.map((s) => s.shardId)));
      for (const shard of shards) {
        expect(resumed.find((c) => c.shardId === shard.shardId)?.checkpoint).toEqual({
          sequenceNumber: seq(40),
        });
      }
      const status = await again.query(streamStatusQuery);
      expect(status.shards.map((s) => ('handled' in s ? s.handled : 0))).toEqual([40, 40]);
      await again.signal(stopStreamSignal);
      await again.result();
    },
  );
});
