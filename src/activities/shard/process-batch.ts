/**
 * The batch activity: read → (dead-letter what is corrupt or too old) → handle → (dead-letter) →
 * return a small summary. Records never leave this activity (DESIGN.md rule 1); the workflow only
 * sees counts, the new checkpoint and a bounded, redacted error, and applies the failure policy
 * (src/workflows/shard-failure.ts).
 *
 * Its parts sit beside it: the types (batch-contract.ts), reading (batch-read.ts), the DLQ
 * (batch-dead-letter.ts) and the results (batch-results.ts); the handler runs through
 * src/handler/run-handler.ts, as in the DLQ replay.
 */
import type { HandlerContext } from '../../handler/contract';
import { summarizeError } from '../../handler/error-text';
import { type HandlerError, type HandlerFailure, runHandler } from '../../handler/run-handler';
import { type Checkpoint, type KinesisRecord, checkpointOf } from '../../records';
import type { ProcessBatchDeps, ProcessBatchInput, ProcessBatchResult } from './batch-contract';
import { countExpired, createDeadLetter, deadLetterCorrupt } from './batch-dead-letter';
import { type ReadBatch, readBatch } from './batch-read';
import { BatchResults } from './batch-results';
import { BisectBatchCache } from './bisect-cache';
import { createBatchFilter, settledBefore } from './batch-filter';

export type { BatchOutcome, ProcessBatchDeps, ProcessBatchInput, ProcessBatchResult } from './batch-contract';
export { countExpired } from './batch-dead-letter';

export function createProcessBatch(deps: ProcessBatchDeps) {
  const now = deps.now ?? Date.now;
  const bisectCache = new BisectBatchCache();
  const deadLetter = createDeadLetter(deps, now);
  const filterBatch = createBatchFilter();

  /** Hands the records to the handler with a context of this call; logs a failure in full. */
  async function handle(input: ProcessBatchInput, records: readonly KinesisRecord[]) {
    const progress = { phase: 'handling', records: records.length };
    deps.heartbeat(progress);
    const context: HandlerContext = {
      streamName: input.streamName,
      shardId: input.shardId,
      attempt: input.attempt,
      log: deps.log,
      heartbeat: () => deps.heartbeat(progress),
      signal: deps.signal(),
    };
    const started = now();
    const verdict = await runHandler(deps.handler, records, context);
    deps.onHandlerCall?.(input, (now() - started) / 1000);
    if (verdict.error !== null) logFailure(input, records.length, verdict.error);
    return verdict;
  }

  /** The worker log gets the error as the handler wrote it: only history needs it bounded and redacted. */
  function logFailure(input: ProcessBatchInput, records: number, error: HandlerError): void {
    deps.log.warn('handler failed', {
      streamName: input.streamName,
      shardId: input.shardId,
      attempt: input.attempt,
      records,
      errorType: error.type,
      errorMessage: error.message,
      ...(error.stack === undefined ? {} : { errorStack: error.stack }),
    });
  }

  /** The handler failed some of `handed`: retry (or bisect) them, or dead-letter them on their last attempt. */
  async function onFailure(
    input: ProcessBatchInput,
    batch: ReadBatch,
    /** The records of the call that passed the filter: those the handler's indexes refer to. */
    records: readonly KinesisRecord[],
    results: BatchResults,
    expired: number,
    verdict: HandlerFailure,
  ): Promise<ProcessBatchResult> {
    const handed = records.slice(expired);
    const error = summarizeError(verdict.error, input.errorDetail);
    const counts = { expired, deadLettered: expired, handlerRecords: handed.length, error };
    const failure =
      verdict.firstUnconfirmed === 0 && verdict.failed.length === handed.length ? 'batch' : 'records';
    const nonRetryable = (input.nonRetryableErrorTypes ?? []).includes(verdict.error.type);
    // Splittable: the workflow halves the batch rather than dead-letter records that may be good.
    const split = input.bisectBatchOnError === true && failure === 'batch' && handed.length > 1;
    if (split) batch.keepForBisect();
    if (split || !(input.deadLetterOnFailure || nonRetryable)) {
      // Retry from just after the last record settled (dead-lettered for its age, confirmed, or
      // filtered out), that is from the first record the handler did not confirm.
      const settled = settledBefore(batch.records, records[expired + verdict.firstUnconfirmed]);
      const checkpoint = settled ? checkpointOf(settled) : input.checkpoint;
      return results.of('retry', checkpoint, {
        ...counts,
        handled: verdict.firstUnconfirmed,
        failure,
        shardEnded: false,
      });
    }
    const failedRecords = verdict.failed.map((i) => handed[i] as KinesisRecord);
    await deadLetter(input, failedRecords, {
      condition: nonRetryable ? 'NonRetryableError' : 'RetryAttemptsExhausted',
      error: verdict.error,
      attempts: input.attempt,
    });
    return results.of('dead-lettered', batch.consumed(lastOf(batch.records)), {
      ...counts,
      handled: handed.length - failedRecords.length,
      deadLettered: expired + failedRecords.length,
      failure,
    });
  }

  return async function processBatch(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    const batch = await readBatch(deps.reader, bisectCache, input);
    const { corrupt } = batch;
    if (corrupt.length > 0) {
      const checkpoint = await deadLetterCorrupt(deadLetter, input, corrupt);
      return new BatchResults(batch.summary).of('dead-lettered', batch.consumed(checkpoint), {
        fetched: corrupt.length,
        deadLettered: corrupt.length,
        error: {
          type: 'CorruptRecord',
          message: `${corrupt.length} corrupt KPL aggregate(s): ${corrupt[0]?.reason ?? ''}`,
        },
      });
    }
    // Event filtering (Lambda's FilterCriteria): records no filter matches are settled unhandled.
    const filtered = filterBatch(input.filterCriteria, batch.records);
    const results = new BatchResults({ ...batch.summary, ...filtered.counted });
    const { kept: records } = filtered;
    if (batch.records.length === 0) {
      // Everything fetched is at or before the checkpoint (re-read aggregate): move to its end.
      const sequenceNumber = batch.lastRaw?.SequenceNumber;
      const checkpoint = sequenceNumber ? batch.consumed({ sequenceNumber }) : input.checkpoint;
      return results.of(batch.idle ? 'idle' : 'handled', checkpoint);
    }
    if (records.length === 0) return results.of('handled', batch.consumed(lastOf(batch.records)));

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
    if (handed.length === 0) {
      return results.of('dead-lettered', batch.consumed(lastOf(batch.records)), {
        expired,
        deadLettered: expired,
        error: { type: 'RecordAgeExceeded', message: `${expired} records older than maximumRecordAge` },
      });
    }

    const verdict = await handle(input, handed);
    if (verdict.error !== null) return onFailure(input, batch, records, results, expired, verdict);
    return results.of(expired > 0 ? 'dead-lettered' : 'handled', batch.consumed(lastOf(batch.records)), {
      expired,
      deadLettered: expired,
      handlerRecords: handed.length,
      handled: handed.length,
    });
  };
}

/** The checkpoint past the whole batch. */
function lastOf(records: readonly KinesisRecord[]): Checkpoint {
  return checkpointOf(records[records.length - 1] as KinesisRecord);
}
