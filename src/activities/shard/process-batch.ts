/**
 * The batch activity: read → (dead-letter what is too old) → handle → (dead-letter) → return a
 * small summary. Records never leave this activity (DESIGN.md rule 1); the workflow only sees
 * counts and the new checkpoint, and applies the failure policy (src/workflows/shard-failure.ts).
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { interpretBatchResult } from '../../handler/batch-result';
import type { DlqBatchInput } from '../../dlq/envelope';
import type { BatchHandler, HandlerContext, HandlerLogger } from '../../handler/contract';
import type { ShardStartPosition } from '../../config/stream-options';
import { type Checkpoint, type KinesisRecord, checkpointOf } from '../../records';
import { BisectBatchCache } from './bisect-cache';
import type { DlqWriter } from './dlq-writer';
import type { ShardReader } from './reader';
import { type CorruptRecord, expandRecords } from './user-records';

export interface ProcessBatchInput {
  streamName: string;
  shardId: string;
  /** Last fully handled position; null before the first record of the shard. */
  checkpoint: Checkpoint | null;
  startPosition: ShardStartPosition;
  batchSize: number;
  maxPollWaitMs: number;
  idlePollIntervalMs: number;
  /** Keep polling this long after the first records to fill the batch; absent = 0. */
  maxBatchingWindowMs?: number;
  /** Delivery attempt of the record at the checkpoint (1 on first delivery). */
  attempt: number;
  /** Final attempt: records the handler fails go to the DLQ and the checkpoint moves past them. */
  deadLetterOnFailure: boolean;
  dlqQueueUrl: string | null;
  /** Hand the handler at most this many records (a batch being bisected); absent or null: batchSize. */
  maxRecords?: number | null;
  /** Records older than this go to the DLQ (RecordAgeExceeded) without reaching the handler. */
  maxRecordAgeMs?: number | null;
  /**
   * Bisecting: a batch of more than one record that the handler fails as a whole comes back as
   * `retry` (failure 'batch') for the workflow to split, even on the last attempt or for a
   * non-retryable error, so only the record that fails alone is ever dead-lettered.
   */
  bisectBatchOnError?: boolean;
  /** Handler error types whose records go to the DLQ at once (NonRetryableError), whatever the attempt. */
  nonRetryableErrorTypes?: string[];
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
  /** Records this call took on (user records after de-aggregation, at most maxRecords). */
  fetched: number;
  /** Records handed to the handler: fetched minus those dead-lettered for their age. */
  handlerRecords: number;
  /** How the handler failed: 'batch' (threw, or answered unusably) or 'records' (batchItemFailures). */
  failure: 'batch' | 'records' | null;
  /** Of deadLettered: records older than maxRecordAgeMs, sent without reaching the handler. */
  expired: number;
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
  reader: Pick<ShardReader, 'fetch' | 'remember'>;
  dlq: Pick<DlqWriter, 'write'>;
  handler: BatchHandler;
  handlerName: string;
  streamArn(streamName: string): Promise<string>;
  log: HandlerLogger;
  heartbeat(details: unknown): void;
  signal(): AbortSignal;
  /** Clock for record ages. @default Date.now */
  now?: () => number;
}

/** What a handler call came to: the DLQ replay runs handlers the same way. */
export interface HandlerVerdict {
  /** Index of the first record not confirmed; records.length when all succeeded. */
  firstUnconfirmed: number;
  /** Indexes of records that failed (all from firstUnconfirmed when the whole batch failed). */
  failed: number[];
  error: { type: string; message: string; stack?: string } | null;
}

