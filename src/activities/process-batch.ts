/**
 * The batch activity: read → handle → (dead-letter) → return a small summary. Records never
 * leave this activity (DESIGN.md rule 1); the workflow only sees counts and the new checkpoint.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { interpretBatchResult } from '../batch-result';
import type { BatchHandler, HandlerContext, HandlerLogger } from '../handler';
import type { ShardStartPosition } from '../options';
import { type Checkpoint, type KinesisRecord, checkpointOf } from '../records';
import type { DlqWriter } from './dlq-writer';
import type { ShardReader } from './shard-reader';
import { toUserRecords } from './user-records';

export interface ProcessBatchInput {
  streamName: string;
  shardId: string;
  /** Last fully handled position; null before the first record of the shard. */
  checkpoint: Checkpoint | null;
  startPosition: ShardStartPosition;
  batchSize: number;
  maxPollWaitMs: number;
  idlePollIntervalMs: number;
  /** Delivery attempt of the record at the checkpoint (1 on first delivery). */
  attempt: number;
  /** Final attempt: records the handler fails go to the DLQ and the checkpoint moves past them. */
  deadLetterOnFailure: boolean;
  dlqQueueUrl: string | null;
}

export type BatchOutcome =
  /** The shard stayed idle for the whole poll window. */
  | 'idle'
  /** Every record was handled. */
  | 'handled'
  /** The handler failed (all or part): retry from `checkpoint` after backoff. */
  | 'retry'
  /** Final attempt failed: the failed records are in the DLQ, the checkpoint is past them. */
  | 'dead-lettered';

export interface ProcessBatchResult {
  outcome: BatchOutcome;
  checkpoint: Checkpoint | null;
  /** Records fetched from Kinesis in this call (user records after de-aggregation). */
  fetched: number;
  /** Records the handler confirmed. */
  handled: number;
  deadLettered: number;
  bytes: number;
  millisBehindLatest: number | null;
  /** The shard is closed and every record in it is handled or dead-lettered. */
  shardEnded: boolean;
  /** Children named by Kinesis at shard end; null when the backend did not send them (kinesalite). */
  childShardIds: string[] | null;
  /** Arrival time of the newest record fetched, ISO; null when none. */
  lastArrival: string | null;
  /** Why the handler failed (outcome retry / dead-lettered). */
  error: { type: string; message: string } | null;
  waitedMs: number;
  getRecordsCalls: number;
}

export interface ProcessBatchDeps {
  reader: ShardReader;
  dlq: DlqWriter;
  handler: BatchHandler;
  handlerName: string;
  streamArn(streamName: string): Promise<string>;
  log: HandlerLogger;
  heartbeat(details: unknown): void;
  signal(): AbortSignal;
}

interface HandlerVerdict {
  /** Index of the first record not confirmed; records.length when all succeeded. */
  firstUnconfirmed: number;
  /** Indexes of records that failed (all from firstUnconfirmed when the whole batch failed). */
  failed: number[];
  error: { type: string; message: string; stack?: string } | null;
}

