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
import { type HandlerError, runHandler } from '../../handler/run-handler';
import { type Checkpoint, type KinesisRecord, checkpointOf, compareCheckpoint } from '../../records';
import type { OwedRecords, ProcessBatchDeps, ProcessBatchInput, ProcessBatchResult } from './batch-contract';
import { countExpired, createDeadLetter, deadLetterCorrupt } from './batch-dead-letter';
import { type ReadBatch, readBatch } from './batch-read';
import { BatchResults, type OutcomeDetails } from './batch-results';
import { type LanesVerdict, heldBackIndexes, runLanes } from './batch-lanes';
import { deferBehindOwed, owedAfter, owedBeyond, owedCount, skipSettled } from './batch-owed';
import { KEY_QUARANTINED_ERROR, newKeys, splitFirstFailures, splitQuarantined } from './batch-quarantine';
import { BisectBatchCache } from './bisect-cache';
import { createBatchFilter, settledBefore } from './batch-filter';

export type {
  BatchOutcome,
  OwedRecords,
  ProcessBatchDeps,
  ProcessBatchInput,
  ProcessBatchResult,
  QuarantineInput,
} from './batch-contract';
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

  /**
   * The handler failed some of `handed`: retry them (only them and the later records of their
   * keys when they can be owed, else everything after the lowest failed, as Lambda does), split
   * the batch (bisect), or dead-letter them on their last attempt.
   */
  async function onFailure(
    input: ProcessBatchInput,
    batch: ReadBatch,
    results: BatchResults,
    handed: readonly KinesisRecord[],
    lanes: LanesVerdict & { error: HandlerError },
    before: { expired: number; held: number; carried: OwedRecords | null; deferred: KinesisRecord[] },
  ): Promise<ProcessBatchResult> {
    const { confirmed } = lanes;
    const failed = handed.filter((_, i) => !confirmed[i]);
    const first = confirmed.indexOf(false);
    const heldBack = heldBackIndexes(handed, confirmed).map((i) => handed[i] as KinesisRecord);
    const error = summarizeError(lanes.error, input.errorDetail);
    const preDead = before.expired + before.held;
    const counts = {
      expired: before.expired,
      deadLettered: preDead,
      handlerRecords: handed.length,
      error,
      ...(before.held > 0 ? { quarantinedRecords: before.held } : {}),
    };
    const failure = failed.length === handed.length ? 'batch' : 'records';
    const nonRetryable = (input.nonRetryableErrorTypes ?? []).includes(lanes.error.type);
    const last = lastOf(batch.records);
    // Splittable: the workflow halves the batch rather than dead-letter records that may be good.
    const split = input.bisectBatchOnError === true && failure === 'batch' && handed.length > 1;
    const retryFrom = (record: KinesisRecord): Checkpoint | null => {
      // Just after the last record settled (confirmed, dead-lettered, filtered out or skipped).
      const settled = settledBefore(batch.records, record);
      return settled ? checkpointOf(settled) : input.checkpoint;
    };
    const retry = (extra: OutcomeDetails = {}): ProcessBatchResult => {
      if (split) {
        batch.keepForBisect();
        return results.of('retry', retryFrom(handed[0] as KinesisRecord), {
          ...counts,
          failure,
          shardEnded: false,
          ...(input.owed ? { owed: input.owed } : {}),
          ...extra,
        });
      }
      const owed = owedAfter(before.carried, [...failed, ...heldBack], last, before.deferred);
      const maxOwed = input.maxOwedRecords ?? 0;
      if (maxOwed > 0 && owedCount(owed) <= maxOwed) {
        // Only what the handler failed (and the later records of its keys) is handed over again.
        return results.of('retry', retryFrom(failed[0] as KinesisRecord), {
          ...counts,
          handled: handed.length - failed.length - heldBack.length,
          failure,
          shardEnded: false,
          owed,
          ...extra,
        });
      }
      // Lambda's rule: from the lowest failed record on, everything is delivered again.
      return results.of('retry', retryFrom(handed[first] as KinesisRecord), {
        ...counts,
        handled: first,
        failure,
        shardEnded: false,
        ...(maxOwed > 0 ? { owed: null, owedOverflow: true } : {}),
        ...extra,
      });
    };
    if (split || !(input.deadLetterOnFailure || nonRetryable)) return retry();

    const quarantine = input.quarantine ?? null;
    const added = quarantine ? newKeys(failed, quarantine) : [];
    if (quarantine && quarantine.keys.length + added.length > quarantine.max) {
      // Nothing goes to the DLQ: the shard pauses until keys are released.
      return retry({ quarantineFull: true });
    }
    // With the quarantine, a key's first failed record goes to the DLQ for its failure and all
    // its later records (failed or held back) as KeyQuarantined, so the DLQ's messages, ordered by
    // their first record, give each key's records in stream order (ordered-receive.ts).
    const split1 = quarantine
      ? splitFirstFailures(handed, confirmed)
      : { first: failed, later: [] as KinesisRecord[] };
    // Records that waited behind a failed one of their key follow it into the quarantine.
    const failedKeys = new Set(failed.map((r) => r.partitionKey));
    const deferredQuarantined = quarantine
      ? before.deferred.filter((r) => failedKeys.has(r.partitionKey))
      : [];
    const stillOwed = before.deferred.filter((r) => !deferredQuarantined.includes(r));
    const later = [...split1.later, ...deferredQuarantined].sort((a, b) =>
      compareCheckpoint(checkpointOf(a), checkpointOf(b)),
    );
    await deadLetter(input, split1.first, {
      condition: nonRetryable ? 'NonRetryableError' : 'RetryAttemptsExhausted',
      error: lanes.error,
      attempts: input.attempt,
    });
    if (later.length > 0) {
      await deadLetter(input, later, {
        condition: 'KeyQuarantined',
        error: KEY_QUARANTINED_ERROR,
        attempts: 0,
      });
    }
    const quarantinedHeld = quarantine ? heldBack : [];
    const owedAfterCall = stillOwed.length > 0 ? owedAfter(before.carried, stillOwed, last) : before.carried;
    const checkpoint = stillOwed.length > 0 ? retryFrom(stillOwed[0] as KinesisRecord) : batch.consumed(last);
    return results.of('dead-lettered', checkpoint, {
      ...counts,
      handled: handed.length - failed.length - quarantinedHeld.length,
      deadLettered: preDead + failed.length + quarantinedHeld.length + deferredQuarantined.length,
      failure,
      ...(input.owed || stillOwed.length > 0 ? { owed: owedAfterCall } : {}),
      ...(quarantine ? { quarantined: added } : {}),
      ...(before.held + later.length > 0 ? { quarantinedRecords: before.held + later.length } : {}),
    });
  }

  return async function processBatch(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    const batch = await readBatch(deps.reader, bisectCache, input);
    const { corrupt } = batch;
    // Owed records stay owed through a call that does not touch them.
    const keepOwed: OutcomeDetails = input.owed ? { owed: input.owed } : {};
    if (corrupt.length > 0) {
      const checkpoint = await deadLetterCorrupt(deadLetter, input, corrupt);
      return new BatchResults(batch.summary, undefined, keepOwed).of(
        'dead-lettered',
        batch.consumed(checkpoint),
        {
          fetched: corrupt.length,
          deadLettered: corrupt.length,
          error: {
            type: 'CorruptRecord',
            message: `${corrupt.length} corrupt KPL aggregate(s): ${corrupt[0]?.reason ?? ''}`,
          },
        },
      );
    }
    if (batch.records.length === 0) {
      // Everything fetched is at or before the checkpoint (re-read aggregate): move to its end.
      const counted = filterBatch(input.filterCriteria, batch.records).counted;
      const results = new BatchResults({ ...batch.summary, ...counted }, undefined, keepOwed);
      const sequenceNumber = batch.lastRaw?.SequenceNumber;
      const checkpoint = sequenceNumber ? batch.consumed({ sequenceNumber }) : input.checkpoint;
      return results.of(batch.idle ? 'idle' : 'handled', checkpoint);
    }
    const last = lastOf(batch.records);
    // What was owed beyond this call stays owed; what was owed within it is decided now.
    const carried = owedBeyond(input.owed ?? null, last);
    const tracksOwed = input.owed !== undefined && input.owed !== null;
    // Event filtering (Lambda's FilterCriteria): records no filter matches are settled unhandled.
    const filtered = filterBatch(input.filterCriteria, batch.records);
    const results = new BatchResults(
      { ...batch.summary, ...filtered.counted },
      undefined,
      tracksOwed ? { owed: carried } : {},
    );
    // Records an earlier attempt settled (owed records) are not handed over again.
    const { kept: unsettled } = skipSettled(filtered.kept, input.owed ?? null);
    if (unsettled.length === 0) return results.of('handled', batch.consumed(last));

    // Per-key quarantine: the records of quarantined keys go to the DLQ unhandled, in order.
    const { held, rest: records } = splitQuarantined(unsettled, input.quarantine ?? null);
    if (held.length > 0) {
      await deadLetter(input, held, {
        condition: 'KeyQuarantined',
        error: KEY_QUARANTINED_ERROR,
        attempts: 0,
      });
    }
    const quarantinedCounts = held.length > 0 ? { quarantinedRecords: held.length } : {};

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
    // On a retry, a key's new records wait behind its owed ones (batch-owed.ts).
    const { now: handed, deferred } = deferBehindOwed(records.slice(expired), input.owed ?? null);
    if (handed.length === 0) {
      return results.of('dead-lettered', batch.consumed(last), {
        expired,
        deadLettered: expired + held.length,
        ...quarantinedCounts,
        error:
          expired > 0
            ? { type: 'RecordAgeExceeded', message: `${expired} records older than maximumRecordAge` }
            : KEY_QUARANTINED_ERROR,
      });
    }

    const lanes = await runLanes(handed, input.parallelization ?? 1, Math.max(1, input.batchSize), (lane) =>
      handle(input, lane),
    );
    if (lanes.error !== null) {
      return onFailure(
        input,
        batch,
        results,
        handed.filter((_, i) => !lanes.undelivered[i]),
        {
          ...lanes,
          confirmed: lanes.confirmed.filter((_, i) => !lanes.undelivered[i]),
          error: lanes.error,
        },
        {
          expired,
          held: held.length,
          carried,
          // What a failed call of a lane kept from the calls after it waits like deferred records.
          deferred: [...deferred, ...handed.filter((_, i) => lanes.undelivered[i])].sort((a, b) =>
            compareCheckpoint(checkpointOf(a), checkpointOf(b)),
          ),
        },
      );
    }
    const counts = {
      expired,
      deadLettered: expired + held.length,
      ...quarantinedCounts,
      handlerRecords: handed.length,
      handled: handed.length,
    };
    const outcome = expired + held.length > 0 ? 'dead-lettered' : 'handled';
    if (deferred.length > 0) {
      // Their owed records succeeded: the waiting records come next, from just before the first.
      const settled = settledBefore(batch.records, deferred[0]);
      const checkpoint = settled ? checkpointOf(settled) : input.checkpoint;
      return results.of(outcome, checkpoint, { ...counts, owed: owedAfter(carried, [], last, deferred) });
    }
    return results.of(outcome, batch.consumed(last), counts);
  };
}

/** The checkpoint past the whole batch. */
function lastOf(records: readonly KinesisRecord[]): Checkpoint {
  return checkpointOf(records[records.length - 1] as KinesisRecord);
}
