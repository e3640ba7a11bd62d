/**
 * The record model handlers see, and the checkpoint the shard workflow keeps.
 * Pure module: safe to import from workflow code (no Node built-ins, no Buffer).
 */

/** One user record as handed to a handler. */
export interface KinesisRecord {
  /** Record payload, as bytes. */
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** Position inside a KPL aggregate; undefined for plain records. */
  readonly subSequenceNumber?: number;
  readonly explicitHashKey?: string;
  readonly approximateArrivalTimestamp: Date;
  readonly shardId: string;
  readonly streamName: string;
  /** `<shardId>:<sequenceNumber>[:<subSequenceNumber>]`: stable across redeliveries; use it to make effects exactly-once. */
  readonly idempotencyKey: string;
}

/**
 * The last fully handled position in a shard. Only JSON (strings and numbers), so it can live in
 * workflow state and continue-as-new input.
 */
export interface Checkpoint {
  readonly sequenceNumber: string;
  /** Set when the last handled user record sits inside a KPL aggregate. */
  readonly subSequenceNumber?: number;
}

export function idempotencyKey(shardId: string, sequenceNumber: string, subSequenceNumber?: number): string {
  return subSequenceNumber === undefined
    ? `${shardId}:${sequenceNumber}`
    : `${shardId}:${sequenceNumber}:${subSequenceNumber}`;
}

/**
 * Orders two Kinesis positions. Sequence numbers are decimal strings of up to 128 bits, so they
 * are compared by length, then lexically (no BigInt needed, works in the workflow sandbox).
 */
export function compareSequence(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares checkpoints including the sub-sequence number (a plain record sorts after its own aggregate parts). */
export function compareCheckpoint(a: Checkpoint, b: Checkpoint): number {
  const bySeq = compareSequence(a.sequenceNumber, b.sequenceNumber);
  if (bySeq !== 0) return bySeq;
  const sa = a.subSequenceNumber ?? Number.MAX_SAFE_INTEGER;
  const sb = b.subSequenceNumber ?? Number.MAX_SAFE_INTEGER;
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

export function checkpointOf(
  record: Pick<KinesisRecord, 'sequenceNumber' | 'subSequenceNumber'>,
): Checkpoint {
  return record.subSequenceNumber === undefined
    ? { sequenceNumber: record.sequenceNumber }
    : { sequenceNumber: record.sequenceNumber, subSequenceNumber: record.subSequenceNumber };
}
