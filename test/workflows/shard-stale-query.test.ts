/**
 * Regression (TMPRL1100 in the multi-worker failover bench): a shard's progress reports must not
 * depend on the workflow clock. When a worker is SIGKILLed while its shard's batch runs, a status
 * query first waits on the dead worker's sticky queue, then goes to another worker with a history
 * that already holds the batch's result: that worker runs the result at the previous workflow
 * task's (older) time, keeps the run cached, and decides later reports differently from any replay.
 * Real dev server, real SIGKILL; then the run's history must replay (~10 s).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { testOutDir } from '../../src/local/paths';
import { getFreePort } from '../../src/local/ports';
import { type TemporalDevServer, startTemporalDevServer } from '../../src/local/temporal-dev-server';
import { shardStatusQuery } from '../../src/workflows/shard-messages';
import { workflowBundlePath } from '../helpers/bundle';
import { handled } from '../helpers/fake-batches';
import { reportingShardInput, startProgressTarget } from '../helpers/progress-target';

const REPORTS_FIXTURE = path.join(
  __dirname,
  '..',
  'fixtures',
  'histories',
  'shard-workflow-reports-v1.binpb',
);

let server: TemporalDevServer;
let native: NativeConnection;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  server = await startTemporalDevServer({
    port: await getFreePort(),
    uiPort: null,
    logFile: path.join(testOutDir(), 'shard-stale-query-temporal.log'),
  });
  native = await NativeConnection.connect({ address: server.address });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
}, 60_000);

afterAll(async () => {
  await native?.close();
  await connection?.close();
  await server?.stop();
});

/** A workflow-only worker in a child process (so it can be SIGKILLed), sticky timeout 2 s. */
function childWorker(taskQueue: string): ReturnType<typeof spawn> {
  const script = `
    const { NativeConnection, Worker } = require('@temporalio/worker');
    (async () => {
      const connection = await NativeConnection.connect({ address: ${JSON.stringify(server.address)} });
      const worker = await Worker.create({
        connection,
        taskQueue: ${JSON.stringify(taskQueue)},
        workflowBundle: { codePath: ${JSON.stringify(workflowBundlePath())} },
        stickyQueueScheduleToStartTimeout: '2s',
      });
      await worker.run();
    })();`;
  return spawn(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..'), stdio: 'ignore' });
}

test('a status query answered from a history ahead of the last workflow task leaves every report replayable', async () => {
  const taskQueue = 'shard-stale-query';
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let firstBatchRunning!: () => void;
  const running = new Promise<void>((resolve) => (firstBatchRunning = resolve));
  const activities = await Worker.create({
    connection: native,
    taskQueue,
    activities: {
      processBatch: async (): Promise<ProcessBatchResult> => {
        calls++;
        if (calls === 1) {
          firstBatchRunning();
          await gate;
        }
        return calls < 3 ? handled(calls * 10) : handled(calls * 10, 10, { shardEnded: true });
      },
    },
  });
  const stream = await startProgressTarget(client, taskQueue);
  // Batch 1 ends > 2 s after the run started (the query's sticky wait); batch 2 at once after it.
  const input = reportingShardInput(stream.workflowId, '2s');
  const handle = await client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [input],
  });
  const child = childWorker(taskQueue);
  try {
    await activities.runUntil(async () => {
      await running;
      await sleep(300);
      child.kill('SIGKILL');
      const survivor = await Worker.create({
        connection: native,
        taskQueue,
        workflowBundle: { codePath: workflowBundlePath() },
      });
      await survivor.runUntil(async () => {
        const query = handle.query(shardStatusQuery);
        await sleep(1_200); // the batch ends while the query waits on the dead sticky queue
        release();
        await query;
        await handle.result();
      });
    });
  } finally {
    child.kill('SIGKILL');
    await stream.terminate().catch(() => undefined);
  }
  const history = await handle.fetchHistory();
  // The replay fixture of this shape (test/replay): `KSP_RECORD_HISTORIES=shard-reports`.
  if (process.env.KSP_RECORD_HISTORIES?.split(',').includes('shard-reports'))
    writeFileSync(REPORTS_FIXTURE, temporal.api.history.v1.History.encode(history).finish());
  await expect(
    Worker.runReplayHistory(
      { workflowBundle: { codePath: workflowBundlePath() } },
      history,
      handle.workflowId,
    ),
  ).resolves.toBeUndefined();
}, 90_000);
