/**
 * Guard: a shard workflow on a worker that caches nothing (every workflow task is a full replay of
 * the history so far), reporting progress to a stream workflow while status queries arrive between
 * tasks, runs to its end, and its history replays. Anything in the command sequence that is not in
 * history (state a query changed, a clock difference between original and replay) fails it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { shardStatusQuery } from '../../src/workflows/shard-messages';
import { handled } from '../helpers/fake-batches';
import { reportingShardInput, startProgressTarget } from '../helpers/progress-target';
import { useTimeSkipping } from '../helpers/time-skipping';
import { Worker } from '@temporalio/worker';

const { env, bundlePath, worker } = useTimeSkipping();
const BATCHES = 12;

test('every task replayed, queries between tasks: the run ends and its history replays', async () => {
  const taskQueue = 'shard-no-cache';
  let calls = 0;
  const w = await worker({
    taskQueue,
    maxCachedWorkflows: 0,
    activities: {
      processBatch: async (): Promise<ProcessBatchResult> => {
        calls++;
        await sleep(20 + (calls % 4) * 40); // reports throttled on some batches, not on others
        return calls < BATCHES ? handled(calls * 10) : handled(calls * 10, 10, { shardEnded: true });
      },
    },
  });
  const stream = await startProgressTarget(env.client, taskQueue);
  const input = reportingShardInput(stream.workflowId, '100ms');
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  let done = false;
  await w.runUntil(async () => {
    const querying = (async () => {
      while (!done) {
        await handle.query(shardStatusQuery).catch(() => undefined);
        await sleep(5);
      }
    })();
    try {
      await expect(handle.result()).resolves.toMatchObject({ reason: 'shard-ended' });
    } finally {
      done = true;
      await querying;
    }
  });
  await stream.terminate();
  expect(calls).toBe(BATCHES);
  const history = await handle.fetchHistory();
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, history, handle.workflowId),
  ).resolves.toBeUndefined();
}, 60_000);
