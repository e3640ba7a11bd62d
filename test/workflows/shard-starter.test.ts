/**
 * The shard starter on the real time-skipping server, with the batch activity scripted: a shard
 * never started is started in one call (a start refused if its workflow ID was used), and only a
 * refused start reads the earlier run, so a shard whose run was closed (here: terminated) carries
 * on from that run's checkpoint, and a running one is left alone.
 */
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { createShardStarter } from '../../src/activities/stream/shard-starter';
import { shardWorkflowId } from '../../src/constants';
import { type ShardStatus, shardStatusQuery } from '../../src/workflows/shard-messages';
import { handled, idle, seq, testOptions } from '../helpers/fake-batches';
import { useTimeSkipping } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const { plainClient, worker } = useTimeSkipping();

test('a shard whose run was terminated carries on from its checkpoint; a running one is left alone', async () => {
  const taskQueue = 'shard-starter-test';
  const calls: ProcessBatchInput[] = [];
  const script = (input: ProcessBatchInput): ProcessBatchResult => {
    calls.push(input);
    return calls.length === 1 ? handled(20, 20) : idle(input);
  };
  const w = await worker({
    taskQueue,
    activities: { processBatch: async (i: ProcessBatchInput) => script(i) },
  });
  await w.runUntil(async () => {
    const start = createShardStarter({ client: () => plainClient, taskQueue: () => taskQueue });
    const input = {
      streamName: 'starter-orders',
      shardId: 'shardId-000000000000',
      options: testOptions({ streamName: 'starter-orders' }),
      startPosition: { type: 'TRIM_HORIZON' } as const,
      paused: false,
      pauseReason: null,
    };
    const handle = plainClient.workflow.getHandle(shardWorkflowId(input.streamName, input.shardId));

    expect(await start(input)).toEqual({ state: 'running', status: null });
    const first = await handle.describe();
    await waitFor(async () => (await handle.query(shardStatusQuery)).checkpoint?.sequenceNumber === seq(20), {
      what: 'the first run checkpointed at record 20',
    });

    // Running: the start is refused, the run found running and left as it is.
    expect(await start(input)).toEqual({ state: 'running', status: null });
    expect((await handle.describe()).runId).toBe(first.runId);

    await handle.terminate('test: the worker lost it');
    const again = await start(input);
    expect(again.state).toBe('running');
    expect((again.status as ShardStatus).checkpoint).toEqual({ sequenceNumber: seq(20) });
    expect((again.status as ShardStatus).handled).toBe(20);
    const second = await handle.describe();
    expect(second.runId).not.toBe(first.runId);
    expect(second.status.name).toBe('RUNNING');
    // The new run reads on after the terminated run's checkpoint, with its counts.
    await waitFor(() => calls.length >= 3, { what: "the new run's first batch" });
    expect(calls[calls.length - 1]?.checkpoint).toEqual({ sequenceNumber: seq(20) });
    expect((await handle.query(shardStatusQuery)).handled).toBe(20);
    await handle.terminate('test over');
  });
});
