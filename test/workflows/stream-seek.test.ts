/**
 * A whole-stream seek on the time-skipping server: the stream workflow, the real shard starter and
 * shard workflows, with the real batch activity over in-memory shards that honour start positions.
 * A rewind to before a reshard reads the closed parent again before its child (lineage order).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { streamWorkflowId } from '../../src/constants';
import type { BatchHandler } from '../../src/handler/contract';
import {
  pauseStreamUpdate,
  resumeStreamUpdate,
  seekStreamUpdate,
  stopStreamUpdate,
  streamStatusQuery,
} from '../../src/workflows/stream-messages';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { testOptions } from '../helpers/fake-batches';
import { MemoryDlq, indexOf, memoryProcessBatch } from '../helpers/memory-shard';
import { SeekableShard } from '../helpers/seekable-shard';
import { memoryStreamWorker } from '../helpers/stream-fixtures';
import { useTimeSkipping } from '../helpers/time-skipping';

const { env, plainClient: client } = useTimeSkipping();
const PARENT = 'shardId-000000000000';
const CHILD = 'shardId-000000000001';

test('a rewind to before a reshard reads the closed parent again, then its child; validators reject bad seeks', async () => {
  const taskQueue = 'stream-seek-1';
  const streamName = 'orders-seek';
  const t0 = (await env.currentTimeMs()) - 3_600_000;
  // The parent was written at t0…t0+9s, then split: the child was written to from t0+20s on.
  const parent = new SeekableShard(10, (i) => new Date(t0 + i * 1_000));
  parent.closedWith = [CHILD];
  const child = new SeekableShard(5, (i) => new Date(t0 + 20_000 + i * 1_000));
  const deliveries: Array<{ shardId: string; indexes: number[] }> = [];
  const handler: BatchHandler = async (records, context) => {
    deliveries.push({ shardId: context.shardId, indexes: records.map(indexOf) });
  };
  const batches = {
    [PARENT]: memoryProcessBatch(env, parent, new MemoryDlq(), handler),
    [CHILD]: memoryProcessBatch(env, child, new MemoryDlq(), handler),
  };
  const worker = await memoryStreamWorker(env, {
    taskQueue,
    streamName,
    client,
    shards: [
      { shardId: PARENT, parentShardIds: [], closed: true },
      { shardId: CHILD, parentShardIds: [PARENT], closed: false },
    ],
    batches,
  });
  const input: StreamWorkflowInput = {
    options: testOptions({ streamName, batchSize: 100 }),
    rediscoverIntervalMs: 60_000,
  };
  const handle = await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
    'streamWorkflow',
    { taskQueue, workflowId: streamWorkflowId(streamName), args: [input] },
  );
  await worker.runUntil(async () => {
    await env.sleep('30s');
    expect(deliveries).toEqual([
      { shardId: PARENT, indexes: [...Array(10).keys()] },
      { shardId: CHILD, indexes: [0, 1, 2, 3, 4] },
    ]);

    // Validators: nothing of these enters history.
    const refused = async (arg: unknown): Promise<string> => {
      const err = await handle.executeUpdate('seek', { args: [arg] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return (err as WorkflowUpdateFailedError).cause?.message ?? '';
    };
    expect(await refused({ position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '1' } })).toMatch(
      /`shardId` is missing/,
    );
    expect(await refused({ position: { type: 'LATEST' }, shardId: 'shardId-000000000009' })).toMatch(
      /not a shard of this stream/,
    );
    expect(await refused({ position: { type: 'LATEST' }, shardId: PARENT })).toMatch(
      /closed and read to its end/,
    );
    const resumeErr = await handle.executeUpdate(resumeStreamUpdate).then(
      () => null,
      (e: unknown) => e as WorkflowUpdateFailedError,
    );
    expect(resumeErr?.cause?.message).toMatch(/is not paused/);

    // While paused: the seek is planned and applied, and everything stays paused.
    const paused = await handle.executeUpdate(pauseStreamUpdate, { args: [{ reason: 'rewinding' }] });
    expect(paused.state).toBe('paused');
    const status = await handle.executeUpdate(seekStreamUpdate, {
      args: [
        {
          position: { type: 'AT_TIMESTAMP', timestamp: new Date(t0 + 5_000).toISOString() },
          requestedBy: 'ops',
        },
      ],
    });
    expect(status.lastSeek).toMatchObject({
      requestedBy: 'ops',
      moved: [],
      held: [CHILD],
      restarted: [PARENT],
    });
    await env.sleep('30s');
    expect(deliveries).toHaveLength(2);
    await handle.executeUpdate(resumeStreamUpdate);
    await env.sleep('1m');
    // The parent again from t0+5s, then all of the child (written after that time), in that order.
    expect(deliveries.slice(2)).toEqual([
      { shardId: PARENT, indexes: [5, 6, 7, 8, 9] },
      { shardId: CHILD, indexes: [0, 1, 2, 3, 4] },
    ]);
    const after = await handle.query(streamStatusQuery);
    expect(after.shards.map((s) => [s.shardId, s.state])).toEqual([
      [PARENT, 'finished'],
      [CHILD, 'running'],
    ]);

    // A skip to LATEST on the running child: nothing more is delivered.
    await handle.executeUpdate(seekStreamUpdate, { args: [{ position: { type: 'LATEST' } }] });
    await env.sleep('1m');
    expect(deliveries).toHaveLength(4);
    const stopped = await handle.executeUpdate(stopStreamUpdate);
    expect(stopped.state).toMatch(/^stopp/);
    await handle.result();
  });
});
