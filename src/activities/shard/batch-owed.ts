/**
 * Owed records (option `maxOwedRecords`): after a partial failure the checkpoint stops before the
 * lowest failed record, as in Lambda, but the shard also keeps which records after it are still
 * owed (by position only). The next attempt reads from the checkpoint again and hands the handler
 * only those, plus anything new beyond what the failed attempt covered.
 */
import { type Checkpoint, type KinesisRecord, checkpointOf, compareCheckpoint } from '../../records';
import type { OwedRecords } from './batch-contract';

const keyOf = (c: Checkpoint): string => `${c.sequenceNumber}/${c.subSequenceNumber ?? ''}`;

/** Splits a call's records into those to hand over and the count already settled by an earlier attempt. */
export function skipSettled(
  records: readonly KinesisRecord[],
  owed: OwedRecords | null,
): { kept: KinesisRecord[]; skipped: number } {
  if (owed === null) return { kept: [...records], skipped: 0 };
  const owing = new Set(owed.records.map(keyOf));
  const kept = records.filter(
    (r) => compareCheckpoint(checkpointOf(r), owed.through) > 0 || owing.has(keyOf(checkpointOf(r))),
  );
  return { kept, skipped: records.length - kept.length };
}

/** What of `owed` lies after `last` (a call cut short, e.g. while bisecting): still owed after the call. */
export function owedBeyond(owed: OwedRecords | null, last: Checkpoint): OwedRecords | null {
  if (owed === null) return null;
  const records = owed.records.filter((c) => compareCheckpoint(c, last) > 0);
  if (records.length === 0 && compareCheckpoint(owed.through, last) <= 0) return null;
  return { through: owed.through, records };
}

/** The owed set after a failed attempt that covered up to `last`: `failed` plus what was owed beyond it. */
export function owedAfter(
  carried: OwedRecords | null,
  failed: readonly KinesisRecord[],
  last: Checkpoint,
): OwedRecords {
  const records = [...(carried?.records ?? []), ...failed.map((r) => checkpointOf(r))].sort(
    compareCheckpoint,
  );
  const unique = records.filter(
    (c, i) => i === 0 || compareCheckpoint(c, records[i - 1] as Checkpoint) !== 0,
  );
  const through = carried !== null && compareCheckpoint(carried.through, last) > 0 ? carried.through : last;
  return { through, records: unique };
}
