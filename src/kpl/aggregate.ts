/**
 * Builds KPL aggregates. {@link AggregateBuilder} keeps the exact encoded size as records are
 * added (protobuf varint arithmetic, checked against the real encoding in the tests), so a
 * producer can fill an aggregate up to a byte limit without encoding it again and again; the
 * encoding itself is protobufjs's.
 */
import { createHash } from 'node:crypto';
import {
  type AggregatedRecordMessage,
  type AggregatedUserRecord,
  AggregatedRecordType,
  KPL_MAGIC,
  KPL_OVERHEAD_BYTES,
  type RecordMessage,
} from './format';

/** Bytes of `n` as a protobuf varint. */
export function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

/** A length-delimited field (tag byte, length, payload). Every field number here is below 16. */
function fieldBytes(payload: number): number {
  return 1 + varintBytes(payload) + payload;
}

/** Accumulates user records into one aggregate, tracking its encoded size. */
export class AggregateBuilder {
  private readonly partitionKeys = new Map<string, number>();
  private readonly hashKeys = new Map<string, number>();
  private readonly messages: RecordMessage[] = [];
  private protobufBytes = 0;

  /** The user records added so far, in order (their sub-sequence numbers are their indexes). */
  readonly records: AggregatedUserRecord[] = [];

  get count(): number {
    return this.records.length;
  }

  /** The aggregate's size once built: magic, protobuf, MD5. */
  get sizeBytes(): number {
    return KPL_OVERHEAD_BYTES + this.protobufBytes;
  }

  /** What {@link sizeBytes} would be with `record` added. */
  sizeWith(record: AggregatedUserRecord): number {
    return this.sizeBytes + this.growth(record);
  }

  private growth(record: AggregatedUserRecord): number {
    let bytes = 0;
    let pkIndex = this.partitionKeys.get(record.partitionKey);
    if (pkIndex === undefined) {
      pkIndex = this.partitionKeys.size;
      bytes += fieldBytes(Buffer.byteLength(record.partitionKey, 'utf8'));
    }
    let inner = 1 + varintBytes(pkIndex) + fieldBytes(record.data.byteLength);
    if (record.explicitHashKey !== undefined) {
      let ehkIndex = this.hashKeys.get(record.explicitHashKey);
      if (ehkIndex === undefined) {
        ehkIndex = this.hashKeys.size;
        bytes += fieldBytes(record.explicitHashKey.length);
      }
      inner += 1 + varintBytes(ehkIndex);
    }
    return bytes + fieldBytes(inner);
  }

  /** Adds `record`; the caller checks {@link sizeWith} first when it has a limit. */
  add(record: AggregatedUserRecord): void {
    this.protobufBytes += this.growth(record);
    let pkIndex = this.partitionKeys.get(record.partitionKey);
    if (pkIndex === undefined) {
      pkIndex = this.partitionKeys.size;
      this.partitionKeys.set(record.partitionKey, pkIndex);
    }
    const message: RecordMessage = { partition_key_index: pkIndex, data: record.data };
    if (record.explicitHashKey !== undefined) {
      let ehkIndex = this.hashKeys.get(record.explicitHashKey);
      if (ehkIndex === undefined) {
        ehkIndex = this.hashKeys.size;
        this.hashKeys.set(record.explicitHashKey, ehkIndex);
      }
      message.explicit_hash_key_index = ehkIndex;
    }
    this.messages.push(message);
    this.records.push(record);
  }

  /** Encodes the aggregate: magic, protobuf `AggregatedRecord`, MD5 of the protobuf bytes. */
  build(): Buffer {
    const message: AggregatedRecordMessage = {
      partition_key_table: [...this.partitionKeys.keys()],
      explicit_hash_key_table: [...this.hashKeys.keys()],
      records: this.messages,
    };
    const protobuf = AggregatedRecordType.encode(message).finish();
    const digest = createHash('md5').update(protobuf).digest();
    return Buffer.concat([KPL_MAGIC, protobuf, digest], KPL_OVERHEAD_BYTES + protobuf.byteLength);
  }
}

/** Encodes `records` as one aggregate (sub-sequence numbers follow the array order). */
export function encodeAggregate(records: readonly AggregatedUserRecord[]): Buffer {
  const builder = new AggregateBuilder();
  for (const record of records) builder.add(record);
  return builder.build();
}
