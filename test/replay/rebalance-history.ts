/**
 * Recorder of a shard whose consuming loops bounce (`rebalance`): since the `shard-rebalance-queue`
 * patch the next loop goes to the rebalance queue, where a worker below its share takes it, and
 * when no worker polls there the loop times out unstarted and goes to the task queue, the bounces
 * kept and no failure counted. Recorded by `KSP_RECORD_HISTORIES=shard-rebalance npx jest test/replay`.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { ConsumeInput, ConsumeResult } from '../../src/activities/shard/consume-contract';
import { rebalanceTaskQueue } from '../../src/rebalance-queue';
import type { ShardWorkflowInput } from '../../src/workflows/shard';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, loopSummary, testOptions } from '../helpers/fake-batches';
import { SHARD } from '../helpers/memory-shard';

const { History } = temporal.api.history.v1;

export const SHARD_REBALANCE_WORKFLOW_ID = 'record-shard-rebalance';

export async function recordShardRebalanceHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = SHARD_REBALANCE_WORKFLOW_ID;
  const queues: string[] = [];
  const processBatch = async (_i: ConsumeInput): Promise<ConsumeResult> => {
    queues.push(Context.current().info.taskQueue);
    switch (queues.length) {
      case 1: // on the task queue, beyond its worker's share
        return { ...handled(10), loop: loopSummary({ reason: 'rebalance' }) };
      case 2: // taken from the rebalance queue; bounces again, and nobody polls there any more
        rebalanceWorker.shutdown();
        return { ...handled(20), loop: loopSummary({ reason: 'rebalance' }) };
      case 3: // the rebalance queue timed out: the task queue
        return { ...handled(30), loop: loopSummary({ reason: 'lifetime' }) };
      default:
        return {
          ...handled(40, 10, { shardEnded: true, childShardIds: [] }),
          loop: loopSummary({ reason: 'ended' }),
        };
    }
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: { processBatch },
  });
  const rebalanceWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: rebalanceTaskQueue(taskQueue),
    activities: { processBatch },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: SHARD,
    streamWorkflowId: null,
    options: testOptions({ maxActivityLifetime: '10m' }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  const rebalancing = rebalanceWorker.run();
  await worker.runUntil(handle.result());
  await rebalancing;
  const expected = [taskQueue, rebalanceTaskQueue(taskQueue), taskQueue, taskQueue];
  if (JSON.stringify(queues) !== JSON.stringify(expected))
    throw new Error(`recorded on ${JSON.stringify(queues)}, wanted ${JSON.stringify(expected)}`);
  return History.encode(await handle.fetchHistory()).finish();
}