async function runHandler(
  deps: ProcessBatchDeps,
  records: KinesisRecord[],
  context: HandlerContext,
): Promise<HandlerVerdict> {
  const all = (error: HandlerVerdict['error']): HandlerVerdict => ({
    firstUnconfirmed: 0,
    failed: records.map((_, i) => i),
    error,
  });
  let result;
  try {
    result = await deps.handler(records, context);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return all({ type: e.name || 'Error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  }
  const verdict = interpretBatchResult(records, result ?? undefined);
  switch (verdict.kind) {
    case 'ok':
      return { firstUnconfirmed: records.length, failed: [], error: null };
    case 'failed':
      return all({ type: 'InvalidBatchResponse', message: verdict.reason });
    case 'partial':
      return {
        firstUnconfirmed: verdict.lowestFailedIndex,
        failed: verdict.failedIndexes,
        error: {
          type: 'BatchItemFailures',
          message: `handler reported ${verdict.failedIndexes.length} of ${records.length} records failed`,
        },
      };
  }
}

export function createProcessBatch(deps: ProcessBatchDeps) {
  return async function processBatch(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    const fetch = await deps.reader.fetch({
      streamName: input.streamName,
      shardId: input.shardId,
      checkpoint: input.checkpoint,
      startPosition: input.startPosition,
      limit: input.batchSize,
      maxWaitMs: input.maxPollWaitMs,
      idlePollIntervalMs: input.idlePollIntervalMs,
    });
    const source = { streamName: input.streamName, shardId: input.shardId };
    /** The batch is consumed up to `checkpoint`: the next call on this worker may go on from `nextIterator`. */
    const consumed = (checkpoint: Checkpoint | null): Checkpoint | null => {
      if (checkpoint !== null && fetch.nextIterator !== null) {
        deps.reader.remember(source, checkpoint, fetch.nextIterator, fetch.issuedAt);
      }
      return checkpoint;
    };
    const records = toUserRecords(fetch.records, source, input.checkpoint);
    const base = {
      fetched: records.length,
      bytes: byteSize(fetch.records),
      millisBehindLatest: fetch.millisBehindLatest,
      childShardIds: fetch.childShardIds,
      lastArrival: lastArrival(fetch.records),
      waitedMs: fetch.waitedMs,
      getRecordsCalls: fetch.getRecordsCalls,
    };
    const lastRaw = fetch.records[fetch.records.length - 1];
    // Everything fetched is at or before the checkpoint (re-read aggregate): move to its end.
    if (records.length === 0) {
      const checkpoint = lastRaw?.SequenceNumber
        ? consumed({ sequenceNumber: lastRaw.SequenceNumber })
        : input.checkpoint;
      return {
        ...base,
        outcome: fetch.records.length === 0 && fetch.nextIterator !== null ? 'idle' : 'handled',
        checkpoint,
        handled: 0,
        deadLettered: 0,
        shardEnded: fetch.nextIterator === null,
        error: null,
      };
    }

    deps.heartbeat({ phase: 'handling', records: records.length });
    const context: HandlerContext = {
      streamName: input.streamName,
      shardId: input.shardId,
      attempt: input.attempt,
      log: deps.log,
      heartbeat: () => deps.heartbeat({ phase: 'handling', records: records.length }),
      signal: deps.signal(),
    };
    const verdict = await runHandler(deps, records, context);
    const last = records[records.length - 1] as KinesisRecord;

    if (verdict.error === null) {
      return {
        ...base,
        outcome: 'handled',
        checkpoint: consumed(checkpointOf(last)),
        handled: records.length,
        deadLettered: 0,
        shardEnded: fetch.nextIterator === null,
        error: null,
      };
    }
    const error = { type: verdict.error.type, message: verdict.error.message };
    const confirmed = verdict.firstUnconfirmed;
    if (!input.deadLetterOnFailure) {
      const before = confirmed > 0 ? checkpointOf(records[confirmed - 1] as KinesisRecord) : input.checkpoint;
      return {
        ...base,
        outcome: 'retry',
        checkpoint: before,
        handled: confirmed,
        deadLettered: 0,
        shardEnded: false,
        error,
      };
    }
    if (input.dlqQueueUrl === null) {
      // compileStreamOptions forbids finite attempts without a DLQ; never drop records silently.
      throw new Error('deadLetterOnFailure is set but no dlqQueueUrl was given');
    }
    const failedRecords = verdict.failed.map((i) => records[i] as KinesisRecord);
    await deps.dlq.write(input.dlqQueueUrl, {
      records: failedRecords,
      streamName: input.streamName,
      streamArn: await deps.streamArn(input.streamName),
      shardId: input.shardId,
      error: verdict.error,
      attempts: input.attempt,
      handler: deps.handlerName,
      condition: 'RetryAttemptsExhausted',
      now: new Date(),
    });
    return {
      ...base,
      outcome: 'dead-lettered',
      checkpoint: consumed(checkpointOf(last)),
      handled: records.length - failedRecords.length,
      deadLettered: failedRecords.length,
      shardEnded: fetch.nextIterator === null,
      error,
    };
  };
}

function byteSize(records: readonly _Record[]): number {
  let n = 0;
  for (const r of records) n += (r.Data?.byteLength ?? 0) + (r.PartitionKey?.length ?? 0);
  return n;
}

function lastArrival(records: readonly _Record[]): string | null {
  const t = records[records.length - 1]?.ApproximateArrivalTimestamp;
  return t ? t.toISOString() : null;
}
