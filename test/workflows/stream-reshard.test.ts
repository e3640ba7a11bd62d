/**
 * The stream workflow's side of resharding on the time-skipping server: children that ChildShards
 * names but ListShards does not list yet are looked for again within seconds; the reshard ledger
 * drops changes older than 24 h and survives continue-as-new. Shard workflows are stand-ins.
 */
import type { StartShardInput } from '../../src/activities/stream/shard-starter';
import type { ShardInfo } from '../../src/activities/stream/discovery';
import { streamWorkflowId } from '../../src/constants';
import {
  type ReshardLedgerEntry,
  reshardCompletedSignal,
  reshardLedgerQuery,
  shardEndedSignal,
  shardProgressSignal,
  streamStatusQuery,
} from '../../src/workflows/stream-messages';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { testOptions } from '../helpers/fake-batches';
import { skipTime } from '../helpers/time';
import { ledgerEntry, shardStatus, standInStreamWorker } from '../helpers/stream-fixtures';
import { useTimeSkipping } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const { env } = useTimeSkipping();
let n = 0;

async function withStream<T>(
  listShards: (call: number) => ShardInfo[],
  body: (t: {
    handle: ReturnType<typeof env.client.workflow.getHandle>;
    started: Array<StartShardInput & { at: number }>;
  }) => Promise<T>,
  over: Record<string, unknown> = {},
): Promise<T> {
  const id = ++n;
  const streamName = `stream-reshard-${id}`;
  const taskQueue = `stream-reshard-test-${id}`;
  const started: Array<StartShardInput & { at: number }> = [];
  let calls = 0;
  const worker = await standInStreamWorker(
    env,
    taskQueue,
    streamName,
    () => listShards(++calls),
    async (i) => {
      started.push({ ...i, at: await env.currentTimeMs() });
    },
  );
  return worker.runUntil(async () => {
    await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
      'streamWorkflow',
      {
        taskQueue,
        workflowId: streamWorkflowId(streamName),
        args: [{ options: testOptions({ streamName, ...over }), rediscoverIntervalMs: 60 * 60_000 }],
      },
    );
    const handle = env.client.workflow.getHandle(streamWorkflowId(streamName));
    try {
      return await body({ handle, started });
    } finally {
      await handle.terminate('test over'); // no timer may outlive the worker on the test server
    }
  });
}

const parent: ShardInfo = { shardId: 'shardId-000000000000', parentShardIds: [], closed: true };
const children: ShardInfo[] = ['shardId-000000000001', 'shardId-000000000002'].map((shardId) => ({
  shardId,
  parentShardIds: [parent.shardId],
  closed: false,
}));

test('children named by ChildShards but not listed yet are looked for again within seconds, not at the hourly discovery', async () => {
  // ListShards lags: the children appear from its third answer on.
  let endedAt = 0;
  await withStream(
    (call) => (call < 3 ? [parent] : [parent, ...children]),
    async ({ handle, started }) => {
      await waitFor(() => started.length === 1, { what: 'the parent started' });
      endedAt = await env.currentTimeMs();
      await handle.signal(shardEndedSignal, {
        shardId: parent.shardId,
        checkpoint: { sequenceNumber: '1' },
        childShardIds: children.map((c) => c.shardId),
      });
      await skipTime(env, 30_000, 1_000);
      await waitFor(() => started.length === 3, { what: 'both children started' });
      // Siblings start concurrently (patched 'parallel-shard-starts'): which one is first is not specified.
      expect(
        started
          .slice(1)
          .map((s) => s.shardId)
          .sort(),
      ).toEqual(children.map((c) => c.shardId).sort());
      expect(started[1]!.at - endedAt).toBeLessThan(10_000);
      expect(started.slice(1).map((s) => s.startPosition)).toEqual([
        { type: 'TRIM_HORIZON' },
        { type: 'TRIM_HORIZON' },
      ]);
    },
    { startPosition: { type: 'LATEST' } },
  );
});

test('the ledger keeps the changes of the last 24 h (and the last few for display) across continue-as-new', async () => {
  await withStream(
    () => [{ shardId: 'shardId-000000000000', parentShardIds: [], closed: false }],
    async ({ handle }) => {
      const now = await env.currentTimeMs();
      const entry = (hoursAgo: number, i: number): ReshardLedgerEntry =>
        ledgerEntry({
          at: new Date(now - hoursAgo * 3_600_000).toISOString(),
          from: i,
          to: i + 1,
          workflowId: `w${i}`,
        });
      // Eight changes 30 h ago, two an hour ago.
      for (let i = 0; i < 8; i++) await handle.signal(reshardCompletedSignal, entry(30, i));
      for (let i = 8; i < 10; i++) await handle.signal(reshardCompletedSignal, entry(1, i));
      // Progress reports grow the history past maxHistoryEvents: the workflow continues as new.
      for (let i = 0; i < 30; i++) {
        await handle.signal(
          shardProgressSignal,
          shardStatus({
            streamName: 'x',
            checkpoint: null,
            handled: i,
            batches: i,
            bytes: 0,
            updatedAt: new Date(now).toISOString(),
          }),
        );
      }
      await skipTime(env, 60_000, 10_000);
      const status = await handle.query(streamStatusQuery);
      expect(status.run).toBeGreaterThan(1);
      // The two recent ones, plus the last three older ones to make five for display.
      const ledger = await handle.query(reshardLedgerQuery);
      expect(ledger.map((e) => e.workflowId)).toEqual(['w5', 'w6', 'w7', 'w8', 'w9']);
      expect(status.reshards).toEqual(ledger);
    },
    { maxHistoryEvents: 60 },
  );
});
