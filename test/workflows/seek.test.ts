/**
 * Live seek and the shard workflow's Updates on the time-skipping server: the shard workflow with
 * the real batch activity over an open in-memory shard whose reads honour the start position
 * (test/helpers/seekable-shard.ts), so what a seek re-delivers or skips is visible record by record.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import {
  type ShardStatus,
  pauseShardUpdate,
  resumeShardUpdate,
  seekShardUpdate,
  shardStatusQuery,
  stopShardUpdate,
} from '../../src/workflows/shard-messages';
import { initialShardState } from '../../src/workflows/shard-state';
import { workflowBundlePath } from '../helpers/bundle';
import { seq, testOptions } from '../helpers/fake-batches';
import {
  type HandlerCall,
  MemoryDlq,
  SHARD,
  memoryProcessBatch,
  poisonHandler,
} from '../helpers/memory-shard';
import { SeekableShard } from '../helpers/seekable-shard';
import { useTimeSkipping } from '../helpers/time-skipping';

const { env } = useTimeSkipping();
let queueCounter = 0;

type ShardHandle = WorkflowHandle<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>;

interface Run {
  handle: ShardHandle;
  shard: SeekableShard;
  calls: HandlerCall[];
  t0: number;
  /** Every record index the handler was given, in order. */
  delivered(): number[];
}

/**
 * Runs `body` against a shard workflow over an open shard of `count` records (one a second from
 * t0), batches of 10; the handler fails the records `poisoned` picks by throwing.
 */
