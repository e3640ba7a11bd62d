/**
 * The Kinesis write limits the producer keeps, and the check of one user record against them.
 * Sizes count the data plus the partition key's UTF-8 bytes, as Kinesis does.
 */
import { isExplicitHashKey } from '../kpl';
import { InvalidRecordError } from '../errors';

/** PutRecords: records per call. */
export const MAX_RECORDS_PER_REQUEST = 500;
/** PutRecords: bytes per call, data plus partition keys (5 MiB). */
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** One record: data plus partition key (1 MiB). */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Partition key length, in characters. */
export const PARTITION_KEY_LENGTH = { min: 1, max: 256 } as const;
/** Writes per shard per second: records (an aggregate counts as one) and bytes (1 MiB). */
export const SHARD_WRITE_LIMITS = { recordsPerSecond: 1000, bytesPerSecond: 1024 * 1024 } as const;

/** What `put` accepts. */
export interface ProducerRecord {
  partitionKey: string;
  /** Bytes, or a string written as UTF-8. */
  data: Uint8Array | string;
  /** Decimal 128-bit hash key that chooses the shard instead of the partition key's MD5. */
  explicitHashKey?: string;
}

/** The bytes a record counts for against the limits: data plus the partition key's UTF-8 bytes. */
export function recordBytes(partitionKey: string, data: Uint8Array): number {
  return data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
}

/**
 * Checks a record against the API limits; throws an {@link InvalidRecordError} naming the field and
 * the limit. Returns its data as bytes.
 */
export function validateRecord(record: ProducerRecord): Uint8Array {
  if (typeof record !== 'object' || record === null) {
    throw new InvalidRecordError('record', 'must be an object { partitionKey, data, explicitHashKey? }');
  }
  const { partitionKey, explicitHashKey } = record;
  if (
    typeof partitionKey !== 'string' ||
    partitionKey.length < PARTITION_KEY_LENGTH.min ||
    partitionKey.length > PARTITION_KEY_LENGTH.max
  ) {
    throw new InvalidRecordError(
      'partitionKey',
      `${typeof partitionKey === 'string' ? `a key of ${partitionKey.length} characters` : JSON.stringify(partitionKey)} is invalid: use a string of ${PARTITION_KEY_LENGTH.min} to ${PARTITION_KEY_LENGTH.max} characters`,
    );
  }
  if (
    explicitHashKey !== undefined &&
    (typeof explicitHashKey !== 'string' || !isExplicitHashKey(explicitHashKey))
  ) {
    throw new InvalidRecordError(
      'explicitHashKey',
      `${JSON.stringify(explicitHashKey)} is invalid: use a decimal integer from 0 to 2^128 - 1, or leave it out`,
    );
  }
  const data =
    typeof record.data === 'string'
      ? Buffer.from(record.data, 'utf8')
      : record.data instanceof Uint8Array
        ? record.data
        : undefined;
  if (data === undefined) {
    throw new InvalidRecordError('data', 'must be a Uint8Array (or Buffer) or a string');
  }
  const bytes = recordBytes(partitionKey, data);
  if (bytes > MAX_RECORD_BYTES) {
    throw new InvalidRecordError(
      'data',
      `the record is ${bytes} bytes with its partition key; Kinesis takes at most ${MAX_RECORD_BYTES} (1 MiB) per record`,
    );
  }
  return data;
}
