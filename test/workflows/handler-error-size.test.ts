/**
 * Issue 15 finding 2 through the shard workflow: a handler whose error message is 3 MiB once made
 * every batch result too large for Temporal, so the record never reached the DLQ and the status
 * showed no error. The real batch activity over an in-memory shard (test/helpers/memory-shard.ts)
 * on the time-skipping server: the record is dead-lettered after its attempts and the status
 * shows the error, cut to its documented bound.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ERROR_SUMMARY_MAX_BYTES } from '../../src/handler/error-text';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import { workflowBundlePath } from '../helpers/bundle';
import { seq, testOptions } from '../helpers/fake-batches';
import {
  type HandlerCall,
  MemoryDlq,
  MemoryShard,
  SHARD,
  memoryProcessBatch,
  poisonHandler,
} from '../helpers/memory-shard';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});

afterAll(async () => {
  await env?.teardown();
});

it('a 3 MiB handler error: the record is dead-lettered after its attempts, the status shows the error cut to 2 KiB', async () => {
  // Prepare
  const t0 = await env.currentTimeMs();
  const shard = new MemoryShard(3, () => new Date(t0));
  const dlq = new MemoryDlq();
  const calls: HandlerCall[] = [];
  const huge = `record 1 is poison: ${'x'.repeat(3 * 1024 * 1024)}`;
  const handler = poisonHandler((i) => i === 1, calls, { throws: () => new Error(huge) });
  const taskQueue = 'handler-error-size';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: { processBatch: memoryProcessBatch(env, shard, dlq, handler) },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: SHARD,
    streamWorkflowId: null,
    options: testOptions({
      batchSize: 1,
      retry: { maximumAttempts: 3, initialInterval: '1s', maximumInterval: '10s' },
    }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
  // Act
  const out = await worker.runUntil(
    env.client.workflow.execute<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>('shardWorkflow', {
      taskQueue,
      workflowId: 'handler-error-size',
      args: [input],
    }),
  );
  // Assess
  expect(calls.filter((c) => c.outcome === 'threw').map((c) => c.attempt)).toEqual([1, 2, 3]);
  expect(dlq.entries()).toEqual([
    { index: 1, condition: 'RetryAttemptsExhausted', attempts: 3, errorType: 'Error' },
  ]);
  expect(dlq.batches[0]?.error.message).toBe(huge);
  expect(out).toMatchObject({
    reason: 'shard-ended',
    status: { handled: 2, deadLettered: 1, checkpoint: { sequenceNumber: seq(2) } },
  });
  const lastError = out.status.lastError;
  expect(lastError?.type).toBe('Error');
  expect(lastError?.message.startsWith('record 1 is poison: xxx')).toBe(true);
  expect(Buffer.byteLength(lastError?.message ?? '')).toBeLessThanOrEqual(ERROR_SUMMARY_MAX_BYTES);
});