/** Runs the handler on `records`; a throw or an unusable answer fails them all (Lambda's rules). */
export async function runHandler(
  handler: BatchHandler,
  records: readonly KinesisRecord[],
  context: HandlerContext,
): Promise<HandlerVerdict> {
  const all = (error: HandlerVerdict['error']): HandlerVerdict => ({
    firstUnconfirmed: 0,
    failed: records.map((_, i) => i),
    error,
  });
  let result;
  try {
    result = await handler(records, context);
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
  const now = deps.now ?? Date.now;
  const bisectCache = new BisectBatchCache();

  async function deadLetter(
    input: ProcessBatchInput,
    records: readonly KinesisRecord[],
    details: Pick<DlqBatchInput, 'condition' | 'error' | 'attempts'>,
  ): Promise<void> {
    if (input.dlqQueueUrl === null) {
      // compileStreamOptions refuses every setting that dead-letters without a DLQ: never drop records.
      throw new Error(`records must go to the DLQ (${details.condition}) but no dlqQueueUrl was given`);
    }
    await deps.dlq.write(input.dlqQueueUrl, {
      ...details,
      records,
      streamName: input.streamName,
      streamArn: await deps.streamArn(input.streamName),
      shardId: input.shardId,
      handler: deps.handlerName,
      now: new Date(now()),
    });
  }

  /**
   * Corrupt KPL aggregates (bad checksum or protobuf) lead the batch: each goes to the DLQ as the one
   * raw record it is (condition CorruptRecord), without reaching the handler or using an attempt,
   * since no retry can make it readable; then the checkpoint moves past them.
   */
  async function deadLetterCorrupt(
    input: ProcessBatchInput,
    corrupt: readonly CorruptRecord[],
    base: Pick<ProcessBatchResult, 'bytes' | 'millisBehindLatest' | 'childShardIds' | 'lastArrival'> &
      Pick<ProcessBatchResult, 'waitedMs' | 'getRecordsCalls' | 'shardEnded'>,
    consumed: (checkpoint: Checkpoint | null) => Checkpoint | null,
  ): Promise<ProcessBatchResult> {
    for (const { record, reason } of corrupt) {
      await deadLetter(input, [record], {
        condition: 'CorruptRecord',
        error: { type: 'CorruptRecord', message: reason },
        attempts: 0,
      });
    }
    const last = (corrupt[corrupt.length - 1] as CorruptRecord).record;
    return {
      ...base,
      fetched: corrupt.length,
      outcome: 'dead-lettered',
      checkpoint: consumed(checkpointOf(last)),
      handled: 0,
      deadLettered: corrupt.length,
      handlerRecords: 0,
      failure: null,
      expired: 0,
      error: {
        type: 'CorruptRecord',
        message: `${corrupt.length} corrupt KPL aggregate(s): ${corrupt[0]?.reason ?? ''}`,
      },
    };
  }

  return async function processBatch(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    const limit = Math.max(1, Math.min(input.batchSize, input.maxRecords ?? input.batchSize));
    // While the workflow narrows a failing batch, its halves come from the worker's copy.
    const shardKey = `${input.streamName}/${input.shardId}`;
    const bisecting = input.maxRecords !== undefined && input.maxRecords !== null;
    if (!bisecting) bisectCache.drop(shardKey);
    const cached = bisecting ? bisectCache.take(shardKey, input.checkpoint) : undefined;
    const fetch =
      cached ??
      (await deps.reader.fetch({
        streamName: input.streamName,
        shardId: input.shardId,
        checkpoint: input.checkpoint,
        startPosition: input.startPosition,
        limit,
        maxPollWaitMs: input.maxPollWaitMs,
        idlePollIntervalMs: input.idlePollIntervalMs,
        batchingWindowMs: bisecting ? 0 : (input.maxBatchingWindowMs ?? 0),
      }));
    const source = { streamName: input.streamName, shardId: input.shardId };
    // KPL aggregates expanded; a corrupt one comes apart for the DLQ (handed over as a plain record
    // when there is no DLQ, as KCL does), and a batch of good records stops before it.
    const expansion = expandRecords(fetch.records, source, input.checkpoint, {
      corrupt: input.dlqQueueUrl === null ? 'plain' : 'separate',
    });
    const all = expansion.records;
    // A KPL aggregate can hold more user records than the limit: take the limit, the rest comes next.
    const records = all.slice(0, limit);
    const cut = records.length < all.length || !expansion.complete;
    const shardEnded = fetch.nextIterator === null && !cut;
    /** The batch is consumed up to `checkpoint`: the next call on this worker may go on from `nextIterator`. */
    const consumed = (checkpoint: Checkpoint | null): Checkpoint | null => {
      if (checkpoint !== null && fetch.nextIterator !== null && !cut) {
        deps.reader.remember(source, checkpoint, fetch.nextIterator, fetch.issuedAt);
      }
      return checkpoint;
    };
    const base = {
      fetched: records.length,
      bytes: byteSize(fetch.records),
      millisBehindLatest: fetch.millisBehindLatest,
      childShardIds: fetch.childShardIds,
      lastArrival: lastArrival(fetch.records),
      waitedMs: fetch.waitedMs,
      getRecordsCalls: fetch.getRecordsCalls,
    };
    if (expansion.corrupt.length > 0)
      return deadLetterCorrupt(input, expansion.corrupt, { ...base, shardEnded }, consumed);
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
        handlerRecords: 0,
        failure: null,
        expired: 0,
        shardEnded,
        error: null,
      };
    }
    const last = records[records.length - 1] as KinesisRecord;

    // Maximum record age (Lambda's MaximumRecordAgeInSeconds): the records too old to hand over
    // lead the batch, since arrival times grow along a shard; they go to the DLQ first, unhandled.
    const expired = countExpired(records, input.maxRecordAgeMs ?? null, now());
    if (expired > 0) {
      await deadLetter(input, records.slice(0, expired), {
        condition: 'RecordAgeExceeded',
        error: {
          type: 'RecordAgeExceeded',
          message: `older than maximumRecordAge (${input.maxRecordAgeMs ?? 0} ms) when read: not handed to the handler`,
        },
        attempts: input.attempt - 1,
      });
    }
    const handed = records.slice(expired);
    const expiredResult = { deadLettered: expired, expired };
    if (handed.length === 0) {
      return {
        ...base,
        ...expiredResult,
        outcome: 'dead-lettered',
        checkpoint: consumed(checkpointOf(last)),
        handled: 0,
        handlerRecords: 0,
        failure: null,
        shardEnded,
        error: { type: 'RecordAgeExceeded', message: `${expired} records older than maximumRecordAge` },
      };
    }

    deps.heartbeat({ phase: 'handling', records: handed.length });
    const context: HandlerContext = {
      streamName: input.streamName,
      shardId: input.shardId,
      attempt: input.attempt,
      log: deps.log,
      heartbeat: () => deps.heartbeat({ phase: 'handling', records: handed.length }),
      signal: deps.signal(),
    };
    const verdict = await runHandler(deps.handler, handed, context);
    const handlerResult = { ...expiredResult, handlerRecords: handed.length };

    if (verdict.error === null) {
      return {
        ...base,
        ...handlerResult,
        outcome: expired > 0 ? 'dead-lettered' : 'handled',
        checkpoint: consumed(checkpointOf(last)),
        handled: handed.length,
        failure: null,
        shardEnded,
        error: null,
      };
    }
    const error = { type: verdict.error.type, message: verdict.error.message };
    const failure =
      verdict.firstUnconfirmed === 0 && verdict.failed.length === handed.length ? 'batch' : 'records';
    const nonRetryable = (input.nonRetryableErrorTypes ?? []).includes(verdict.error.type);
    // Splittable: the workflow halves the batch rather than dead-letter records that may be good.
    const split = input.bisectBatchOnError === true && failure === 'batch' && handed.length > 1;
    if (split && cached === undefined) bisectCache.put(shardKey, input.checkpoint, fetch);
    if (split || !(input.deadLetterOnFailure || nonRetryable)) {
      const confirmed = verdict.firstUnconfirmed;
      const before =
        confirmed > 0
          ? checkpointOf(handed[confirmed - 1] as KinesisRecord)
          : expired > 0
            ? checkpointOf(records[expired - 1] as KinesisRecord)
            : input.checkpoint;
      return {
        ...base,
        ...handlerResult,
        outcome: 'retry',
        checkpoint: before,
        handled: confirmed,
        failure,
        shardEnded: false,
        error,
      };
    }
    const failedRecords = verdict.failed.map((i) => handed[i] as KinesisRecord);
    await deadLetter(input, failedRecords, {
      condition: nonRetryable ? 'NonRetryableError' : 'RetryAttemptsExhausted',
      error: verdict.error,
      attempts: input.attempt,
    });
    return {
      ...base,
      ...handlerResult,
      outcome: 'dead-lettered',
      checkpoint: consumed(checkpointOf(last)),
      handled: handed.length - failedRecords.length,
      deadLettered: expired + failedRecords.length,
      failure,
      shardEnded,
      error,
    };
  };
}

/** How many records at the head of the batch are older than `maxAgeMs` (0 when there is no limit). */
export function countExpired(
  records: readonly KinesisRecord[],
  maxAgeMs: number | null,
  nowMs: number,
): number {
  if (maxAgeMs === null) return 0;
  let n = 0;
  while (
    n < records.length &&
    nowMs - (records[n] as KinesisRecord).approximateArrivalTimestamp.getTime() > maxAgeMs
  )
    n++;
  return n;
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
