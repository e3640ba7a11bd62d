/**
 * Outages are visible (issue 15, finding 5): with Kinesis stalled (a TCP proxy between the worker
 * and kinesalite that accepts and answers nothing), `liveStreamStatus` and `ksp status` say
 * "Kinesis unreachable since …" for the shard within the heartbeat timeout, instead of a shard
 * that looks `running`, attempt 1, lag 0; once Kinesis answers again, the note goes and records flow.
 */
import path from 'node:path';
import { liveStreamStatus, startStream, stopStream, streamHandle } from '../../src/client/stream-control';
import { formatStreamStatus } from '../../src/cli/render-status';
import { compileStreamOptions } from '../../src/config/stream-options';
import { projectRoot } from '../../src/local/paths';
import { useIntegrationStack } from '../helpers/integration-stack';
import { type WorkerProcess, produce, startWorkerProcess, uniqueKeys } from '../helpers/pipeline';
import { StallProxy } from '../helpers/stall-proxy';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('outage', 'kinesalite');
let proxy: StallProxy | undefined;
let worker: WorkerProcess | undefined;

afterEach(async () => {
  await worker?.stop('SIGKILL');
  await proxy?.close();
});

test('a stalled Kinesis shows as "Kinesis unreachable since …" within the heartbeat timeout, and clears', async () => {
  // Prepare: the worker reaches Kinesis only through the proxy.
  const t = await suite.setup(1);
  proxy = await StallProxy.start(suite.stack.kinesisEndpoint);
  worker = startWorkerProcess(suite.stack, {
    ...t,
    extraEnv: {
      AWS_ENDPOINT_URL_KINESIS: proxy.endpoint,
      // pipeline.ts still names dist/handlers/, which the tree reorganisation moved to dist/examples/.
      KSP_HANDLER: path.join(projectRoot(), 'dist', 'examples', 'jsonl-sink.js'),
    },
  });
  const heartbeatTimeoutMs = 10_000;
  const options = compileStreamOptions({
    streamName: t.streamName,
    dlqQueueUrl: t.dlqUrl,
    maxPollWait: '2s',
    idlePollInterval: '200ms',
    heartbeatTimeout: `${heartbeatTimeoutMs / 1000}s`,
  });
  await produce(suite.kinesis, t.streamName, 20, 4);
  await startStream(suite.temporal, t.taskQueue, { options });
  await waitFor(() => uniqueKeys(t.sinkFile) >= 20, { timeoutMs: 60_000, what: '20 records handled' });
  expect((await liveStreamStatus(suite.temporal, t.streamName)).shards[0]?.outage).toBeUndefined();

  // Act
  proxy.stall();
  const stalledAt = Date.now();
  const seen = await waitFor(
    async () => {
      const status = await liveStreamStatus(suite.temporal, t.streamName);
      return status.shards[0]?.outage ? status : null;
    },
    { timeoutMs: heartbeatTimeoutMs, intervalMs: 200, what: 'the outage in the live status' },
  );
  const shownAfterMs = Date.now() - stalledAt;

  // Assess
  const outage = seen.shards[0]?.outage;
  expect(outage?.note).toMatch(
    /^Kinesis unreachable since \d{4}-\d\d-\d\dT[\d:.]+Z \((GetRecords|GetShardIterator): /,
  );
  expect(outage).toMatchObject({ activity: 'processBatch' });
  expect(outage?.activityAttempt).toBeGreaterThanOrEqual(2);
  expect(shownAfterMs).toBeLessThan(heartbeatTimeoutMs);
  expect(formatStreamStatus(seen)).toContain('Kinesis unreachable since');

  // Kinesis answers again: records flow and the note goes.
  await proxy.release();
  await produce(suite.kinesis, t.streamName, 10, 4);
  await waitFor(() => uniqueKeys(t.sinkFile) >= 30, { timeoutMs: 60_000, what: '30 records handled' });
  await waitFor(
    async () => (await liveStreamStatus(suite.temporal, t.streamName)).shards[0]?.outage === undefined,
    { timeoutMs: 30_000, intervalMs: 200, what: 'the outage note to clear' },
  );
  await stopStream(suite.temporal, t.streamName);
  await streamHandle(suite.temporal, t.streamName).result();
});
