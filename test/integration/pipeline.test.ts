/**
 * The whole pipeline on the embedded local stack: Temporal dev server, kinesis-local, fauxqs and
 * a worker as a real child process running the compiled code. A unique stream, queue and task
 * queue per test.
 */
import { startStream, stopStream, streamHandle, streamStatus } from '../../src/client/stream-control';
import { MIN_GET_RECORDS_INTERVAL_MS } from '../../src/activities/shard/reader';
import { IDLE_AFTER_MS } from '../../src/activities/shard/consume-contract';
import { PUBLISH_EVERY_MS } from '../../src/activities/shard/consume-loop';
import type { CompiledStreamOptions } from '../../src/config/stream-option-types';
import { shardWorkflowId } from '../../src/constants';
import { decodeDlqRecords, parseDlqMessage } from '../../src/dlq/envelope';
import { shardStatusQuery } from '../../src/workflows/shard-messages';
import {
  expectAllInOrder,
  fastPollOptions,
  orderViolations,
  produce,
  readSink,
  receiveAll,
  sinkHolds,
  uniqueKeys,
} from '../helpers/pipeline';
import { useIntegrationStack } from '../helpers/integration-stack';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('pipeline', 'kinesis-local');

test('5,000 records over 4 shards and 100 keys: every record handled, per-key order kept, checkpoints at the last sequence numbers', async () => {
  // Prepare
  const t = await suite.setup(4);
  const produced = await produce(suite.kinesis, t.streamName, 5_000, 100);
  suite.worker(t);
  // Act
  const options = fastPollOptions(t, { batchSize: 500 });
  await startStream(suite.temporal, t.taskQueue, { options });
  await sinkHolds(t.sinkFile, 5_000, '5,000 records in the sink');
  // Assess
  expectAllInOrder(t.sinkFile, 5_000);
  expect(Object.keys(produced.lastSequenceByShard)).toHaveLength(4);
  // With the consuming loop (the default) the workflow's checkpoint moves when a loop returns: a
  // drained shard's loop returns IDLE_AFTER_MS (10 s) after its last record, so this waits ~10 s
  // (measured: last checkpoint 9.9 s after the sink held everything; 0.4 s with one batch per activity).
  for (const [shardId, last] of Object.entries(produced.lastSequenceByShard)) {
    const handle = suite.temporal.workflow.getHandle(shardWorkflowId(t.streamName, shardId));
    await waitFor(async () => (await handle.query(shardStatusQuery)).checkpoint?.sequenceNumber === last, {
      timeoutMs: IDLE_AFTER_MS + 10_000,
      what: `checkpoint of ${shardId} at ${last}`,
    });
  }
  await stopStream(suite.temporal, t.streamName);
  const result = await streamHandle(suite.temporal, t.streamName).result();
  expect(Object.values(result.shards).map((s) => s.state)).toEqual([
    'stopped',
    'stopped',
    'stopped',
    'stopped',
  ]);
});

/**
 * Records a SIGKILL may deliver twice on `shards` shards draining a backlog under `options`.
 * - One batch per activity (maxActivityLifetime 0): the batch in flight on each shard.
 * - The consuming loop (the default): a retried loop resumes from the progress in its last
 *   heartbeat that reached the server, so the records handled since then come again (README,
 *   "Delivery semantics"). The loop publishes progress at most every PUBLISH_EVERY_MS and the SDK
 *   sends a heartbeat at most every 0.8 × heartbeatTimeout, so that progress is at most
 *   window = 0.8 × heartbeatTimeout + PUBLISH_EVERY_MS old. A draining shard reads at most one
 *   batch per MIN_GET_RECORDS_INTERVAL_MS (poll-pace.ts), so at most floor(window / interval) + 1
 *   reads start in that window, plus the batch already being handled when the progress was taken.
 */
