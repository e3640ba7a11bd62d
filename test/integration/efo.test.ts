/**
 * Enhanced fan-out on kinesis-local (kinesalite has none): a stream read through an EFO consumer
 * (`consumer: { type: 'efo', name }`) hands every record to the handler in order per key, also
 * across subscription renewals (shortened to 3 s here; AWS renews every 5 minutes), and a polling
 * application and an EFO application on the same stream each see every record, and a 4 → 8
 * reshard ends each parent (kinesis-local sends no ChildShards event: the reader's idle probe finds
 * the end) with its children read after it, and a worker's SIGKILL moves the shard to another worker
 * without loss. One stack for the file.
 */
import path from 'node:path';
import {
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  ListStreamConsumersCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { startStream } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import type { ShardWorkflowResult } from '../../src/workflows/shard';
import { connectClient } from '../../src/client/temporal-client';
import { demoEntry, putAll } from '../../src/producer/demo-producer';
import { ksp } from '../helpers/cli';
import { useIntegrationStack } from '../helpers/integration-stack';
import { createNamespace } from '../helpers/namespace';
import { fastPollOptions, readSink, type SinkLine } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

jest.setTimeout(90_000);
const suite = useIntegrationStack('efo', 'kinesis-local');

async function put(streamName: string, keys: string[], from: number, count: number): Promise<void> {
  const entries = [];
  for (let n = from; n < from + count; n++) for (const key of keys) entries.push(demoEntry(key, n));
  await putAll(suite.kinesis, streamName, entries, {
    produced: 0,
    failedAttempts: 0,
    lastSequenceByShard: {},
  });
}

function inOrderPerKey(lines: SinkLine[], keys: string[], count: number): void {
  for (const key of keys) {
    const ns = lines.filter((l) => l.partitionKey === key).map((l) => l.record.n);
    // At-least-once: a retried batch may repeat records, never reorder or lose them.
    const distinct = ns.filter((n, i) => i === 0 || n !== ns[i - 1]);
    expect(distinct).toEqual(Array.from({ length: count }, (_, i) => i));
  }
}

/**
 * Across a worker's SIGKILL: every record in order, nothing lost; the batch the dead worker held
 * may be delivered again from its start (at-least-once: handled, not yet checkpointed), so at most
 * one step back per key and at most `batch` records of it again.
 */
function inOrderAcrossKill(lines: SinkLine[], keys: string[], count: number, batch: number): void {
  for (const key of keys) {
    const ns = lines.filter((l) => l.partitionKey === key).map((l) => l.record.n);
    expect(ns.filter((n, i) => ns.indexOf(n) === i)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(ns.filter((n, i) => i > 0 && n <= (ns[i - 1] as number)).length).toBeLessThanOrEqual(1);
    expect(ns.length - count).toBeLessThanOrEqual(batch);
  }
}

function cliEnv(taskQueue: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: suite.stack.temporalAddress ?? '',
    KSP_TASK_QUEUE: taskQueue,
    AWS_REGION: suite.stack.region,
    AWS_ENDPOINT_URL_KINESIS: suite.stack.kinesisEndpoint,
    AWS_ENDPOINT_URL_SQS: suite.stack.sqsEndpoint,
  };
}

async function consumers(streamName: string): Promise<string[]> {
  const arn = (await suite.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
    .StreamDescriptionSummary?.StreamARN;
  const out = await suite.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }));
  return (out.Consumers ?? []).map((c) => `${c.ConsumerName}:${c.ConsumerStatus}`);
}

