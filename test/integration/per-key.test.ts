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
import { fastPollOptions, orderViolations, produce, readSink } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('per-key', 'kinesalite');

/** A worker running keyed-sink.js (20 ms a call) on the target's task queue and sink. */
function keyedWorker(target: StackTarget, fixedFlag: string): void {
  suite.worker(target, {
    extraEnv: {
      KSP_HANDLER: path.join(projectRoot(), 'test', 'fixtures', 'handlers', 'keyed-sink.js'),
      KSP_FIXED_FLAG: fixedFlag,
      KSP_SLEEP_MS: '20',
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
