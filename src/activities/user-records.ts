/**
 * Turns raw Kinesis records into the user records a handler sees, dropping the part of a KPL
 * aggregate the checkpoint says was already handled.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { type Checkpoint, type KinesisRecord, compareSequence, idempotencyKey } from '../records';

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

/** Maps raw records to user records, skipping everything at or before the checkpoint. */
export function toUserRecords(
  raw: readonly _Record[],
  source: RecordSource,
  after: Checkpoint | null,
): KinesisRecord[] {
  const out: KinesisRecord[] = [];
  for (const r of raw) {
    const record = toUserRecord(r, source);
    if (after !== null && isHandled(record, after)) continue;
    out.push(record);
  }
  return out;
}

function isHandled(record: KinesisRecord, checkpoint: Checkpoint): boolean {
  const bySeq = compareSequence(record.sequenceNumber, checkpoint.sequenceNumber);
  if (bySeq !== 0) return bySeq < 0;
  if (checkpoint.subSequenceNumber === undefined) return true;
  return record.subSequenceNumber === undefined || record.subSequenceNumber <= checkpoint.subSequenceNumber;
}