async function withShard(
  opts: {
    count: number;
    poisoned?: (index: number) => boolean;
    streamOptions?: Record<string, unknown>;
    state?: ShardWorkflowInput['state'];
    retentionHours?: number;
  },
  body: (run: Run) => Promise<void>,
): Promise<void> {
  // Written a minute and more ago: older than LATEST's pinning margin.
  const t0 = (await env.currentTimeMs()) - opts.count * 1_000 - 60_000;
  const shard = new SeekableShard(opts.count, (i) => new Date(t0 + i * 1_000));
  const calls: HandlerCall[] = [];
  const handler = poisonHandler(opts.poisoned ?? (() => false), calls, { throws: () => new Error('poison') });
  const taskQueue = `seek-${++queueCounter}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      processBatch: memoryProcessBatch(env, shard, new MemoryDlq(), handler),
      streamRetention: async () => ({ retentionPeriodHours: opts.retentionHours ?? 24 }),
    },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: SHARD,
    streamWorkflowId: null,
    options: testOptions({ batchSize: 10, ...opts.streamOptions }),
    startPosition: { type: 'TRIM_HORIZON' },
    ...(opts.state ? { state: opts.state } : {}),
  };
  const handle: ShardHandle = await env.client.workflow.start('shardWorkflow', {
    taskQueue,
    workflowId: `seek-${taskQueue}`,
    args: [input],
  });
  const delivered = (): number[] => calls.filter((c) => c.outcome === 'ok').flatMap((c) => c.indexes);
  await worker.runUntil(async () => {
    await body({ handle, shard, calls, t0, delivered });
    await handle.executeUpdate(stopShardUpdate);
    await handle.result();
  });
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The update IDs the workflow accepted (what entered its history). */
async function acceptedUpdates(handle: ShardHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionUpdateAcceptedEventAttributes
      ? [e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '?']
      : [],
  );
}

test('a rewind to a sequence number re-delivers exactly the records from it on', async () => {
  await withShard({ count: 30 }, async ({ handle, delivered }) => {
    await env.sleep('10s');
    expect(delivered()).toEqual(range(0, 30));
    const status = await handle.executeUpdate(seekShardUpdate, {
      args: [{ position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: seq(12) }, requestedBy: 'alice' }],
    });
    expect(status).toMatchObject({
      state: 'running',
      checkpoint: null,
      lastSeek: {
        requestedBy: 'alice',
        from: { sequenceNumber: seq(29) },
        to: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: seq(12) },
      },
    });
    await env.sleep('10s');
    expect(delivered()).toEqual([...range(0, 30), ...range(12, 30)]);
    expect(await handle.query(shardStatusQuery)).toMatchObject({ checkpoint: { sequenceNumber: seq(29) } });
  });
});

test('a rewind to a time re-delivers exactly the records that arrived at or after it', async () => {
  await withShard({ count: 30 }, async ({ handle, delivered, t0 }) => {
    await env.sleep('10s');
    await handle.executeUpdate(seekShardUpdate, {
      args: [{ position: { type: 'AT_TIMESTAMP', timestamp: new Date(t0 + 17_000).toISOString() } }],
    });
    await env.sleep('10s');
    expect(delivered()).toEqual([...range(0, 30), ...range(17, 30)]);
  });
});

test('seek while paused: it stays paused, and resume skips exactly the records before the target', async () => {
  const state = { ...initialShardState(), paused: true, pauseReason: 'held' };
  await withShard({ count: 30, state }, async ({ handle, delivered }) => {
    await env.sleep('10s');
    expect(delivered()).toEqual([]);
    const status = await handle.executeUpdate(seekShardUpdate, {
      args: [{ position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(19) } }],
    });
    expect(status).toMatchObject({ state: 'paused', pauseReason: 'held', lastSeek: { from: null } });
    await env.sleep('1m');
    expect(delivered()).toEqual([]);
    const resumed = await handle.executeUpdate(resumeShardUpdate);
    expect(resumed.state).toBe('running');
    await env.sleep('10s');
    expect(delivered()).toEqual(range(20, 30));
  });
});

test('a seek to LATEST skips everything already in the shard and reads what comes after', async () => {
  const state = { ...initialShardState(), paused: true, pauseReason: 'skip the backlog' };
  await withShard({ count: 20, state }, async ({ handle, shard, delivered }) => {
    await env.sleep('10s');
    const before = delivered();
    await handle.executeUpdate(seekShardUpdate, { args: [{ position: { type: 'LATEST' } }] });
    await handle.executeUpdate(resumeShardUpdate);
    await env.sleep('1m');
    expect(delivered()).toEqual(before);
    shard.append(3, new Date(await env.currentTimeMs()));
    await env.sleep('6m'); // the idle poll window
    expect(before).toEqual([]);
    expect(delivered()).toEqual([20, 21, 22]);
  });
});

test('a seek during a failing retry resets the attempt count and ends the backoff', async () => {
  const streamOptions = {
    retry: { maximumAttempts: 0, initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '10m' },
  };
  await withShard(
    { count: 30, poisoned: (i) => i === 5, streamOptions },
    async ({ handle, calls, delivered }) => {
      await env.sleep('3m');
      const failing = await handle.query(shardStatusQuery);
      expect(failing.attempt).toBeGreaterThanOrEqual(3);
      const callsBefore = calls.length;
      const status = await handle.executeUpdate(seekShardUpdate, {
        args: [{ position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: seq(10) } }],
      });
      expect(status).toMatchObject({ attempt: 1, checkpoint: null });
      await env.sleep('5s'); // far shorter than the backoff the retries had reached
      const after = calls.slice(callsBefore);
      expect(after[0]).toMatchObject({ indexes: range(10, 20), attempt: 1, outcome: 'ok' });
      expect(delivered().filter((i) => i >= 10)).toEqual(range(10, 30));
      expect(await handle.query(shardStatusQuery)).toMatchObject({ attempt: 1 });
    },
  );
});

test('a seek to a time before the stream retention is refused with a clear message', async () => {
  await withShard({ count: 10, retentionHours: 24 }, async ({ handle }) => {
    await env.sleep('10s');
    const before = await handle.query(shardStatusQuery);
    const longAgo = new Date((await env.currentTimeMs()) - 25 * 3_600_000).toISOString();
    const refused = await handle
      .executeUpdate(seekShardUpdate, { args: [{ position: { type: 'AT_TIMESTAMP', timestamp: longAgo } }] })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refused as WorkflowUpdateFailedError).cause;
    expect(cause?.message).toMatch(/before the stream's retention: it keeps records for 24 h/);
    expect(cause?.message).toMatch(/TRIM_HORIZON/);
    const after = await handle.query(shardStatusQuery);
    expect(after.checkpoint).toEqual(before.checkpoint);
    expect(after.lastSeek).toBeUndefined();
  });
});

test('validators reject bad requests before they enter history', async () => {
  await withShard({ count: 10 }, async ({ handle }) => {
    await env.sleep('10s');
    const rejected = async (run: () => Promise<ShardStatus>): Promise<string> => {
      const err = await run().then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return (err as WorkflowUpdateFailedError).cause?.message ?? '';
    };
    const seek = (input: unknown) => rejected(() => handle.executeUpdate('seek', { args: [input] }));
    expect(await seek({ position: { type: 'AT_TIMESTAMP', timestamp: 'yesterday' } })).toMatch(
      /`position.timestamp` is "yesterday": expected an ISO-8601 time/,
    );
    expect(await seek({ position: { type: 'AT_TIMESTAMP', timestamp: '2999-01-01T00:00:00Z' } })).toMatch(
      /in the future/,
    );
    expect(await seek({ position: { type: 'SOMEWHERE' } })).toMatch(/`position.type` is "SOMEWHERE"/);
    expect(await seek({ position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: 12 } })).toMatch(
      /`position.sequenceNumber` is 12/,
    );
    expect(await seek({ to: 'LATEST' })).toMatch(/unknown field\(s\) `to`/);
    expect(await seek(null)).toMatch(/the seek input is null/);
    expect(await rejected(() => handle.executeUpdate('pause', { args: [{ reason: 5 }] }))).toMatch(
      /`reason` is number 5/,
    );
    expect(await rejected(() => handle.executeUpdate(resumeShardUpdate))).toMatch(/is not paused/);
    expect(await acceptedUpdates(handle)).toEqual([]);
    const paused = await handle.executeUpdate(pauseShardUpdate, { args: [{ reason: 'fine' }] });
    expect(paused).toMatchObject({ state: 'paused', pauseReason: 'fine' });
    expect(await acceptedUpdates(handle)).toEqual(['pause']);
  });
});
