/**
 * Turns raw Kinesis records into the user records a handler sees: KPL aggregates are expanded
 * (sub-sequence number = index in the aggregate), plain records pass as they are (both may be mixed
 * in one stream), and the part of an aggregate the checkpoint says was handled is dropped.
 *
 * User records whose hash key falls outside this shard's range (an aggregate written with a stale
 * shard map, or by an aggregator that routes by the first record's key, as aws-kinesis-agg does)
 * are delivered like the others. KCL 2.x drops the whole aggregate in that case
 * (`AggregatorUtil.deaggregate` with the shard's hash range); that is only safe with the KPL, which
 * re-puts such records to the right shard, and silently loses data with every other aggregator
 * (awslabs/kinesis-aggregation `potential_data_loss.md`). We keep KCL 1.x's behaviour: nothing
 * read from the stream is dropped.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { deaggregate } from '../../kpl';
import { type Checkpoint, type KinesisRecord, compareSequence, idempotencyKey } from '../../records';

export interface RecordSource {
  streamName: string;
  shardId: string;
}

export function toUserRecord(raw: _Record, source: RecordSource, subSequenceNumber?: number): KinesisRecord {
  const sequenceNumber = raw.SequenceNumber ?? '';
  return {
    data: raw.Data ?? new Uint8Array(0),
    partitionKey: raw.PartitionKey ?? '',
    sequenceNumber,
    ...(subSequenceNumber === undefined ? {} : { subSequenceNumber }),
    approximateArrivalTimestamp: raw.ApproximateArrivalTimestamp ?? new Date(0),
    shardId: source.shardId,
    streamName: source.streamName,
    idempotencyKey: idempotencyKey(source.shardId, sequenceNumber, subSequenceNumber),
  };
}

/** A record with the KPL magic that is not a valid aggregate, as a plain record, and why. */
export interface CorruptRecord {
  record: KinesisRecord;
  reason: string;
}

export interface Expansion {
  /** User records after the checkpoint, in stream order, up to the first corrupt aggregate after them. */
  records: KinesisRecord[];
  /** Corrupt aggregates at the head of what is left (only when `records` is empty): dead-letter them. */
  corrupt: CorruptRecord[];
  /** False when the expansion stopped at a corrupt aggregate: the raw records from there were not taken. */
  complete: boolean;
}

export interface ExpandOptions {
  /**
   * `separate`: a corrupt aggregate is returned in `corrupt` (at the head) or ends `records` before
   * it, so it always leads a batch of its own; `plain`: it is handed over as a plain record (what KCL
   * does; for a stream without a DLQ). @default 'separate'
   */
  corrupt?: 'separate' | 'plain';
}

/** Expands raw records into user records after the checkpoint (see {@link Expansion}). */
export function expandRecords(
  raw: readonly _Record[],
  source: RecordSource,
  after: Checkpoint | null,
  options: ExpandOptions = {},
): Expansion {
  const records: KinesisRecord[] = [];
  const corrupt: CorruptRecord[] = [];
  const keep = (record: KinesisRecord) => after === null || !isHandled(record, after);
  for (const r of raw) {
    const parts = deaggregate(r.Data ?? new Uint8Array(0));
    if (parts.kind === 'aggregate') {
      if (corrupt.length > 0) return { records, corrupt, complete: false };
      parts.records.forEach((u, i) => {
        const record: KinesisRecord = {
          ...toUserRecord(r, source, i),
          data: u.data,
          partitionKey: u.partitionKey,
          ...(u.explicitHashKey === undefined ? {} : { explicitHashKey: u.explicitHashKey }),
        };
        if (keep(record)) records.push(record);
      });
      continue;
    }
    const record = toUserRecord(r, source);
    if (!keep(record)) continue;
    if (parts.kind === 'corrupt' && options.corrupt !== 'plain') {
      if (records.length > 0) return { records, corrupt, complete: false };
      corrupt.push({ record, reason: parts.reason });
      continue;
    }
    if (corrupt.length > 0) return { records, corrupt, complete: false };
    records.push(record);
  }
  return { records, corrupt, complete: true };
}

/** User records after the checkpoint; a corrupt aggregate comes through as a plain record. */
export function toUserRecords(
  raw: readonly _Record[],
  source: RecordSource,
  after: Checkpoint | null,
): KinesisRecord[] {
  return expandRecords(raw, source, after, { corrupt: 'plain' }).records;
}

function isHandled(record: KinesisRecord, checkpoint: Checkpoint): boolean {
  const bySeq = compareSequence(record.sequenceNumber, checkpoint.sequenceNumber);
  if (bySeq !== 0) return bySeq < 0;
  if (checkpoint.subSequenceNumber === undefined) return true;
  return record.subSequenceNumber === undefined || record.subSequenceNumber <= checkpoint.subSequenceNumber;
}
