/**
 * Reads a Kinesis record's data as a KPL aggregate. Three answers, never an exception:
 * - `plain`: the data does not start with the magic bytes (a record written without aggregation);
 * - `aggregate`: the user records, in sub-sequence order;
 * - `corrupt`: the magic is there but the rest is not a valid aggregate (too short, MD5 mismatch,
 *   undecodable protobuf, a key index outside its table). The caller dead-letters the raw record.
 *
 * KCL's `AggregatorUtil` hands a record with the magic but a bad checksum or protobuf to the
 * application as a plain record; we report it instead, so the batch layer can put it in the DLQ
 * (condition `CorruptRecord`) where someone will look at it.
 */
import { createHash } from 'node:crypto';
import {
  type AggregatedRecordMessage,
  type AggregatedUserRecord,
  AggregatedRecordType,
  KPL_DIGEST_BYTES,
  KPL_MAGIC,
  KPL_OVERHEAD_BYTES,
  uint64ToNumber,
} from './format';

export type Deaggregated =
  | { kind: 'plain' }
  | { kind: 'aggregate'; records: AggregatedUserRecord[] }
  | { kind: 'corrupt'; reason: string };

/** True when `data` starts with the KPL magic bytes. */
export function hasKplMagic(data: Uint8Array): boolean {
  if (data.byteLength < KPL_MAGIC.length) return false;
  for (let i = 0; i < KPL_MAGIC.length; i++) if (data[i] !== KPL_MAGIC[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function deaggregate(data: Uint8Array): Deaggregated {
  if (!hasKplMagic(data)) return { kind: 'plain' };
  if (data.byteLength < KPL_OVERHEAD_BYTES) {
    return {
      kind: 'corrupt',
      reason: `KPL aggregate of ${data.byteLength} bytes is shorter than its magic and MD5 trailer (${KPL_OVERHEAD_BYTES} bytes)`,
    };
  }
  const protobuf = data.subarray(KPL_MAGIC.length, data.byteLength - KPL_DIGEST_BYTES);
  const digest = data.subarray(data.byteLength - KPL_DIGEST_BYTES);
  if (!sameBytes(createHash('md5').update(protobuf).digest(), digest)) {
    return { kind: 'corrupt', reason: 'KPL aggregate MD5 checksum does not match its protobuf bytes' };
  }
  let message: AggregatedRecordMessage;
  try {
    message = AggregatedRecordType.decode(protobuf) as unknown as AggregatedRecordMessage;
  } catch (err) {
    return {
      kind: 'corrupt',
      reason: `KPL aggregate protobuf does not decode: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const pks = message.partition_key_table ?? [];
  const ehks = message.explicit_hash_key_table ?? [];
  const records: AggregatedUserRecord[] = [];
  for (const [i, r] of (message.records ?? []).entries()) {
    const partitionKey = pks[uint64ToNumber(r.partition_key_index)];
    if (partitionKey === undefined) {
      return {
        kind: 'corrupt',
        reason: `KPL aggregate record ${i} names partition key ${uint64ToNumber(r.partition_key_index)} of a table of ${pks.length}`,
      };
    }
    let explicitHashKey: string | undefined;
    // Decoded messages carry defaults on their prototype: only an own field was on the wire.
    if (
      Object.prototype.hasOwnProperty.call(r, 'explicit_hash_key_index') &&
      r.explicit_hash_key_index != null
    ) {
      explicitHashKey = ehks[uint64ToNumber(r.explicit_hash_key_index)];
      if (explicitHashKey === undefined) {
        return {
          kind: 'corrupt',
          reason: `KPL aggregate record ${i} names explicit hash key ${uint64ToNumber(r.explicit_hash_key_index)} of a table of ${ehks.length}`,
        };
      }
    }
    records.push({
      partitionKey,
      ...(explicitHashKey === undefined ? {} : { explicitHashKey }),
      data: r.data,
    });
  }
  return { kind: 'aggregate', records };
}