function sigkillDuplicateBound(options: CompiledStreamOptions, shards: number): number {
  if (options.maxActivityLifetimeMs === 0) return shards * options.batchSize;
  const windowMs = 0.8 * options.heartbeatTimeoutMs + PUBLISH_EVERY_MS;
  const batchesPerShard = Math.floor(windowMs / MIN_GET_RECORDS_INTERVAL_MS) + 2;
  return shards * batchesPerShard * options.batchSize;
}

test('SIGKILL the worker mid-stream, start another: nothing lost, duplicates only from the heartbeat window', async () => {
  // Prepare
  const t = await suite.setup(4);
  const total = 4_000;
  await produce(suite.kinesis, t.streamName, total, 100);
  const first = suite.worker(t);
  // Default consuming loop. Batch 25 so that the derived bound (4 shards × 19 batches × 25 = 1,900
  // at heartbeat 3 s) is well under the 3,200 records left at the kill; at batch 100 it would be
  // 7,600, more than the stream holds, and prove nothing.
  const options = fastPollOptions(t, { batchSize: 25, heartbeatTimeout: '3s' });
  const bound = sigkillDuplicateBound(options, 4);
  await startStream(suite.temporal, t.taskQueue, { options });
  await sinkHolds(t.sinkFile, 800, '800 records handled', { timeoutMs: 60_000, intervalMs: 50 });
  // Act
  await first.stop('SIGKILL');
  const handledBeforeKill = uniqueKeys(t.sinkFile);
  suite.worker(t);
  await sinkHolds(t.sinkFile, total, '4,000 records in the sink', { timeoutMs: 120_000 });
  // Assess
  const lines = readSink(t.sinkFile);
  const duplicates = lines.length - new Set(lines.map((l) => l.key)).size;
  expect(handledBeforeKill).toBeLessThan(total); // the kill really was mid-stream
  expect(new Set(lines.map((l) => l.key)).size).toBe(total);
  expect(orderViolations(lines)).toEqual([]);
  expect(bound).toBeLessThan(total - 800); // the bound says something about this stream
  expect(duplicates).toBeLessThanOrEqual(bound);
  console.info(
    `SIGKILL after ${handledBeforeKill} of ${total} records handled: ${duplicates} redelivered (bound ${bound})`,
  );
});

test('a poison record goes to the DLQ with its data while the rest of the stream flows', async () => {
  // Prepare
  const t = await suite.setup(2);
  const total = 600;
  const poisonAt = new Set([137, 411]);
  await produce(suite.kinesis, t.streamName, total, 50, (i) => poisonAt.has(i));
  suite.worker(t, { poison: '"poison":true' });
  const options = fastPollOptions(t, {
    batchSize: 50,
    retry: { maximumAttempts: 3, initialInterval: '200ms', maximumInterval: '1s' },
  });
  // Act
  await startStream(suite.temporal, t.taskQueue, { options });
  await sinkHolds(t.sinkFile, total - poisonAt.size, `${total - poisonAt.size} good records handled`, {
    timeoutMs: 60_000,
  });
  const bodies = await waitFor(
    async () => {
      const got = await receiveAll(suite.sqs, t.dlqUrl);
      return got.length > 0 ? got : null;
    },
    { timeoutMs: 30_000, what: 'DLQ messages' },
  );
  // Assess
  const lines = readSink(t.sinkFile);
  expect(lines.some((l) => l.record.poison)).toBe(false);
  expect(orderViolations(lines)).toEqual([]);
  const dead = bodies.flatMap((b) => {
    const parsed = parseDlqMessage(b);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.envelope.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(parsed.envelope.attempts).toBe(3);
    return decodeDlqRecords(parsed.envelope);
  });
  const deadRecords = dead.map(
    (r) => JSON.parse(Buffer.from(r.data).toString()) as { poison?: boolean; n: number; key: string },
  );
  expect(deadRecords).toHaveLength(2);
  expect(deadRecords.every((r) => r.poison === true)).toBe(true);
  await waitFor(async () => (await streamStatus(suite.temporal, t.streamName)).totals.deadLettered === 2, {
    timeoutMs: 30_000,
    what: 'the stream status to count 2 dead-lettered records',
  });
});
