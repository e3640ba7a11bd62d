/**
 * Owed records (option `maxOwedRecords`): after a partial failure the checkpoint stops before the
 * lowest failed record, as in Lambda, but the shard also keeps which records after it are still
 * owed (by position only). The next attempt reads from the checkpoint again and hands the handler
 * only those, plus anything new beyond what the failed attempt covered.
 */
import { type Checkpoint, type KinesisRecord, checkpointOf, compareCheckpoint } from '../../records';
import type { OwedRecords } from './batch-contract';

const keyOf = (c: Checkpoint): string => `${c.sequenceNumber}/${c.subSequenceNumber ?? ''}`;

const sorted = (list: readonly Checkpoint[]): Checkpoint[] => {
  const all = [...list].sort(compareCheckpoint);
  return all.filter((c, i) => i === 0 || compareCheckpoint(c, all[i - 1] as Checkpoint) !== 0);
};

/** How many records `owed` holds, waiting ones included: what maxOwedRecords bounds. */
export function owedCount(owed: OwedRecords | null): number {
  return owed === null ? 0 : owed.records.length + (owed.waiting?.length ?? 0);
}

/** Splits a call's records into those to hand over and the count already settled by an earlier attempt. */
export function skipSettled(
  records: readonly KinesisRecord[],
  owed: OwedRecords | null,
): { kept: KinesisRecord[]; skipped: number } {
  if (owed === null) return { kept: [...records], skipped: 0 };
  const owing = new Set([...owed.records, ...(owed.waiting ?? [])].map(keyOf));
  const kept = records.filter(
    (r) => compareCheckpoint(checkpointOf(r), owed.through) > 0 || owing.has(keyOf(checkpointOf(r))),
  );
  return { kept, skipped: records.length - kept.length };
}

/** What of `owed` lies after `last` (a call cut short, e.g. while bisecting): still owed after the call. */
export function owedBeyond(owed: OwedRecords | null, last: Checkpoint): OwedRecords | null {
  if (owed === null) return null;
  const after = (c: Checkpoint): boolean => compareCheckpoint(c, last) > 0;
  const records = owed.records.filter(after);
  const waiting = (owed.waiting ?? []).filter(after);
  if (records.length + waiting.length === 0 && !after(owed.through)) return null;
  return { through: owed.through, records, ...(waiting.length > 0 ? { waiting } : {}) };
}

/**
 * The owed set after an attempt that covered up to `last`: what was owed beyond it, plus `owed`
 * (failed, or held back with a failed one) and `waiting` (never handed over).
 */
export function owedAfter(
  carried: OwedRecords | null,
  owed: readonly KinesisRecord[],
  last: Checkpoint,
  waiting: readonly KinesisRecord[] = [],
): OwedRecords {
  const records = sorted([...(carried?.records ?? []), ...owed.map((r) => checkpointOf(r))]);
  const waits = sorted([...(carried?.waiting ?? []), ...waiting.map((r) => checkpointOf(r))]);
  const through = carried !== null && compareCheckpoint(carried.through, last) > 0 ? carried.through : last;
  return { through, records, ...(waits.length > 0 ? { waiting: waits } : {}) };
}

/**
 * A key's records that were never handed over (new, or waiting) wait behind its records handed
 * over before and still owed: per-key order never lets a later record overtake a failed one.
 */
export function deferBehindOwed(
  records: readonly KinesisRecord[],
  owed: OwedRecords | null,
): { now: KinesisRecord[]; deferred: KinesisRecord[] } {
  if (owed === null) return { now: [...records], deferred: [] };
  const delivered = new Set(owed.records.map(keyOf));
  const isDelivered = (r: KinesisRecord): boolean => delivered.has(keyOf(checkpointOf(r)));
  const owedKeys = new Set(records.filter(isDelivered).map((r) => r.partitionKey));
  const now: KinesisRecord[] = [];
  const deferred: KinesisRecord[] = [];
  for (const r of records) (!isDelivered(r) && owedKeys.has(r.partitionKey) ? deferred : now).push(r);
  return { now, deferred };
}
