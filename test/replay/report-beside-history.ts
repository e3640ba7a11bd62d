/**
 * Recorder of a shard of consuming loops that reports to its stream workflow: since the
 * `report-beside-batch` patch the progress report after a loop goes out beside the next activity
 * (same workflow task), and each report, a pause's forced report and the shard's end wait for the
 * one before. The stream stands in as a workflow no worker runs (its signals are only recorded).
 * Recorded by `KSP_RECORD_HISTORIES=shard-report-beside npx jest test/replay`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { ConsumeInput, ConsumeResult } from '../../src/activities/shard/consume-contract';
import { pauseShardSignal, resumeShardSignal } from '../../src/workflows/shard-messages';
import { handled, loopSummary } from '../helpers/fake-batches';
import { memoryShardInput, memoryShardWorker } from '../helpers/memory-shard';

const { History } = temporal.api.history.v1;

export const REPORT_BESIDE_WORKFLOW_ID = 'record-shard-report-beside';

export async function recordShardReportBesideHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = REPORT_BESIDE_WORKFLOW_ID;
  const loop = loopSummary;
  let calls = 0;
  const processBatch = async (i: ConsumeInput): Promise<ConsumeResult> => {
    const n = calls++;
    if (n === 0) return { ...handled(10), millisBehindLatest: 0, loop: loop({ reason: 'lag' }) };
    if (n < 4) {
      await env.sleep('2s');
      return { ...handled(10 * (n + 1)), loop: loop({ reason: 'lifetime' }) };
    }
    if (n === 4) return { ...handled(50), loop: loop({ reason: 'idle' }) };
    if (n === 5) {
      // The idle watch: left at once by the pause below.
      await new Promise((r) => setTimeout(r, 200));
      return {
        ...handled(50, 0),
        checkpoint: i.checkpoint,
        loop: loop({ mode: 'idle', reason: 'records', batches: 0 }),
      };
    }
    return { ...handled(60, 10, { shardEnded: true, childShardIds: [] }), loop: loop({ reason: 'ended' }) };
  };
  const worker = await memoryShardWorker(env, taskQueue, { processBatch });
  const stream = await env.client.workflow.start('shardWorkflow', {
    taskQueue: `${taskQueue}-nobody`,
    workflowId: `${taskQueue}-stream`,
    args: [memoryShardInput()],
  });
  const input = memoryShardInput(
    { maxActivityLifetime: '10m', progressInterval: '1s' },
    { streamWorkflowId: stream.workflowId },
  );
  const handle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  await worker.runUntil(async () => {
    while (calls < 6) await new Promise((r) => setTimeout(r, 20));
    await handle.signal(pauseShardSignal, { reason: 'recording' });
    await handle.query('status');
    await handle.signal(resumeShardSignal);
    await handle.result();
  });
  await stream.terminate('recording over');
  return History.encode(await handle.fetchHistory()).finish();
}
