/**
 * The reshard workflow on the time-skipping server with its real activities against both Kinesis
 * emulators: UpdateShardCount where the backend has it (kinesis-local), the equivalent splits and
 * merges where it does not (kinesalite), every limit checked before anything changes, the ledger
 * kept by the stream workflow, and one reshard per stream at a time.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Worker } from '@temporalio/worker';
import { createReshardActivities } from '../../src/activities/reshard/reshard';
import { type StartShardInput, shardStartActivities } from '../../src/activities/stream/shard-starter';
import { StreamDiscovery } from '../../src/activities/stream/discovery';
import { createKinesisClient } from '../../src/aws/clients';
import { reshardResult, startReshard } from '../../src/client/reshard-control';
import { TargetError } from '../../src/client/stream-control';
import { streamWorkflowId } from '../../src/constants';
import {
  type KinesisEmulator,
  LOCAL_AWS,
  startKinesalite,
  startKinesisLocal,
} from '../../src/local/kinesis-emulator';
import { getFreePort } from '../../src/local/ports';
import {
  type ReshardLedgerEntry,
  reshardCompletedSignal,
  reshardLedgerQuery,
  shardEndedSignal,
  streamStatusQuery,
} from '../../src/workflows/stream-messages';
import { hashShare as exactShare } from '../../src/workflows/hash-range';
import { type OpenShard, reshardProgressQuery } from '../../src/workflows/reshard-messages';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { testOptions } from '../helpers/fake-batches';
import { workflowBundlePath } from '../helpers/bundle';
import { createStream } from '../helpers/pipeline';
import { useTimeSkipping } from '../helpers/time-skipping';
import { failedWorkflowTasks } from '../helpers/bad-messages';
import { waitFor } from '../helpers/wait';

/** Share of the hash space to 3 decimals (kinesis-local's ranges are off by a few keys). */
const hashShare = (s: OpenShard): number => +exactShare(s).toFixed(3);

const { env } = useTimeSkipping();
const emulators: Record<string, { emulator: KinesisEmulator; kinesis: KinesisClient }> = {};
let n = 0;

beforeAll(async () => {
  const [local, lite] = await Promise.all([
    getFreePort().then((port) => startKinesisLocal({ port })),
    getFreePort().then((port) => startKinesalite({ port })),
  ]);
  for (const emulator of [local, lite]) {
    emulators[emulator.kind] = {
      emulator,
      kinesis: createKinesisClient({
        ...LOCAL_AWS,
        credentials: { ...LOCAL_AWS.credentials },
        endpoint: emulator.endpoint,
      }),
    };
  }
});

afterAll(async () => {
  for (const { emulator, kinesis } of Object.values(emulators)) {
    kinesis.destroy();
    await emulator.stop();
  }
});

type Activities = ReturnType<typeof createReshardActivities>;

/**
 * A worker with the real reshard activities (spied), and a stream workflow whose discovery is
 * real and whose shard workflows are stand-ins: started shards are recorded, never run.
 */
async function withStack<T>(
  kind: 'kinesis-local' | 'kinesalite',
  shards: number,
  body: (t: {
    streamName: string;
    taskQueue: string;
    kinesis: KinesisClient;
    spies: { [K in keyof Activities]: jest.Mock };
    started: StartShardInput[];
    startStreamWorkflow(options?: Record<string, unknown>): Promise<void>;
  }) => Promise<T>,
  gate?: Promise<void>,
): Promise<T> {
  const { kinesis } = emulators[kind]!;
  const id = ++n;
  const streamName = `reshard-wf-${Date.now().toString(36)}-${id}`;
  const taskQueue = `reshard-test-${id}`;
  await createStream(kinesis, streamName, shards);
  const real = createReshardActivities({ kinesis, client: () => env.client, activePollMs: 20 });
  const spies = Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      jest.fn(async (...args: unknown[]) => {
        if (name === 'inspectStreamForReshard') await gate;
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      }),
    ]),
  ) as { [K in keyof Activities]: jest.Mock };
  const started: StartShardInput[] = [];
  const discovery = new StreamDiscovery(kinesis);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      ...spies,
      describeStream: async (input: { streamName: string }) => discovery.describe(input.streamName),
      ...shardStartActivities(async (input: StartShardInput) => {
        started.push(input);
        return { state: 'running', status: null };
      }),
    },
  });
  const startStreamWorkflow = async (options: Record<string, unknown> = {}) => {
    await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
      'streamWorkflow',
      {
        taskQueue,
        workflowId: streamWorkflowId(streamName),
        args: [{ options: testOptions({ streamName, ...options }), rediscoverIntervalMs: 3_600_000 }],
      },
    );
    await waitFor(() => started.length >= shards, { what: `${shards} shard workflows started` });
  };
  return worker.runUntil(body({ streamName, taskQueue, kinesis, spies, started, startStreamWorkflow }));
}

const changing = ['updateShardCount', 'splitShard', 'mergeShards'] as const;

