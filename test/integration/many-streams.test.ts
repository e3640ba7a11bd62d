/**
 * Many streams on one worker, streams by ARN, and streams that are recreated, on the whole local
 * stack (kinesis-local: it takes StreamARN parameters, kinesalite does not). One stack, one worker
 * per test: two streams, two handlers (KSP_HANDLERS), one of them named by ARN; a stream deleted
 * and recreated under a consumed name is refused by `ksp start` with the message, and
 * `ksp start --reset` consumes the new stream from its start position.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
} from '@aws-sdk/client-kinesis';
import { startStream } from '../../src/client/stream-control';
import { streamWorkflowId } from '../../src/constants';
import { projectRoot } from '../../src/local/paths';
import { putAll, demoEntry } from '../../src/producer/demo-producer';
import { ksp } from '../helpers/cli';
import { useIntegrationStack } from '../helpers/integration-stack';
import { fastPollOptions, readSink } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);
const suite = useIntegrationStack('many-streams', 'kinesis-local');
const TAGGED = path.join(projectRoot(), 'test', 'fixtures', 'handlers', 'tagged-sink.js');

interface TaggedLine {
  handler: string;
  stream: string;
  key: string;
  partitionKey: string;
}

function tagged(file: string): TaggedLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TaggedLine);
}

async function put(streamName: string, prefix: string, count: number): Promise<void> {
  const entries = Array.from({ length: count }, (_, i) => demoEntry(`${prefix}-${i % 3}`, Math.floor(i / 3)));
  await putAll(suite.kinesis, streamName, entries, {
    produced: 0,
    failedAttempts: 0,
    lastSequenceByShard: {},
  });
}

async function arnOf(streamName: string): Promise<string> {
  const out = await suite.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return out.StreamDescriptionSummary?.StreamARN ?? '';
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

test('one worker, two streams, two handlers; the second stream named by its ARN', async () => {
  // Prepare: stream A by name, stream B by ARN, each mapped to its own handler.
  const a = await suite.setup(1);
  const b = await suite.setup(1);
  const bArn = await arnOf(b.streamName);
  expect(bArn).toMatch(/^arn:aws:kinesis:/);
  const w = suite.worker(a, {
    extraEnv: {
      KSP_HANDLER: '',
      KSP_HANDLERS: JSON.stringify({
        [a.streamName]: { module: TAGGED, export: 'alpha' },
        [bArn]: { module: TAGGED, export: 'beta' },
      }),
    },
  });
  // Act
  await startStream(suite.temporal, a.taskQueue, { options: fastPollOptions(a) });
  const started = await startStream(suite.temporal, a.taskQueue, {
    options: fastPollOptions({ streamName: bArn, dlqUrl: b.dlqUrl }),
  });
  await put(a.streamName, 'a', 12);
  await put(b.streamName, 'b', 9);
  // Idempotency keys are per stream (shardId:sequenceNumber): two streams may repeat them.
  const distinct = () => new Set(tagged(a.sinkFile).map((l) => `${l.stream}|${l.key}`)).size;
  await waitFor(() => distinct() >= 21, {
    timeoutMs: 60_000,
    what: '21 records through two handlers',
  }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nworker output:\n${w.output()}`);
  });
  // Assess: each stream reached its own handler, and the ARN-named stream has an ID by account and region.
  const lines = tagged(a.sinkFile);
  const byStream = (s: string) => lines.filter((l) => l.stream === s);
  expect(new Set(byStream(a.streamName).map((l) => l.handler))).toEqual(new Set(['alpha']));
  expect(new Set(byStream(bArn).map((l) => l.handler))).toEqual(new Set(['beta']));
  expect(new Set(byStream(a.streamName).map((l) => l.key)).size).toBe(12);
  expect(new Set(byStream(bArn).map((l) => l.key)).size).toBe(9);
  const [, , , region, account] = bArn.split(':');
  expect(started.handle.workflowId).toBe(`ksp:${account}/${region}/${b.streamName}`);
  expect(streamWorkflowId(b.streamName)).toBe(`ksp:${b.streamName}`); // the plain name keeps its ID
});

test('a stream deleted and recreated under a consumed name is refused; --reset starts it over', async () => {
  // Prepare: consume the stream, then delete and recreate it with new records.
  const t = await suite.setup(1);
  suite.worker(t);
  const env = cliEnv(t.taskQueue);
  const first = await ksp(['start', t.streamName, '--dlq', t.dlqUrl, '--poll-wait', '2s'], env);
  expect(first.code).toBe(0);
  await put(t.streamName, 'old', 6);
  await waitFor(() => readSink(t.sinkFile).length >= 6, { timeoutMs: 45_000, what: 'the old records' });
  await suite.kinesis.send(new DeleteStreamCommand({ StreamName: t.streamName }));
  await waitFor(
    async () =>
      suite.kinesis
        .send(new DescribeStreamSummaryCommand({ StreamName: t.streamName }))
        .then(() => false)
        .catch(() => true),
    { timeoutMs: 20_000, what: 'the stream deleted' },
  );
  await suite.kinesis.send(new CreateStreamCommand({ StreamName: t.streamName, ShardCount: 1 }));
  await waitFor(
    async () =>
      (await suite.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: t.streamName })))
        .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { timeoutMs: 20_000, what: 'the stream recreated' },
  );
  await put(t.streamName, 'new', 9);
  // Act: start again without --reset
  const refused = await ksp(['start', t.streamName, '--dlq', t.dlqUrl], env);
  // Assess: refused with what happened and the fix; nothing of the new stream was read.
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`stream ${t.streamName} was deleted and recreated`);
  expect(refused.stderr).toContain(`ksp start --reset ${t.streamName}`);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(readSink(t.sinkFile).filter((l) => l.partitionKey.startsWith('new-'))).toEqual([]);
  // Act: --reset
  const reset = await ksp(['start', t.streamName, '--dlq', t.dlqUrl, '--poll-wait', '2s', '--reset'], env);
  expect(reset.code).toBe(0);
  expect(reset.stdout).toMatch(/reset .*: deleted \d+ workflow execution/);
  // Assess: every record of the new stream, from its start position, in order per key.
  await waitFor(() => readSink(t.sinkFile).filter((l) => l.partitionKey.startsWith('new-')).length >= 9, {
    timeoutMs: 60_000,
    what: 'the new stream read from TRIM_HORIZON',
  });
  const fresh = readSink(t.sinkFile).filter((l) => l.partitionKey.startsWith('new-'));
  for (const key of ['new-0', 'new-1', 'new-2']) {
    expect(fresh.filter((l) => l.partitionKey === key).map((l) => l.record.n)).toEqual([0, 1, 2]);
  }
});
