/**
 * Per-key lanes, owed records and the per-key quarantine in the shard workflow, on the
 * time-skipping server with the real batch activity over an in-memory shard and DLQ
 * (test/helpers/memory-shard.ts): continue-as-new, the search attribute and the release signal;
 * and the quarantine across a split and a merge, with the stream workflow and the real shard starter.
 */
import type { BatchHandler } from '../../src/handler/contract';
import type { KinesisRecord } from '../../src/records';
import { partitionKeyHash } from '../../src/activities/shard/key-hash';
import { shardWorkflowId, streamWorkflowId } from '../../src/constants';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import { shardStatusQuery } from '../../src/workflows/shard-messages';
import { releaseKeysSignal } from '../../src/workflows/shard-quarantine-messages';
import { KSP_QUARANTINED } from '../../src/workflows/search-attributes';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { rediscoverSignal, stopStreamUpdate, streamStatusQuery } from '../../src/workflows/stream-messages';
import { testOptions } from '../helpers/fake-batches';
import {
  type HandlerCall,
  MemoryDlq,
  MemoryShard,
  memoryProcessBatch,
  memoryShardInput,
  memoryShardWorker,
  poisonHandler,
} from '../helpers/memory-shard';
import { SeekableShard } from '../helpers/seekable-shard';
import { memoryStreamWorker } from '../helpers/stream-fixtures';
import { useTimeSkipping } from '../helpers/time-skipping';

const { env, plainClient } = useTimeSkipping();
let queueCounter = 0;
const fastRetry = { maximumAttempts: 3, initialInterval: '1s', maximumInterval: '10s' };
const keyOf = (i: number): string => `key-${i % 7}`;

async function shardRun(options: {
  count: number;
  poisoned: (index: number) => boolean;
  streamOptions: Record<string, unknown>;
  /** Runs before each handler call. */
  beforeCall?: (records: readonly KinesisRecord[]) => Promise<void>;
}) {
  const t0 = await env.currentTimeMs();
  const shard = new MemoryShard(options.count, () => new Date(t0));
  const dlq = new MemoryDlq();
  const calls: HandlerCall[] = [];
  const taskQueue = `per-key-${++queueCounter}`;
  const worker = await memoryShardWorker(env, taskQueue, {
    processBatch: memoryProcessBatch(
      env,
      shard,
      dlq,
      before(poisonHandler(options.poisoned, calls, { partial: true }), options.beforeCall),
    ),
  });
  const input = memoryShardInput({ retry: fastRetry, ...options.streamOptions });
  const start = () =>
    env.client.workflow.start<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>('shardWorkflow', {
      taskQueue,
      workflowId: `per-key-${taskQueue}`,
      args: [input],
    });
  return { worker, start, calls, dlq, shard };
}

function before(
  handler: BatchHandler,
  hook?: (records: readonly KinesisRecord[]) => Promise<void>,
): BatchHandler {
  return async (records, context) => {
    await hook?.(records);
    return handler(records, context);
  };
}

const deliveries = (calls: HandlerCall[]): number[] => {
  const n: number[] = [];
  for (const c of calls) for (const i of c.indexes) n[i] = (n[i] ?? 0) + 1;
  return n;
};

describe('owed records in the shard workflow', () => {
  it('a partial failure of 1 record in 100: the retry delivers that record and the later records of its key only', async () => {
    const run = await shardRun({ count: 100, poisoned: (i) => i === 42, streamOptions: { batchSize: 100 } });
    const out = await run.worker.runUntil(async () => (await run.start()).result());
    expect(run.calls.map((c) => [c.indexes, c.attempt])).toEqual([
      [Array.from({ length: 100 }, (_, i) => i), 1],
      [[42, 49, 56, 63, 70, 77, 84, 91, 98], 2],
      [[42, 49, 56, 63, 70, 77, 84, 91, 98], 3],
    ]);
    expect(run.dlq.entries().map((e) => [e.index, e.condition])).toEqual([[42, 'RetryAttemptsExhausted']]);
    expect(out.status).toMatchObject({ handled: 99, deadLettered: 1 });
  });

  it('lanes with one failing key: other lanes are handled once, the checkpoint waits for the failing key', async () => {
    const run = await shardRun({
      count: 70,
      poisoned: (i) => keyOf(i) === 'key-3',
      streamOptions: { batchSize: 100, parallelization: 4 },
    });
    const out = await run.worker.runUntil(async () => (await run.start()).result());
    const n = deliveries(run.calls);
    for (let i = 0; i < 70; i++) expect([i, n[i]]).toEqual([i, keyOf(i) === 'key-3' ? 3 : 1]);
    expect(out.status).toMatchObject({ handled: 60, deadLettered: 10 });
  });
});