test('kinesis-local: 4 → 8 is one UpdateShardCount; the stream workflow records it and its new shards start from TRIM_HORIZON after their parents', async () => {
  await withStack(
    'kinesis-local',
    4,
    async ({ streamName, taskQueue, spies, started, startStreamWorkflow }) => {
      // Prepare: consuming from LATEST, as an operator might.
      await startStreamWorkflow({ startPosition: { type: 'LATEST' } });
      // Act
      const handle = await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: 8 },
        requestedBy: 'test',
      });
      const result = await reshardResult(handle);
      // Assess: what was done
      expect(result.steps).toHaveLength(1);
      expect(result.steps[0]).toMatchObject({ from: 4, to: 8, method: 'UpdateShardCount' });
      expect(result.steps[0]!.calls.map((c) => c.call)).toEqual([
        { op: 'UpdateShardCount', targetShardCount: 8 },
      ]);
      expect(result.before).toHaveLength(4);
      expect(result.after.map(hashShare)).toEqual(Array(8).fill(0.125));
      expect(result.after.every((s) => s.parentShardIds.length === 1)).toBe(true);
      expect(result).toMatchObject({ streamWorkflowNotified: true, requestedBy: 'test', notes: [] });
      expect(spies.splitShard).not.toHaveBeenCalled();
      // The stream workflow: the ledger, and the children found at once but waiting for their parents.
      const stream = env.client.workflow.getHandle(streamWorkflowId(streamName));
      const ledger = await stream.query(reshardLedgerQuery);
      expect(ledger).toEqual([
        expect.objectContaining({ from: 4, to: 8, kind: 'count', method: 'UpdateShardCount' }) as unknown,
      ]);
      const status = await waitFor(
        async () => {
          const s = await stream.query(streamStatusQuery);
          return s.shards.length === 12 ? s : null;
        },
        { what: 'the 8 new shards in the stream status' },
      );
      const waiting = status.shards.filter((s) => s.state === 'waiting-for-parents').map((s) => s.shardId);
      expect(waiting).toEqual(result.after.map((s) => s.shardId).sort());
      expect(status.reshards).toEqual(ledger);
      // The parents report their end: each child starts, from TRIM_HORIZON although the stream reads from LATEST.
      for (const parent of result.before) {
        await stream.signal(shardEndedSignal, {
          shardId: parent.shardId,
          checkpoint: null,
          childShardIds: null,
        });
      }
      await waitFor(() => started.length === 12, { what: 'the 8 children started' });
      expect(started.slice(0, 4).map((s) => s.startPosition)).toEqual(Array(4).fill({ type: 'LATEST' }));
      expect(started.slice(4).map((s) => s.startPosition)).toEqual(Array(8).fill({ type: 'TRIM_HORIZON' }));
    },
  );
});

test('kinesalite: 4 → 8 falls back to 4 SplitShard calls, 8 → 3 takes two steps of MergeShards', async () => {
  await withStack('kinesalite', 4, async ({ streamName, taskQueue, startStreamWorkflow }) => {
    await startStreamWorkflow();
    // Act
    const up = await reshardResult(
      await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: 8 },
      }),
    );
    const down = await reshardResult(
      await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: 3, allowMultipleSteps: true },
      }),
    );
    // Assess
    expect(up.steps.map((s) => [s.from, s.to, s.method, s.calls.length])).toEqual([[4, 8, 'SplitShard', 4]]);
    expect(up.notes).toEqual([
      expect.stringMatching(
        /no UpdateShardCount: made the equivalent SplitShard\/MergeShards calls/,
      ) as unknown,
    ]);
    expect(up.after.map(hashShare)).toEqual(Array(8).fill(0.125));
    expect(down.steps.map((s) => [s.from, s.to, s.method, s.calls.length])).toEqual([
      [8, 4, 'MergeShards', 4],
      [4, 3, 'MergeShards', 1],
    ]);
    expect(down.after.map(hashShare).sort()).toEqual([0.25, 0.25, 0.5]);
    const ledger = await env.client.workflow
      .getHandle(streamWorkflowId(streamName))
      .query(reshardLedgerQuery);
    expect(ledger.map((e) => [e.from, e.to, e.kind])).toEqual([
      [4, 8, 'count'],
      [8, 4, 'count'],
      [4, 3, 'count'],
    ]);
  });
});

test('explicit split and merge on kinesalite; they do not count against the 24 h budget', async () => {
  await withStack('kinesalite', 2, async ({ streamName, taskQueue, startStreamWorkflow }) => {
    await startStreamWorkflow();
    const split = await reshardResult(
      await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'split', shardId: 'shardId-000000000001' },
      }),
    );
    expect(split.after.map(hashShare)).toEqual([0.5, 0.25, 0.25]);
    const [, a, b] = split.after;
    const merge = await reshardResult(
      await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'merge', shardIds: [b!.shardId, a!.shardId] },
      }),
    );
    expect(merge.steps[0]!.calls.map((c) => c.call.op)).toEqual(['MergeShards']);
    expect(merge.after.map(hashShare)).toEqual([0.5, 0.5]);
    const ledger = await env.client.workflow
      .getHandle(streamWorkflowId(streamName))
      .query(reshardLedgerQuery);
    expect(ledger.map((e) => e.kind)).toEqual(['split', 'merge']);
  });
});

