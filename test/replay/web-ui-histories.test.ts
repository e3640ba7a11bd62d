/**
 * Replay of the shard workflow's Web UI shape (DESIGN.md rule 9): since the `ksp-millis-behind`
 * patch it upserts KspMillisBehind and its batch activities carry a summary. The history is
 * recorded on purpose only, like test/replay/replay.test.ts's:
 * `KSP_RECORD_HISTORIES=shard-lag npx jest test/replay/web-ui-histories.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { ProcessBatchInput } from '../../src/activities/shard/process-batch';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, idle, result, testOptions } from '../helpers/fake-batches';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

const SHARD_LAG = path.join(__dirname, '..', 'fixtures', 'histories', 'shard-workflow-lag-v1.binpb');
const WORKFLOW_ID = 'record-shard-lag';
const { History } = temporal.api.history.v1;

/** Polls 90 s apart with these lags (each bucket change upserted), then the shard ends. */
async function recordShardLagHistory(): Promise<Uint8Array> {
  const env = await createTimeSkippingEnv();
  try {
    const lags = [0, 5_000, 70_000, 0, 400];
    let n = 0;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: WORKFLOW_ID,
      workflowBundle: { codePath: workflowBundlePath() },
      activities: {
        processBatch: async (input: ProcessBatchInput) => {
          const i = n++;
          if (i >= lags.length) return handled(10, 10, { shardEnded: true });
          return i === 1
            ? handled(5, 5, { millisBehindLatest: lags[i] })
            : result({ ...idle(input), millisBehindLatest: lags[i] ?? 0 });
        },
      },
    });
    const input: ShardWorkflowInput = {
      streamName: 'orders',
      shardId: 'shardId-000000000000',
      streamWorkflowId: null,
      options: testOptions({ maxPollWait: '90s' }),
      startPosition: { type: 'TRIM_HORIZON' },
    };
    return await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>(
        'shardWorkflow',
        { taskQueue: WORKFLOW_ID, workflowId: WORKFLOW_ID, args: [input] },
      );
      await handle.result();
      return History.encode(await handle.fetchHistory()).finish();
    });
  } finally {
    await env.teardown();
  }
}

const recording = process.env.KSP_RECORD_HISTORIES;
if (recording === '1' || recording?.split(',').includes('shard-lag')) {
  test('record the shard-lag fixture', async () => {
    writeFileSync(SHARD_LAG, await recordShardLagHistory());
  });
} else {
  test('shard workflow, KspMillisBehind upserts and batch summaries', async () => {
    expect(existsSync(SHARD_LAG)).toBe(true);
    const history = History.decode(readFileSync(SHARD_LAG));
    const upserts = (history.events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
    expect(upserts.length).toBeGreaterThanOrEqual(4);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: workflowBundlePath() } },
      history,
      WORKFLOW_ID,
    );
  });
}