test('EFO: every record in order per key, across shortened subscription renewals', async () => {
  // Prepare: a 2-shard stream, an EFO consumer whose subscriptions are renewed every 3 s.
  const t = await suite.setup(2);
  const w = suite.worker(t, { extraEnv: { KSP_EFO_RENEW_AFTER_MS: '3000' } });
  const keys = ['a', 'b', 'c', 'd'];
  await put(t.streamName, keys, 0, 5);
  // Act: start with EFO, then keep producing over more than two renewal periods.
  await startStream(suite.temporal, t.taskQueue, {
    options: fastPollOptions(t, { consumer: { type: 'efo', name: 'efo-app' } }),
  });
  for (let round = 1; round < 4; round++) {
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await put(t.streamName, keys, round * 5, 5);
  }
  // Assess: every record, in order per key; the consumer was registered and is ACTIVE.
  await waitFor(() => new Set(readSink(t.sinkFile).map((l) => l.key)).size >= 80, {
    timeoutMs: 45_000,
    what: '80 records through EFO',
  }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nworker output:\n${w.output()}`);
  });
  inOrderPerKey(readSink(t.sinkFile), keys, 20);
  expect(await consumers(t.streamName)).toEqual(['efo-app:ACTIVE']);
  expect(w.output()).toContain('enhanced fan-out renewed');
  // Act: stop and deregister the consumer.
  const stopped = await ksp(['stop', t.streamName, '--deregister-consumer'], cliEnv(t.taskQueue));
  // Assess
  expect(stopped.code).toBe(0);
  expect(stopped.stdout).toContain('enhanced fan-out consumer efo-app deregistered');
  expect((await consumers(t.streamName)).filter((c) => c.endsWith(':ACTIVE'))).toEqual([]);
});

test('a polling application and an EFO application on the same stream each see every record', async () => {
  // Prepare: app P polls in namespace default, app E reads by EFO in its own namespace.
  const t = await suite.setup(2);
  await createNamespace(suite.temporal, 'efo-second-app');
  const efoSink = path.join(path.dirname(t.sinkFile), `${t.streamName}-efo.jsonl`);
  const wp = suite.worker(t);
  const we = suite.worker(
    { taskQueue: `${t.taskQueue}-efo`, sinkFile: efoSink },
    { extraEnv: { TEMPORAL_NAMESPACE: 'efo-second-app' } },
  );
  const other = await connectClient({
    address: suite.stack.temporalAddress ?? '',
    namespace: 'efo-second-app',
    taskQueue: 'unused',
    tls: false,
  });
  try {
    // Act
    await startStream(suite.temporal, t.taskQueue, { options: fastPollOptions(t) });
    await startStream(other.client, `${t.taskQueue}-efo`, {
      options: fastPollOptions(t, { consumer: { type: 'efo', name: 'second-app' } }),
    });
    const keys = ['p', 'q', 'r'];
    await put(t.streamName, keys, 0, 10);
    // Assess: both applications handled all 30 records, in order per key.
    const all = (file: string) => new Set(readSink(file).map((l) => l.key)).size >= 30;
    await waitFor(() => all(t.sinkFile) && all(efoSink), {
      timeoutMs: 45_000,
      what: '30 records in each application',
    }).catch((e: unknown) => {
      throw new Error(
        `${(e as Error).message}\npolling worker:\n${wp.output()}\nEFO worker:\n${we.output()}`,
      );
    });
    inOrderPerKey(readSink(t.sinkFile), keys, 10);
    inOrderPerKey(readSink(efoSink), keys, 10);
  } finally {
    await other.close();
  }
});

test('EFO across a 4 → 8 reshard: parents end with their children, every record in order per key', async () => {
  // Prepare: a 4-shard stream read by EFO, records on every shard.
  const t = await suite.setup(4);
  const w = suite.worker(t);
  await startStream(suite.temporal, t.taskQueue, {
    options: fastPollOptions(t, { consumer: { type: 'efo', name: 'resharded-app' } }),
  });
  const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
  await put(t.streamName, keys, 0, 5);
  await waitFor(() => new Set(readSink(t.sinkFile).map((l) => l.key)).size >= 40, {
    timeoutMs: 30_000,
    what: '40 records before the reshard',
  });
  // Act: 4 → 8, then more records (on the children).
  await suite.kinesis.send(
    new UpdateShardCountCommand({
      StreamName: t.streamName,
      TargetShardCount: 8,
      ScalingType: 'UNIFORM_SCALING',
    }),
  );
  await waitFor(
    async () =>
      (await suite.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: t.streamName })))
        .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { timeoutMs: 20_000, what: 'the reshard done' },
  );
  await put(t.streamName, keys, 5, 5);
  // Assess: all 80, in order per key; every parent's workflow ended at its shard end.
  await waitFor(() => new Set(readSink(t.sinkFile).map((l) => l.key)).size >= 80, {
    timeoutMs: 40_000,
    what: '80 records across the reshard',
  }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nworker output:\n${w.output()}`);
  });
  inOrderPerKey(readSink(t.sinkFile), keys, 10);
  const shards = (await suite.kinesis.send(new ListShardsCommand({ StreamName: t.streamName }))).Shards ?? [];
  const parents = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber !== undefined);
  expect(parents.length).toBeGreaterThanOrEqual(4);
  for (const p of parents) {
    const result = (await suite.temporal.workflow
      .getHandle(shardWorkflowId(t.streamName, p.ShardId ?? ''))
      .result()) as ShardWorkflowResult;
    expect(result.reason).toBe('shard-ended');
  }
});

test('EFO across a worker SIGKILL: the shard moves to another worker, nothing lost', async () => {
  // Prepare: a 1-shard stream read by EFO on worker A, with a short heartbeat timeout.
  const t = await suite.setup(1);
  const a = suite.worker(t);
  await startStream(suite.temporal, t.taskQueue, {
    options: fastPollOptions(t, { consumer: { type: 'efo', name: 'killed-app' }, heartbeatTimeout: '3s' }),
  });
  const keys = ['x', 'y'];
  await put(t.streamName, keys, 0, 5);
  await waitFor(() => new Set(readSink(t.sinkFile).map((l) => l.key)).size >= 10, {
    timeoutMs: 30_000,
    what: '10 records on worker A',
  });
  // Act: kill A mid-subscription, start B, write more.
  await a.stop('SIGKILL');
  const b = suite.worker(t);
  await put(t.streamName, keys, 5, 5);
  // Assess: B takes the shard over (waiting out A's subscription if still open), all 20 in order.
  await waitFor(() => new Set(readSink(t.sinkFile).map((l) => l.key)).size >= 20, {
    timeoutMs: 45_000,
    what: '20 records after the SIGKILL',
  }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nworker B output:\n${b.output()}`);
  });
  inOrderAcrossKill(readSink(t.sinkFile), keys, 10, 5);
  expect(b.output()).toContain('enhanced fan-out subscribed');
});
