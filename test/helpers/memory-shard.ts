/**
 * The real batch activity (createProcessBatch) over an in-memory shard and DLQ, for workflow tests
 * of the failure policy on the time-skipping server: the workflow and the activity's decisions are
 * under test, with every handler call recorded and a clock that follows the test server's.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  type ProcessBatchInput,
  type ProcessBatchResult,
  createProcessBatch,
} from '../../src/activities/shard/process-batch';
import type { FetchRequest, FetchResult } from '../../src/activities/shard/reader';
import type { DlqBatchInput } from '../../src/dlq/envelope';
import type { BatchHandler, BatchResult } from '../../src/handler/contract';
import { type KinesisRecord, compareCheckpoint } from '../../src/records';
import type { ShardWorkflowInput } from '../../src/workflows/shard';
import { workflowBundlePath } from './bundle';
import { seq, testOptions } from './fake-batches';

export const SHARD = 'shardId-000000000000';

/** One record of the in-memory shard: its index is its place in the shard. */
export interface MemoryRecord {
  index: number;
  arrival: Date;
}

/** One handler call: the indexes it received, its attempt, and whether it threw or reported failures. */
export interface HandlerCall {
  indexes: number[];
  attempt: number;
  outcome: 'ok' | 'threw' | 'partial';
}

export const indexOf = (r: Pick<KinesisRecord, 'sequenceNumber'>): number =>
  Number(r.sequenceNumber.slice(4));

/** A closed shard of `count` records (sequence numbers seq(0)…seq(count-1)), read to its end. */
export class MemoryShard {
  readonly records: _Record[];
  /** GetRecords calls made: reads of the shard. */
  fetches = 0;

  constructor(count: number, arrival: (index: number) => Date) {
    this.records = Array.from({ length: count }, (_, i) => ({
      SequenceNumber: seq(i),
      Data: new TextEncoder().encode(`record-${i}`),
      PartitionKey: `key-${i % 7}`,
      ApproximateArrivalTimestamp: arrival(i),
    }));
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    this.fetches++;
    const after = req.checkpoint;
    const from =
      after === null
        ? 0
        : this.records.findIndex(
            (r) => compareCheckpoint({ sequenceNumber: r.SequenceNumber ?? '' }, after) > 0,
          );
    const start = from === -1 ? this.records.length : from;
    const records = this.records.slice(start, start + req.limit);
    const ended = start + records.length >= this.records.length;
    return {
      records,
      nextIterator: ended ? null : `iterator-${start + records.length}`,
      millisBehindLatest: 0,
      childShardIds: ended ? [] : null,
      getRecordsCalls: 1,
      throttled: 0,
      waitedMs: 0,
      issuedAt: 0,
    };
  }

  remember(): void {}
}

/** What was dead-lettered, batch by batch. */
export class MemoryDlq {
  readonly batches: DlqBatchInput[] = [];

  async write(_queueUrl: string, input: DlqBatchInput): Promise<{ messages: number; records: number }> {
    this.batches.push({ ...input, records: [...input.records] });
    return { messages: 1, records: input.records.length };
  }

  /** Every dead-lettered record's index with the condition and attempts of its batch. */
  entries(): Array<{ index: number; condition: string; attempts: number; errorType: string }> {
    return this.batches.flatMap((b) =>
      b.records.map((r) => ({
        index: indexOf(r),
        condition: b.condition,
        attempts: b.attempts,
        errorType: b.error.type,
      })),
    );
  }
}

/** A handler that fails the records `poisoned` picks: by throwing `error`, or in batchItemFailures. */
export function poisonHandler(
  poisoned: (index: number) => boolean,
  calls: HandlerCall[],
  mode: { throws: () => Error } | { partial: true },
): BatchHandler {
  return async (records, context): Promise<BatchResult | undefined> => {
    const indexes = records.map(indexOf);
    const bad = records.filter((r) => poisoned(indexOf(r)));
    if (bad.length === 0) {
      calls.push({ indexes, attempt: context.attempt, outcome: 'ok' });
      return undefined;
    }
    if ('throws' in mode) {
      calls.push({ indexes, attempt: context.attempt, outcome: 'threw' });
      throw mode.throws();
    }
    calls.push({ indexes, attempt: context.attempt, outcome: 'partial' });
    return { batchItemFailures: bad.map((r) => ({ itemIdentifier: r.sequenceNumber })) };
  };
}

/** The real processBatch over `shard` and `dlq`, quiet, with the clock `now`. */
export function memoryBatchActivity(
  shard: MemoryShard,
  dlq: MemoryDlq,
  handler: BatchHandler,
  handlerName: string,
  now: () => number,
): (input: ProcessBatchInput) => Promise<ProcessBatchResult> {
  return createProcessBatch({
    reader: shard,
    dlq,
    handler,
    handlerName,
    streamArn: async (name) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    heartbeat: () => undefined,
    signal: () => new AbortController().signal,
    now,
  });
}

/** The real processBatch over `shard` and `dlq`, its record-age clock on the test server's time. */
export function memoryProcessBatch(
  env: TestWorkflowEnvironment,
  shard: MemoryShard,
  dlq: MemoryDlq,
  handler: BatchHandler,
): (input: ProcessBatchInput) => Promise<ProcessBatchResult> {
  let clock = 0;
  const processBatch = memoryBatchActivity(shard, dlq, handler, 'memory test handler', () => clock);
  return async (input) => {
    clock = await env.currentTimeMs();
    return processBatch(input);
  };
}

/**
 * A worker on `taskQueue` for a shard workflow started there, with the test's activities (its
 * processBatch, e.g. memoryProcessBatch over a MemoryShard) and the prebuilt workflow bundle.
 */
export function memoryShardWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: Record<string, (input: never) => Promise<unknown>>,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities,
  });
}

/** The input of a shard workflow over the in-memory shard `SHARD` of stream `orders`, from TRIM_HORIZON. */
export function memoryShardInput(
  streamOptions: Record<string, unknown> = {},
  more: Partial<ShardWorkflowInput> = {},
): ShardWorkflowInput {
  return {
    streamName: 'orders',
    shardId: SHARD,
    streamWorkflowId: null,
    options: testOptions(streamOptions),
    startPosition: { type: 'TRIM_HORIZON' },
    ...more,
  };
}
