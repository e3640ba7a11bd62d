/**
 * What a handler's return value means for the batch, with the semantics of Lambda's
 * `ReportBatchItemFailures`. Pure module: no I/O, safe anywhere. A thrown error is not handled
 * here: the batch activity applies the failure policy to it.
 */
import type { KinesisRecord } from '../records';

/** How a batch ended, as the checkpoint logic needs it. */
export type BatchOutcome =
  /** Every record was handled: the checkpoint moves past the batch. */
  | { kind: 'ok' }
  /**
   * Some records failed: the checkpoint moves to just before `lowestFailedIndex` (a position in the
   * batch), and everything from there on is retried. `failedIndexes` is sorted and without repeats.
   */
  | { kind: 'partial'; lowestFailedIndex: number; failedIndexes: number[] }
  /** The response is unusable, so the whole batch counts as failed; `reason` says why. */
  | { kind: 'failed'; reason: string };

/** The fields of a record a failure identifier can name. */
export type IdentifiableRecord = Pick<KinesisRecord, 'sequenceNumber' | 'idempotencyKey'>;

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'empty' : `the string ${JSON.stringify(value)}`;
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}

/** Positions of the records each identifier names: a sequence number names every user record of its aggregate. */
function indexRecords(records: readonly IdentifiableRecord[]): Map<string, number[]> {
  const byIdentifier = new Map<string, number[]>();
  records.forEach((record, index) => {
    const bySeq = byIdentifier.get(record.sequenceNumber);
    if (bySeq) bySeq.push(index);
    else byIdentifier.set(record.sequenceNumber, [index]);
    if (record.idempotencyKey !== record.sequenceNumber) byIdentifier.set(record.idempotencyKey, [index]);
  });
  return byIdentifier;
}

/**
 * Interprets a handler's return value for `records` (in batch order), as Lambda does:
 * - nothing, `null`, an object without `batchItemFailures`, or an empty or null list → `ok`;
 * - an entry whose `itemIdentifier` is missing, null, empty or not a string, or names no record of
 *   the batch → the whole batch `failed`, with a reason naming the entry;
 * - otherwise → `partial`, from the lowest failed position.
 *
 * An `itemIdentifier` is a record's sequence number (Lambda's form; in a KPL aggregate it names
 * every user record sharing it, so the checkpoint goes before the whole aggregate) or its
 * idempotency key (`<shardId>:<sequenceNumber>:<subSequenceNumber>` names one user record).
 * A return value that is not an object (a JavaScript handler returning `true` or a string) fails
 * the batch: it is a bug, and guessing could skip records.
 */
export function interpretBatchResult(records: readonly IdentifiableRecord[], result: unknown): BatchOutcome {
  if (result === undefined || result === null) return { kind: 'ok' };
  if (typeof result !== 'object' || Array.isArray(result)) {
    return {
      kind: 'failed',
      reason: `the handler returned ${describeValue(result)}; return nothing, or { batchItemFailures: [{ itemIdentifier }] }`,
    };
  }
  const failures = 'batchItemFailures' in result ? result.batchItemFailures : undefined;
  if (failures === undefined || failures === null) return { kind: 'ok' };
  if (!Array.isArray(failures)) {
    return { kind: 'failed', reason: `batchItemFailures is ${describeValue(failures)}, not an array` };
  }
  if (failures.length === 0) return { kind: 'ok' };
  const byIdentifier = indexRecords(records);
  const failed = new Set<number>();
  for (const [i, entry] of failures.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return {
        kind: 'failed',
        reason: `batchItemFailures[${i}] is ${describeValue(entry)}, not { itemIdentifier }`,
      };
    }
    const id: unknown = (entry as Record<string, unknown>).itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return {
        kind: 'failed',
        reason: `batchItemFailures[${i}].itemIdentifier is ${describeValue(id)}; it must be a record's sequence number or idempotency key`,
      };
    }
    const indexes = byIdentifier.get(id);
    if (!indexes) {
      return {
        kind: 'failed',
        reason: `batchItemFailures[${i}].itemIdentifier ${JSON.stringify(id)} matches no record of this batch of ${records.length}`,
      };
    }
    for (const index of indexes) failed.add(index);
  }
  const failedIndexes = [...failed].sort((a, b) => a - b);
  return { kind: 'partial', lowestFailedIndex: failedIndexes[0] ?? 0, failedIndexes };
}