describe('per-key quarantine in the shard workflow', () => {
  it('holds a key in order across continue-as-new, shows it in status and the search attribute', async () => {
    // 300 records in batches of 10 with a short history: several continue-as-new runs
    const run = await shardRun({
      count: 300,
      poisoned: (i) => i === 3,
      streamOptions: { batchSize: 10, quarantineKeys: true, maxHistoryEvents: 60 },
    });
    const key3 = partitionKeyHash('key-3');
    await run.worker.runUntil(async () => {
      const handle = await run.start();
      const out = await handle.result();
      expect(out.status.quarantinedKeys).toEqual([key3]);
      expect(out.status.run).toBeGreaterThan(2);
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(KSP_QUARANTINED)).toBe(1);
    });
    const entries = run.dlq.entries();
    expect(entries[0]).toMatchObject({ index: 3, condition: 'RetryAttemptsExhausted' });
    expect(entries.length).toBe(43); // 3, 10, 17, … 297: every record of key-3
    const quarantined = entries.slice(1).map((e) => e.index);
    // In order, all of key-3, and no record of key-3 was handed to the handler while quarantined
    expect(quarantined).toEqual([...quarantined].sort((a, b) => a - b));
    expect(quarantined.every((i) => keyOf(i) === 'key-3')).toBe(true);
    const n = deliveries(run.calls);
    expect(quarantined.filter((i) => (n[i] ?? 0) > 0)).toEqual([]);
    for (let i = 0; i < 300; i++) if (keyOf(i) !== 'key-3') expect([i, n[i]]).toEqual([i, 1]);
  });
});

