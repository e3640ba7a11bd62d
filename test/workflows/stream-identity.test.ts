/**
 * Stream identity on the real time-skipping server: a stream deleted and recreated under its name
 * (a new creation time) is refused by the stream workflow's discovery and by the shard starter, with
 * the message saying what happened and the fix; shards carry the identity to their batches.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ProcessBatchInput } from '../../src/activities/shard/process-batch';
import type { StreamDescription, ShardInfo } from '../../src/activities/stream/discovery';
import { createShardStarter, shardStartActivities } from '../../src/activities/stream/shard-starter';
import { streamWorkflowId } from '../../src/constants';
import { ErrorType } from '../../src/errors';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import type { StreamIdentity } from '../../src/workflows/stream-identity';
import { rediscoverSignal, stopStreamSignal, streamStatusQuery } from '../../src/workflows/stream-messages';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, idle, testOptions } from '../helpers/fake-batches';
import { useTimeSkipping } from '../helpers/time-skipping';
import { skipTime } from '../helpers/time';

const { env, plainClient: client } = useTimeSkipping();
let n = 0;
const SHARDS: ShardInfo[] = [{ shardId: 'shardId-000000000000', parentShardIds: [], closed: false }];

function identity(streamName: string, createdAt: string): StreamIdentity {
  return { arn: `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`, createdAt };
}
const OLD = '2026-11-01T00:00:00.000Z';
const NEW = '2026-12-01T10:00:00.000Z';

type StreamFn = (i: StreamWorkflowInput) => Promise<StreamWorkflowResult>;

interface TestStream {
  streamName: string;
  /** Starts the stream workflow on the test worker (again, once a run has ended). */
  start(): Promise<WorkflowHandle<StreamFn>>;
  /** The stream is deleted and recreated under its name: describeStream reports it created at NEW. */
  recreate(): void;
}

/**
 * Runs `body` with a fresh stream, created at OLD, and a worker whose describeStream reports the
 * stream's current identity; answers the batch inputs its shard workflow ran.
 */
async function withStream(
  prefix: string,
  body: (stream: TestStream) => Promise<void>,
): Promise<ProcessBatchInput[]> {
  const streamName = `${prefix}-${++n}`;
  const taskQueue = `identity-test-${++n}`;
  let current = identity(streamName, OLD);
  const seen: ProcessBatchInput[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      describeStream: async (): Promise<StreamDescription> => ({
        streamName,
        streamArn: current.arn,
        status: 'ACTIVE',
        shards: SHARDS,
        identity: current,
      }),
      ...shardStartActivities(createShardStarter({ client: () => client, taskQueue: () => taskQueue })),
      processBatch: async (input: ProcessBatchInput) => {
        seen.push(input);
        return seen.length < 3 ? handled(seen.length * 10, 10, { waitedMs: 0 }) : idle(input, 0);
      },
    },
  });
  const stream: TestStream = {
    streamName,
    start: () =>
      env.client.workflow.start<StreamFn>('streamWorkflow', {
        taskQueue,
        workflowId: streamWorkflowId(streamName),
        args: [{ options: testOptions({ streamName }), rediscoverIntervalMs: 60_000 }],
      }),
    recreate: () => {
      current = identity(streamName, NEW);
    },
  };
  await worker.runUntil(() => body(stream));
  return seen;
}

/** The failure of a stream workflow that refused its recreated stream: type and fix asserted. */
async function recreatedFailure(handle: WorkflowHandle<StreamFn>, streamName: string): Promise<string> {
  const err = await handle.result().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe(ErrorType.StreamRecreated);
  expect(cause.message).toContain(`ksp start --reset ${streamName}`);
  return cause.message;
}

test('a stream recreated while consumed is refused at the next discovery, with what happened and the fix', async () => {
  const seen = await withStream('recreated', async ({ streamName, start, recreate }) => {
    // Prepare
    const handle = await start();
    await skipTime(env, 30_000);
    expect((await handle.query(streamStatusQuery)).shards).toHaveLength(1);
    // Act: the stream is deleted and recreated under its name
    recreate();
    await handle.signal(rediscoverSignal);
    const message = await recreatedFailure(handle, streamName);
    // Assess
    expect(message).toContain(`stream ${streamName} was deleted and recreated`);
    expect(message).toContain(OLD);
    expect(message).toContain(NEW);
  });
  // The shard's batches carried the identity its checkpoints belong to.
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((i) => i.streamIdentity?.createdAt === OLD)).toBe(true);
});

test('a new stream workflow refuses shard workflows of the old stream; the same stream carries on', async () => {
  await withStream('restarted', async ({ streamName, start, recreate }) => {
    const first = await start();
    await skipTime(env, 30_000);
    await first.signal(stopStreamSignal);
    await first.result();
    // Same stream: a new start carries on from the checkpoint.
    const second = await start();
    await skipTime(env, 30_000);
    expect((await second.query(streamStatusQuery)).state).toBe('running');
    await second.signal(stopStreamSignal);
    await second.result();
    // Act: recreated while nothing ran
    recreate();
    const third = await start();
    // Assess
    await recreatedFailure(third, streamName);
  });
});