test('limits refuse before anything changes: more than 2×, the 11th change in 24 h, a running reshard', async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  await withStack(
    'kinesis-local',
    4,
    async ({ streamName, taskQueue, spies, startStreamWorkflow }) => {
      await startStreamWorkflow();
      const stream = env.client.workflow.getHandle(streamWorkflowId(streamName));
      // A reshard in flight (held before its first look at the stream) refuses a second one.
      const first = await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: 20 },
      });
      await expect(
        startReshard(env.client, taskQueue, { streamName, request: { kind: 'count', targetShardCount: 6 } }),
      ).rejects.toThrow(
        new RegExp(
          `a reshard of stream "${streamName}" is already running \\(workflow ksp:${streamName}:reshard: .*\\); Kinesis reshards one change at a time`,
        ),
      );
      open();
      // More than 2× in one call.
      await expect(reshardResult(first)).rejects.toThrow(
        /from 4 open shards to 2–8 \(at most 2× up, at least ½ down\); 20 needs 3 calls \(4 → 8 → 16 → 20\)/,
      );
      // Ten count changes in the ledger: the eleventh is refused, naming when it is allowed.
      const now = await env.currentTimeMs();
      for (let i = 0; i < 10; i++) {
        const entry: ReshardLedgerEntry = {
          at: new Date(now - (10 - i) * 60_000).toISOString(),
          from: 4,
          to: 4,
          kind: 'count',
          method: 'UpdateShardCount',
          workflowId: 'earlier',
        };
        await stream.signal(reshardCompletedSignal, entry);
      }
      const refused = reshardResult(
        await startReshard(env.client, taskQueue, {
          streamName,
          request: { kind: 'count', targetShardCount: 6 },
        }),
      );
      await expect(refused).rejects.toBeInstanceOf(TargetError);
      await expect(refused).rejects.toThrow(
        /Kinesis allows 10 shard-count changes per stream per rolling 24 h; .* has had 10, so 0 are left and this change needs 1; it is allowed again at /,
      );
      // An explicit split is still allowed (no count budget), but not of a shard that is not open.
      await expect(
        reshardResult(
          await startReshard(env.client, taskQueue, {
            streamName,
            request: { kind: 'split', shardId: 'shardId-000000000042' },
          }),
        ),
      ).rejects.toThrow(/shardId-000000000042 is not an open shard/);
      for (const name of changing) expect(spies[name]).not.toHaveBeenCalled();
    },
    gate,
  );
});

test('without a stream workflow the reshard still runs, and says its 24 h budget was not checked', async () => {
  await withStack('kinesalite', 1, async ({ streamName, taskQueue }) => {
    const result = await reshardResult(
      await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: 2 },
      }),
    );
    expect(result.after).toHaveLength(2);
    expect(result.streamWorkflowNotified).toBe(false);
    expect(result.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no stream workflow ksp:.*: nothing consumes this stream with ksp/),
      ]) as unknown,
    );
  });
});

test('bad input sent by name is refused at once, naming the field; a progress query with a payload fails alone', async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  await withStack(
    'kinesalite',
    1,
    async ({ streamName, taskQueue, spies }) => {
      // A request the Temporal CLI could send: refused as the limits are, nothing called.
      const bad = await env.client.workflow.start('reshardWorkflow', {
        taskQueue,
        workflowId: `reshard-bad-input-${streamName}`,
        args: [{ streamName, request: { kind: 'count', targetShardCount: '2' } }],
      });
      await expect(reshardResult(bad)).rejects.toThrow(
        new TargetError('request.targetShardCount "2" is not a number of shards'),
      );
      expect(spies.inspectStreamForReshard).not.toHaveBeenCalled();
      expect(await failedWorkflowTasks(bad)).toEqual([]);
      // A reshard held before its first look at the stream answers its query, not one with input.
      const held = await startReshard(env.client, taskQueue, {
        streamName,
        request: { kind: 'count', targetShardCount: 2 },
      });
      const raw = env.client.workflow.getHandle(held.workflowId);
      await waitFor(() => spies.inspectStreamForReshard.mock.calls.length > 0, {
        what: 'the reshard held at its first look at the stream',
      });
      await expect(raw.query('progress', 'x')).rejects.toThrow(
        '`progress` takes no input, got "x": send it without --input',
      );
      expect(await raw.query(reshardProgressQuery)).toMatchObject({ phase: 'validating', from: null });
      open();
      expect((await reshardResult(held)).after).toHaveLength(2);
      expect(await failedWorkflowTasks(raw)).toEqual([]);
    },
    gate,
  );
});
