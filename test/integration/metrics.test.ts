/**
 * Metrics and logs of a real worker on the local stack (kinesis-local, which reports
 * MillisBehindLatest), scraped by a real Prometheus: the handled and dead-lettered counts equal
 * what was written, the iterator age is above zero while a backlog drains and zero after, and the
 * worker's JSON logs parse line by line and hold no record data and no secret from its environment.
 */
import path from 'node:path';
import { startStream, stopStream } from '../../src/client/stream-control';
import { compileStreamOptions } from '../../src/config/stream-options';
import { getFreePort } from '../../src/local/ports';
import { testOutDir } from '../../src/local/paths';
import { useIntegrationStack } from '../helpers/integration-stack';
import { produce } from '../helpers/pipeline';
import { type TestPrometheus, startPrometheus } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('metrics', 'kinesis-local');
const SECRET = 'metrics-test-secret-5f0c1d';
let prometheus: TestPrometheus | undefined;

afterAll(async () => {
  await prometheus?.stop();
});

test('Prometheus scrapes the worker: handled and dead-lettered equal what was written, lag drains to zero; logs are clean JSON', async () => {
  // Prepare: a backlog of 1,500 records over 2 shards, 15 of them poison
  const t = await suite.setup(2);
  // Two halves 5 s apart: while the first drains, the shards are seconds behind the tip, for
  // several scrapes (one backlog put at once would be a second behind at most).
  const poison = (i: number) => i % 100 === 42;
  await produce(suite.kinesis, t.streamName, 750, 50, poison);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await produce(suite.kinesis, t.streamName, 750, 50, poison);
  const poisoned = 2 * Array.from({ length: 750 }, (_, i) => i).filter(poison).length; // 16
  const metricsPort = await getFreePort();
  const w = suite.worker(t, {
    poison: '"poison":true',
    extraEnv: {
      KSP_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      KSP_LOG_FORMAT: 'json',
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_ACCESS_KEY_ID: 'metrics-test',
    },
  });
  prometheus = await startPrometheus(
    [`127.0.0.1:${metricsPort}`],
    path.join(testOutDir(), 'metrics', 'prometheus'),
  );
  // Act: small batches, one attempt, so the drain takes a while and poison goes straight to the DLQ
  const options = compileStreamOptions({
    streamName: t.streamName,
    dlqQueueUrl: t.dlqUrl,
    batchSize: 10,
    maxPollWait: '2s',
    idlePollInterval: '200ms',
    retry: { maximumAttempts: 1 },
  });
  await startStream(suite.temporal, t.taskQueue, { options });
  const p = prometheus;
  let maxLagSeen = 0;
  await waitFor(
    async () => {
      maxLagSeen = Math.max(maxLagSeen, (await p.query('max(ksp_iterator_age_seconds)')) ?? 0);
      return (await p.query('sum(ksp_records_handled_total)')) === 1_500 - poisoned;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: 'Prometheus to count every good record handled' },
  );
  // Assess
  expect(maxLagSeen).toBeGreaterThan(0);
  await waitFor(async () => (await p.query('sum(ksp_records_dead_lettered_total)')) === poisoned, {
    timeoutMs: 30_000,
    what: 'every poison record dead-lettered in Prometheus',
  });
  expect(poisoned).toBe(16);
  expect(await p.query('sum(ksp_records_dead_lettered_total{reason="retries-exhausted"})')).toBe(poisoned);
  expect(await p.query('sum(ksp_records_read_total)')).toBeGreaterThanOrEqual(1_500);
  await waitFor(async () => (await p.query('max(ksp_iterator_age_seconds)')) === 0, {
    timeoutMs: 30_000,
    what: 'the iterator age back to zero',
  });
  expect(await p.query('count(ksp_handler_duration_seconds_count)')).toBe(2);
  // Buckets in seconds (the SDK's default buckets are milliseconds).
  expect(await p.query('count(ksp_handler_duration_seconds_bucket{le="0.1"})')).toBe(2);
  expect(await p.query('max(ksp_shard_state{state="running"})')).toBe(1);
  expect(await p.query('count(ksp_checkpoint_moved_timestamp_seconds)')).toBe(2);
  expect(
    await p.query('sum(temporal_worker_task_slots_available{worker_type="ActivityWorker"})'),
  ).not.toBeNull();

  await stopStream(suite.temporal, t.streamName);
  const logs = w
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '');
  expect(logs.length).toBeGreaterThan(0);
  const notJson = logs.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });
  expect(notJson).toEqual([]);
  const all = logs.join('\n');
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain('{"key":"key-');
  expect(all).not.toContain(Buffer.from('{"key":"key-').toString('base64').slice(0, 12));
  expect(all).toContain('"shard":"shardId-');
});
