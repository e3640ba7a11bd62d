/**
 * Per-key lanes and the per-key quarantine on the whole local stack (Temporal dev server,
 * kinesalite, fauxqs), with the worker and the `ksp` CLI as child processes running the compiled
 * code and a handler that sleeps per call (test/fixtures/handlers/keyed-sink.js).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { partitionKeyHash } from '../../src/activities/shard/key-hash';
import { startStream } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import { projectRoot } from '../../src/local/paths';
import { type ShardStatus, shardStatusQuery } from '../../src/workflows/shard-messages';
import { ksp as kspCli } from '../helpers/cli';
import { type StackTarget, useIntegrationStack } from '../helpers/integration-stack';
import {
  type SinkLine,
  type WorkerProcess,
  fastPollOptions,
  orderViolations,
  produce,
  readSink,
} from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('per-key', 'kinesalite');

/** A worker running keyed-sink.js (20 ms a call) on the target's task queue and sink; `tag` marks its sink lines. */
function keyedWorker(target: StackTarget, fixedFlag: string, tag?: string): WorkerProcess {
  return suite.worker(target, {
    extraEnv: {
      KSP_HANDLER: path.join(projectRoot(), 'test', 'fixtures', 'handlers', 'keyed-sink.js'),
      KSP_FIXED_FLAG: fixedFlag,
      KSP_SLEEP_MS: '20',
      ...(tag ? { KSP_SINK_TAG: tag } : {}),
    },
  });
}

/** The `ksp` CLI against the stack, on the target's task queue. */
const ksp = (target: StackTarget, args: string[]) =>
  kspCli(args, {
    TEMPORAL_ADDRESS: suite.stack.temporalAddress ?? '',
    KSP_TASK_QUEUE: target.taskQueue,
    AWS_REGION: suite.stack.region,
    AWS_ENDPOINT_URL_KINESIS: suite.stack.kinesisEndpoint,
    AWS_ENDPOINT_URL_SQS: suite.stack.sqsEndpoint,
  });

const shardStatus = (streamName: string): Promise<ShardStatus> =>
  suite.temporal.workflow
    .getHandle(shardWorkflowId(streamName, 'shardId-000000000000'))
    .query(shardStatusQuery);

/** The sink's lines of one stream (the fixture adds the stream to each line). */
const linesOf = (target: Pick<StackTarget, 'sinkFile'>, streamName: string) =>
  readSink(target.sinkFile).filter((l) => (l as unknown as { stream: string }).stream === streamName);

/** The worker that wrote a sink line (keyed-sink.js with KSP_SINK_TAG). */
function worker(line: SinkLine): string | undefined {
  return (line as unknown as { worker?: string }).worker;
}

