/**
 * KPL aggregates through the whole pipeline: the producer library writes aggregated and plain
 * records to kinesalite, the shard workflows hand them to a worker (a real child process running
 * the JSON Lines sink), and the sink shows every user record, in order per key. Then the worker is
 * SIGKILLed while a shard's checkpoint sits inside an aggregate, and a new worker resumes from the
 * next user record: none skipped.
 */
import { startStream } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import { runLoad } from '../../src/producer/load';
import { createProducer } from '../../src/producer/producer';
import type { Checkpoint } from '../../src/records';
import { shardStatusQuery } from '../../src/workflows/shard-messages';
import { useIntegrationStack } from '../helpers/integration-stack';
import {
  expectAllInOrder,
  fastPollOptions,
  orderViolations,
  readSink,
  sinkHolds,
  uniqueKeys,
} from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('kpl-pipeline', 'kinesalite');
const setup = (shards: number) => suite.setup(shards);
const worker = (t: { taskQueue: string; sinkFile: string }) => suite.worker(t);

/**
 * Writes `count` demo records (`{ key, n, at }`, per-key counters) over `keys` keys with the
 * producer; returns, per aggregate sequence number, how many user records it holds.
 */
async function produce(
  streamName: string,
  count: number,
  keys: number,
  aggregation: false | { maxBytes: number },
): Promise<Map<string, number>> {
  const producer = createProducer({ kinesis: suite.kinesis, streamName, aggregation });
  const sizes = new Map<string, number>();
  try {
    await runLoad({
      producer,
      rate: null,
      keys,
      count,
      recordBytes: 80,
      onWritten: (r) => {
        if (r.subSequenceNumber !== undefined) {
          sizes.set(r.sequenceNumber, Math.max(sizes.get(r.sequenceNumber) ?? 0, r.subSequenceNumber + 1));
        }
      },
    });
  } finally {
    await producer.close();
  }
  return sizes;
}

test('aggregated and plain records mixed through the shard workflows: every user record once, in order per key', async () => {
  // Prepare: 1,500 aggregated records, then 500 plain ones (keys key-0 … key-59 carry on counting)
  const t = await setup(2);
  const sizes = await produce(t.streamName, 1_500, 60, { maxBytes: 16 * 1024 });
  const producer = createProducer({ kinesis: suite.kinesis, streamName: t.streamName });
  const counters = new Array<number>(60).fill(25); // 1,500 / 60 per key already written
  for (let i = 0; i < 500; i++) {
    const key = `key-${i % 60}`;
    const next = counters[i % 60] ?? 0;
    counters[i % 60] = next + 1;
    void producer.put({
      partitionKey: key,
      data: JSON.stringify({ key, n: next, at: new Date().toISOString() }),
    });
  }
  await producer.close();
  worker(t);
  // Act
  const options = fastPollOptions(t, { batchSize: 100 });
  await startStream(suite.temporal, t.taskQueue, { options });
  await sinkHolds(t.sinkFile, 2_000, '2,000 user records in the sink');
  // Assess
  const lines = expectAllInOrder(t.sinkFile, 2_000);
  expect([...sizes.values()].every((size) => size > 1)).toBe(true);
  const aggregated = lines.filter((l) => l.subSequenceNumber !== undefined);
  expect(new Set(aggregated.map((l) => l.key)).size).toBe(1_500);
  expect(lines.filter((l) => l.subSequenceNumber === undefined).length).toBeGreaterThanOrEqual(500);
  expect(aggregated.every((l) => l.key === `${l.shardId}:${l.sequenceNumber}:${l.subSequenceNumber}`)).toBe(
    true,
  );
});

test('SIGKILL the worker while a checkpoint sits inside an aggregate, start another: every user record handled, none skipped', async () => {
  // Prepare: aggregates of ~100 user records, handler batches of 20, so most checkpoints fall inside one
  const t = await setup(2);
  const total = 3_000;
  const batchSize = 20;
  const sizes = await produce(t.streamName, total, 40, { maxBytes: 12 * 1024 });
  const first = worker(t);
  // One batch per activity, set explicitly: the kill is timed by the checkpoint in the shard
  // workflow's status, which is where a retry resumes only without the consuming loop (a loop
  // resumes from its heartbeat details, and its duplicates are bounded in pipeline.test.ts), and
  // the bound below is that mode's. Shard workflows started before the loop still run this way.
  const options = fastPollOptions(t, { batchSize, heartbeatTimeout: '3s', maxActivityLifetime: 0 });
  await startStream(suite.temporal, t.taskQueue, { options });
  const shardHandles = ['shardId-000000000000', 'shardId-000000000001'].map((s) =>
    suite.temporal.workflow.getHandle(shardWorkflowId(t.streamName, s)),
  );
  const insideAggregate = (c: Checkpoint | null | undefined): boolean =>
    c?.subSequenceNumber !== undefined && c.subSequenceNumber < (sizes.get(c.sequenceNumber) ?? 0) - 1;
  // Act: kill as soon as a shard reports a checkpoint inside an aggregate, past the first few hundred records
  const seen = await waitFor(
    async () => {
      if (uniqueKeys(t.sinkFile) < 300) return null;
      for (const handle of shardHandles) {
        const { checkpoint } = await handle.query(shardStatusQuery);
        if (insideAggregate(checkpoint)) return checkpoint;
      }
      return null;
    },
    { timeoutMs: 60_000, intervalMs: 20, what: 'a checkpoint inside an aggregate' },
  );
  await first.stop('SIGKILL');
  const handledBeforeKill = uniqueKeys(t.sinkFile);
  worker(t);
  await sinkHolds(t.sinkFile, total, `${total} user records in the sink`, { timeoutMs: 120_000 });
  // Assess
  const lines = readSink(t.sinkFile);
  const duplicates = lines.length - new Set(lines.map((l) => l.key)).size;
  expect(seen.subSequenceNumber).toBeLessThan((sizes.get(seen.sequenceNumber) ?? 0) - 1);
  expect(handledBeforeKill).toBeLessThan(total);
  expect(new Set(lines.map((l) => l.key)).size).toBe(total);
  expect(orderViolations(lines)).toEqual([]);
  // Redelivered: at most the batch in flight on each shard, and the aggregate part of it the checkpoint already covers is skipped.
  expect(duplicates).toBeLessThanOrEqual(2 * batchSize);
  console.info(
    `SIGKILL with a checkpoint at sub-record ${seen.subSequenceNumber} of ${sizes.get(seen.sequenceNumber)}, ` +
      `after ${handledBeforeKill} of ${total} records: ${duplicates} redelivered (bound ${2 * batchSize})`,
  );
});