describe('per-key quarantine across a reshard', () => {
  // P is split into A and B, which are then merged into M. Every in-memory shard holds every key
  // (in Kinesis a key lands in one child of a split: the other inheriting it is harmless).
  const [P, A, B, M] = [0, 1, 2, 3].map((n) => `shardId-00000000000${n}`) as [string, string, string, string];
  const sizes: Record<string, number> = { [P]: 21, [A]: 16, [B]: 14, [M]: 14 };
  const poisonedIn: Record<string, (i: number) => boolean> = {
    [P]: (i) => i === 3, // key-3
    [A]: (i) => i === 8, // key-1, in A's last read: A ends as it quarantines key-1
    [B]: (i) => i === 5, // key-5
    [M]: () => false,
  };
  const hash = (n: number): string => partitionKeyHash(`key-${n}`);

  it('a child inherits its parents’ keys after a split and a merge, keeps them in order, and a release on the child frees them', async () => {
    const taskQueue = 'per-key-reshard';
    const streamName = 'orders-key-reshard';
    const t0 = await env.currentTimeMs();
    const shards: Record<string, SeekableShard> = {};
    const dlqs: Record<string, MemoryDlq> = {};
    const calls: Record<string, HandlerCall[]> = {};
    const batches: Record<string, ReturnType<typeof memoryProcessBatch>> = {};
    for (const id of [P, A, B, M]) {
      shards[id] = new SeekableShard(sizes[id]!, () => new Date(t0));
      dlqs[id] = new MemoryDlq();
      calls[id] = [];
      const handler = poisonHandler(poisonedIn[id]!, calls[id], { partial: true });
      batches[id] = memoryProcessBatch(env, shards[id], dlqs[id], handler);
    }
    shards[P]!.closedWith = [A, B];
    shards[A]!.closedWith = [M];
    // B stays open until A has ended and the stream workflow has continued as new since: M starts
    // with A's keys from the carried state.
    const worker = await memoryStreamWorker(env, {
      taskQueue,
      streamName,
      client: plainClient,
      shards: [
        { shardId: P, parentShardIds: [], closed: true },
        { shardId: A, parentShardIds: [P], closed: true },
        { shardId: B, parentShardIds: [P], closed: true },
        { shardId: M, parentShardIds: [A, B], closed: false },
      ],
      batches,
    });
    const input: StreamWorkflowInput = {
      // Room for ~3x what a run needs: the stream continues as new only when the test drives it
      // there, with no shard reporting (the time-skipping server answers NOT_FOUND to a signal
      // sent during a continue-as-new, temporalio/sdk-java#1538, and the shard's run then fails).
      options: testOptions({
        streamName,
        batchSize: 10,
        quarantineKeys: true,
        retry: fastRetry,
        maxHistoryEvents: 300,
      }),
      rediscoverIntervalMs: 60_000,
    };
    const stream = await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
      'streamWorkflow',
      { taskQueue, workflowId: streamWorkflowId(streamName), args: [input] },
    );
    const merged = env.client.workflow.getHandle(shardWorkflowId(streamName, M));
    const mergedStatus = () => merged.query(shardStatusQuery);
    /** M has settled its first `n` records (handled or dead-lettered). */
    const mergedSettled = async (n: number): Promise<boolean> => {
      const s = await mergedStatus();
      return s.handled + s.deadLettered === n;
    };
    /** Skips time until `done`, at most 10 minutes of workflow time. */
    const skipUntil = async (done: () => boolean | Promise<boolean>, what: string): Promise<void> => {
      const reached = (): Promise<boolean> =>
        Promise.resolve()
          .then(done)
          .catch(() => false);
      for (let i = 0; i < 20 && !(await reached()); i++) await env.sleep('30s');
      if (!(await done())) throw new Error(`not reached in 10 minutes of workflow time: ${what}`);
    };
    const keyOfIndex = (i: number): number => i % 7;
    const delivered = (id: string): number[] => calls[id]!.flatMap((c) => c.indexes);

    await worker.runUntil(async () => {
      const streamRun = async (): Promise<number> => (await stream.query(streamStatusQuery)).run;
      const settled = async (id: string, n: number): Promise<boolean> => {
        const s = await env.client.workflow
          .getHandle(shardWorkflowId(streamName, id))
          .query(shardStatusQuery);
        return s.handled + s.deadLettered === n;
      };
      await skipUntil(async () => (await settled(A, 16)) && (await settled(B, 14)), 'A and B read');
      await skipUntil(async () => {
        const a = await env.client.workflow.getHandle(shardWorkflowId(streamName, A)).describe();
        return a.status.name === 'COMPLETED';
      }, 'A ended');
      const runAtEnd = await streamRun();
      await skipUntil(async () => {
        await stream.signal(rediscoverSignal); // a discovery each: the history grows to continue-as-new
        return (await streamRun()) > runAtEnd;
      }, 'the stream workflow continued as new');
      shards[B]!.closedWith = [M];
      await skipUntil(() => mergedSettled(14), 'M settled its 14 records');
      // The parent quarantined key-3 at its poison record: its later records followed it.
      expect(dlqs[P]!.entries().map((e) => [e.index, e.condition])).toEqual([
        [3, 'RetryAttemptsExhausted'],
        [10, 'KeyQuarantined'],
        [17, 'KeyQuarantined'],
      ]);

      // The children of the split hold key-3 from the start; each adds the key it dead-lettered.
      for (const [id, own, poison] of [
        [A, 1, 8],
        [B, 5, 5],
      ] as const) {
        const ended = env.client.workflow.getHandle(shardWorkflowId(streamName, id));
        const out = (await ended.result()) as ShardWorkflowResult;
        expect([id, out.reason, out.status.quarantinedKeys]).toEqual([
          id,
          'shard-ended',
          [hash(3), hash(own)],
        ]);
        // Published as the shard ended (patch final-quarantine-count): A adds key-1 in its last read.
        expect((await ended.describe()).typedSearchAttributes.get(KSP_QUARANTINED)).toBe(2);
        // key-3: every record to the DLQ as KeyQuarantined, in order, none handed to the handler.
        const key3 = dlqs[id]!.entries().filter((e) => keyOfIndex(e.index) === 3);
        expect(key3.map((e) => [e.index, e.condition])).toEqual([
          [3, 'KeyQuarantined'],
          [10, 'KeyQuarantined'],
        ]);
        expect(delivered(id).filter((i) => keyOfIndex(i) === 3)).toEqual([]);
        // Its own poison record first, then the key's later record, in order.
        const ownKey = dlqs[id]!.entries().filter((e) => keyOfIndex(e.index) === own);
        expect(ownKey.map((e) => [e.index, e.condition])).toEqual([
          [poison, 'RetryAttemptsExhausted'],
          [poison + 7, 'KeyQuarantined'],
        ]);
      }

      // The merge child holds the keys of both parents (the shard starter set the search attribute).
      const before = await mergedStatus();
      expect(before.quarantinedKeys).toEqual([hash(3), hash(1), hash(5)]);
      expect((await merged.describe()).typedSearchAttributes.get(KSP_QUARANTINED)).toBe(3);
      expect(dlqs[M]!.entries().map((e) => [e.index, e.condition])).toEqual(
        [1, 3, 5, 8, 10, 12].map((i) => [i, 'KeyQuarantined']),
      );
      // The other keys flowed: each of their records handed to the handler exactly once.
      expect(delivered(M).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 7, 9, 11, 13]);

      // The release `ksp quarantine release key-3` sends: key-3's later records flow again.
      await merged.signal(releaseKeysSignal, { keyHashes: [hash(3)] });
      shards[M]!.append(7, new Date(t0)); // records 14…20: key-0…key-6
      await skipUntil(() => mergedSettled(21), 'M settled the records written after the release');
      const after = await mergedStatus();
      expect(after.quarantinedKeys).toEqual([hash(1), hash(5)]);
      expect((await merged.describe()).typedSearchAttributes.get(KSP_QUARANTINED)).toBe(2);
      expect(delivered(M).filter((i) => i >= 14)).toEqual([14, 16, 17, 18, 20]);
      expect(
        dlqs[M]!.entries()
          .filter((e) => e.index >= 14)
          .map((e) => [e.index, e.condition]),
      ).toEqual([
        [15, 'KeyQuarantined'],
        [19, 'KeyQuarantined'],
      ]);
      await stream.executeUpdate(stopStreamUpdate);
      await stream.result();
    });
  });
});
