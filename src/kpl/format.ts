/**
 * The KPL aggregated-record format (amazon-kinesis-producer `aggregation-format.md`, KCL
 * `AggregatorUtil`): 4 magic bytes, a protobuf `AggregatedRecord`, then the 16-byte MD5 of the
 * protobuf bytes. The schema is loaded by reflection with protobufjs (no generated code, no
 * network): `Root.fromJSON` builds encoders and decoders at start-up.
 */
import { Root, type Type } from 'protobufjs/light';

/** `F3 89 9A C2`: the first bytes of every aggregate. */
export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
/** Length of the MD5 trailer. */
export const KPL_DIGEST_BYTES = 16;
/** Magic plus trailer: what an aggregate costs beyond its protobuf bytes. */
export const KPL_OVERHEAD_BYTES = KPL_MAGIC.length + KPL_DIGEST_BYTES;

/** A user record as it sits inside an aggregate. */
export interface AggregatedUserRecord {
  partitionKey: string;
  /** Decimal 128-bit hash key; routes the record instead of the MD5 of its partition key. */
  explicitHashKey?: string;
  data: Uint8Array;
}

/**
 * The protobuf schema, field for field:
 * ```proto
 * message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2; repeated Record records = 3; }
 * message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4; }
 * message Tag { required string key = 1; optional string value = 2; }
 * ```
 */
const SCHEMA = {
  nested: {
    AggregatedRecord: {
      fields: {
        partition_key_table: { rule: 'repeated', type: 'string', id: 1 },
        explicit_hash_key_table: { rule: 'repeated', type: 'string', id: 2 },
        records: { rule: 'repeated', type: 'Record', id: 3 },
      },
    },
    Record: {
      fields: {
        partition_key_index: { rule: 'required', type: 'uint64', id: 1 },
        explicit_hash_key_index: { rule: 'optional', type: 'uint64', id: 2 },
        data: { rule: 'required', type: 'bytes', id: 3 },
        tags: { rule: 'repeated', type: 'Tag', id: 4 },
      },
    },
    Tag: {
      fields: {
        key: { rule: 'required', type: 'string', id: 1 },
        value: { rule: 'optional', type: 'string', id: 2 },
      },
    },
  },
};

/** `uint64` decodes to a `Long` when the `long` package is present, else to a number. */
export type Uint64 = number | { toNumber(): number };

/** The decoded (or to-be-encoded) `Record` message. */
export interface RecordMessage {
  partition_key_index: Uint64;
  explicit_hash_key_index?: Uint64 | null;
  data: Uint8Array;
  tags?: Array<{ key: string; value?: string | null }>;
}

/** The decoded (or to-be-encoded) `AggregatedRecord` message. */
export interface AggregatedRecordMessage {
  partition_key_table: string[];
  explicit_hash_key_table: string[];
  records: RecordMessage[];
}

export const AggregatedRecordType: Type = Root.fromJSON(SCHEMA).lookupType('AggregatedRecord');

export function uint64ToNumber(value: Uint64): number {
  return typeof value === 'number' ? value : value.toNumber();
}