test('200 keys at parallelization 1 and 8: every record handled, each key in order', async () => {
  // One worker (its sink tells the streams apart) on the first target's task queue
  const [one, eight] = [await suite.setup(1), await suite.setup(1)] as [StackTarget, StackTarget];
  keyedWorker(one, path.join(path.dirname(one.sinkFile), 'never-fixed'));
  const started = Date.now();
  await Promise.all(
    [
      { target: one, parallelization: 1 },
      { target: eight, parallelization: 8 },
    ].map(async ({ target, parallelization }) => {
      await produce(suite.kinesis, target.streamName, 2_000, 200);
      await startStream(suite.temporal, one.taskQueue, {
        options: fastPollOptions(target, { parallelization }),
      });
    }),
  );
  await waitFor(() => readSink(one.sinkFile).length >= 4_000, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: '4,000 records in the sink',
  });
  for (const target of [one, eight]) {
    const lines = linesOf(one, target.streamName);
    expect(new Set(lines.map((l) => l.key)).size).toBe(2_000);
    expect(orderViolations(lines)).toEqual([]);
  }
  console.info(`per-key lanes: 2 × 2,000 records handled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 90_000);

test('a poison record with quarantine on: its key waits in the DLQ, the others flow; the replay releases it in order', async () => {
  const target = await suite.setup(1);
  const { streamName, dlqUrl } = target;
  const fixedFlag = `${target.sinkFile}.fixed`;
  keyedWorker(target, fixedFlag);
  const key5 = () => linesOf(target, streamName).filter((l) => l.partitionKey === 'key-5');
  // 1,000 records over 50 keys; record 105 (key-5, its n=2) is poison
  await produce(suite.kinesis, streamName, 1_000, 50, (i) => i === 105);
  await startStream(suite.temporal, target.taskQueue, {
    options: fastPollOptions(target, {
      parallelization: 4,
      quarantineKeys: true,
      retry: { maximumAttempts: 2, initialInterval: '200ms' },
    }),
  });
  const otherKeys = 1_000 - 20; // key-5 has 20 records
  await waitFor(
    () =>
      new Set(
        linesOf(target, streamName)
          .filter((l) => l.partitionKey !== 'key-5')
          .map((l) => l.key),
      ).size >= otherKeys,
    { timeoutMs: 60_000, intervalMs: 500, what: 'every record of the other keys handled' },
  );
  const status = await waitFor(
    async () => {
      const shard = await shardStatus(streamName).catch(() => null);
      return shard?.quarantinedKeys?.length ? shard : null;
    },
    { timeoutMs: 30_000, what: 'the quarantine in the status' },
  );
  expect(status.quarantinedKeys).toEqual([partitionKeyHash('key-5')]);
  // Key-5's records in the poison's own first read (records 0-399: n 0-7) reached the handler in
  // the call that failed the poison (the handler chose to handle them) and again with it on its
  // retry (held back); none of its later records (n 8-19) reached the handler before the replay.
  const before = key5();
  expect(Math.max(...before.map((l) => l.record.n))).toBeLessThanOrEqual(7);
  expect(before.some((l) => l.record.n === 2)).toBe(false);
  expect((await ksp(target, ['quarantine', 'list', '--json'])).stdout).toContain(partitionKeyHash('key-5'));

  // The fix is deployed; the key's records are replayed in order and the key released
  writeFileSync(fixedFlag, 'fixed');
  const replay = await ksp(target, ['dlq', 'replay', dlqUrl, '--partition-key', 'key-5', '--grace', '2s']);
  expect(replay.code).toBe(0);
  // Every record from the poison on, each once, in order
  expect(
    key5()
      .slice(before.length)
      .map((l) => l.record.n),
  ).toEqual(Array.from({ length: 18 }, (_, n) => n + 2));
  await waitFor(async () => (await shardStatus(streamName)).quarantinedKeys?.length === 0, {
    timeoutMs: 30_000,
    what: 'key-5 released',
  });
  // A later record of key-5 flows again, after the replayed ones
  await produce(suite.kinesis, streamName, 6, 50);
  await waitFor(() => key5().length > 20, { timeoutMs: 30_000, what: 'a new key-5 record handled' });
}, 150_000);

test('a partial failure of 1 record in 100, SIGKILL between the attempts: the retry on another worker delivers that record and the later records of its key only', async () => {
  const target = await suite.setup(1);
  const { streamName } = target;
  const fixedFlag = `${target.sinkFile}.fixed`;
  const started = Date.now();
  // 100 records over 7 keys: record i is key-(i % 7), n = i / 7. Record 42 (key-0, n=6) is poison.
  const produced = await produce(suite.kinesis, streamName, 100, 7, (i) => i === 42);
  const lastSequence = produced.lastSequenceByShard['shardId-000000000000'];
  const a = keyedWorker(target, fixedFlag, 'a');
  // The backoff before attempt 2 is the window for the kill: long enough under load.
  const backoffMs = 5_000;
  await startStream(suite.temporal, target.taskQueue, {
    options: fastPollOptions(target, {
      batchSize: 100,
      retry: { maximumAttempts: 3, initialInterval: `${backoffMs}ms` },
    }),
  });
  // Attempt 1 is complete (its result is in history) once the status shows what it owes: the
  // poison and the 8 later records of key-0 the handler confirmed (held back with it, for order).
  const owing = await waitFor(
    async () => {
      const shard = await shardStatus(streamName).catch(() => null);
      return shard?.owedRecords !== undefined ? shard : null;
    },
    { timeoutMs: 30_000, what: 'attempt 1 recorded: the owed records in the status' },
  );
  const owedSeenAt = Date.now();
  await a.stop('SIGKILL');
  const killedAt = Date.now();
  expect(killedAt - owedSeenAt).toBeLessThan(backoffMs); // the kill landed inside the backoff
  expect(owing).toMatchObject({ owedRecords: 9, attempt: 2, handled: 91, deadLettered: 0 });
  // The checkpoint stops just before the poison: at record 41 (key-6, n=5)
  const first = readSink(target.sinkFile);
  expect(first).toHaveLength(99); // attempt 1 confirmed every record but the poison, on worker a
  expect(first.every((l) => worker(l) === 'a')).toBe(true);
  const record41 = first.find((l) => l.partitionKey === 'key-6' && l.record.n === 5);
  expect(owing.checkpoint?.sequenceNumber).toBe(record41?.sequenceNumber);

  // The fix is deployed and worker b takes over: the backoff timer fires on the server, the
  // workflow task reaches b once a's sticky queue times out (10 s), b replays attempt 1's result
  // (owed positions, no records) from history and runs attempt 2.
  writeFileSync(fixedFlag, 'fixed');
  keyedWorker(target, fixedFlag, 'b');
  const done = await waitFor(
    async () => {
      const shard = await shardStatus(streamName).catch(() => null);
      return shard?.handled === 100 ? shard : null;
    },
    { timeoutMs: 40_000, intervalMs: 250, what: 'attempt 2 on worker b: 100 records handled' },
  );
  expect(done).toMatchObject({ attempt: 1, deadLettered: 0 });
  expect(done.owedRecords).toBeUndefined();
  expect(done.checkpoint?.sequenceNumber).toBe(lastSequence);

  const lines = readSink(target.sinkFile);
  // Attempt 2 handed over only the poison and the later records of its key, in order: key-0's n 6-14
  const second = lines.slice(first.length);
  expect(second.map((l) => [worker(l), l.partitionKey, l.record.n])).toEqual(
    Array.from({ length: 9 }, (_, k) => ['b', 'key-0', 6 + k]),
  );
  // Nothing lost; the only duplicates are key-0's n 7-14 (confirmed in attempt 1, held back with
  // the poison): the kill came after attempt 1's result was recorded, so no whole-batch redelivery.
  expect(new Set(lines.map((l) => l.key)).size).toBe(100);
  const twice = first.filter((l) => second.some((s) => s.key === l.key));
  expect(twice.map((l) => [l.partitionKey, l.record.n])).toEqual(
    Array.from({ length: 8 }, (_, k) => ['key-0', 7 + k]),
  );
  // Per key, order kept: every other key once, in order; key-0 in attempt 1 as the handler chose
  // (n 0-5, and 7-14 confirmed past the failed n=6), then from n=6 on, in order, in attempt 2.
  expect(orderViolations(lines.filter((l) => l.partitionKey !== 'key-0'))).toEqual([]);
  expect(first.filter((l) => l.partitionKey === 'key-0').map((l) => l.record.n)).toEqual([
    0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14,
  ]);
  console.info(
    `partial failure across a SIGKILL: owed seen → killed ${killedAt - owedSeenAt} ms (backoff ${backoffMs} ms), ` +
      `killed → attempt 2 done ${Date.now() - killedAt} ms, test ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}, 90_000);
