/**
 * Per-key lanes, owed records and the per-key quarantine in the shard workflow, on the
 * time-skipping server with the real batch activity over an in-memory shard and DLQ
 * (test/helpers/memory-shard.ts): continue-as-new, the search attribute and the release signal.
 */
import { Worker } from '@temporalio/worker';
import type { BatchHandler } from '../../src/handler/contract';
import type { KinesisRecord } from '../../src/records';
import { partitionKeyHash } from '../../src/activities/shard/key-hash';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import { KSP_QUARANTINED } from '../../src/workflows/search-attributes';
import { workflowBundlePath } from '../helpers/bundle';
import { testOptions } from '../helpers/fake-batches';
import {
  type HandlerCall,
  MemoryDlq,
  MemoryShard,
  SHARD,
  memoryProcessBatch,
  poisonHandler,
} from '../helpers/memory-shard';
import { useTimeSkipping } from '../helpers/time-skipping';

const { env } = useTimeSkipping();
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
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      processBatch: memoryProcessBatch(
        env,
        shard,
        dlq,
        before(poisonHandler(options.poisoned, calls, { partial: true }), options.beforeCall),
      ),
    },
  });
  const input: ShardWorkflowInput = {
    streamName: 'orders',
    shardId: SHARD,
    streamWorkflowId: null,
    options: testOptions({ retry: fastRetry, ...options.streamOptions }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
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
