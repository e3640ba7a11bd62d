/**
 * The producer's KPL aggregate encoder: the same bytes as src/kpl's `AggregateBuilder` (protobufjs),
 * written by hand into one buffer of the exact size: no message objects per record, no protobuf
 * writer, no concatenation. The size of a record's addition is computed once (`sizeWith`, then
 * `add` of the same record reuses it). The tests check it byte for byte against the kpl encoder.
 *
 * Layout: magic, protobuf `AggregatedRecord` (partition key table, field 1; explicit hash key
 * table, field 2; records, field 3, each `{ 1: partition key index, 2: explicit hash key index
 * when set, 3: data }`), then the MD5 of the protobuf bytes.
 */
import { createHash } from 'node:crypto';
import { type AggregatedUserRecord, KPL_MAGIC, KPL_OVERHEAD_BYTES } from '../kpl';
import { varintBytes } from '../kpl/aggregate';

/** A length-delimited field (tag byte, length, payload). Every field number here is below 16. */
function fieldBytes(payload: number): number {
  return 1 + varintBytes(payload) + payload;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 128) {
    buf[at++] = n % 128 | 128;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

const TAG_PARTITION_KEY = 0x0a; // field 1, length-delimited
const TAG_HASH_KEY = 0x12; // field 2, length-delimited
const TAG_RECORD = 0x1a; // field 3, length-delimited
const TAG_PK_INDEX = 0x08; // Record field 1, varint
const TAG_EHK_INDEX = 0x10; // Record field 2, varint
const TAG_DATA = 0x1a; // Record field 3, length-delimited

interface Table {
  index: Map<string, number>;
  /** UTF-8 length of each entry, in table order. */
  lengths: number[];
}

/** Accumulates user records into one aggregate, tracking its encoded size (as `AggregateBuilder`). */
export class AggregateEncoder {
  private readonly partitionKeys: Table = { index: new Map(), lengths: [] };
  private readonly hashKeys: Table = { index: new Map(), lengths: [] };
  private readonly records: AggregatedUserRecord[] = [];
  /** Per record: its inner message length, and its table indexes. */
  private readonly inner: number[] = [];
  private readonly pkIndexes: number[] = [];
  private readonly ehkIndexes: number[] = [];
  private protobufBytes = 0;
  /** The last `sizeWith` question, reused by `add` of the same record. */
  private asked: { record: AggregatedUserRecord; growth: number; inner: number } | null = null;

  get count(): number {
    return this.records.length;
  }

  /** The aggregate's size once built: magic, protobuf, MD5. */
  get sizeBytes(): number {
    return KPL_OVERHEAD_BYTES + this.protobufBytes;
  }

  /** What {@link sizeBytes} would be with `record` added. */
  sizeWith(record: AggregatedUserRecord): number {
    return this.sizeBytes + this.measure(record).growth;
  }

  private measure(record: AggregatedUserRecord): {
    record: AggregatedUserRecord;
    growth: number;
    inner: number;
  } {
    if (this.asked?.record === record) return this.asked;
    let growth = 0;
    let pkIndex = this.partitionKeys.index.get(record.partitionKey);
    if (pkIndex === undefined) {
      pkIndex = this.partitionKeys.lengths.length;
      growth += fieldBytes(Buffer.byteLength(record.partitionKey, 'utf8'));
    }
    let inner = 1 + varintBytes(pkIndex) + fieldBytes(record.data.byteLength);
    if (record.explicitHashKey !== undefined) {
      let ehkIndex = this.hashKeys.index.get(record.explicitHashKey);
      if (ehkIndex === undefined) {
        ehkIndex = this.hashKeys.lengths.length;
        growth += fieldBytes(Buffer.byteLength(record.explicitHashKey, 'utf8'));
      }
      inner += 1 + varintBytes(ehkIndex);
    }
    growth += fieldBytes(inner);
    this.asked = { record, growth, inner };
    return this.asked;
  }

  private indexOf(table: Table, value: string): number {
    let i = table.index.get(value);
    if (i === undefined) {
      i = table.lengths.length;
      table.index.set(value, i);
      table.lengths.push(Buffer.byteLength(value, 'utf8'));
    }
    return i;
  }

  /** Adds `record`; the caller checks {@link sizeWith} first when it has a limit. */
  add(record: AggregatedUserRecord): void {
    const { growth, inner } = this.measure(record);
    this.asked = null;
    this.protobufBytes += growth;
    this.pkIndexes.push(this.indexOf(this.partitionKeys, record.partitionKey));
    this.ehkIndexes.push(
      record.explicitHashKey === undefined ? -1 : this.indexOf(this.hashKeys, record.explicitHashKey),
    );
    this.inner.push(inner);
    this.records.push(record);
  }

  /** Encodes the aggregate: magic, protobuf `AggregatedRecord`, MD5 of the protobuf bytes. */
  build(): Buffer {
    const buf = Buffer.allocUnsafe(KPL_OVERHEAD_BYTES + this.protobufBytes);
    buf.set(KPL_MAGIC, 0);
    let at = KPL_MAGIC.length;
    const strings = (tag: number, table: Table) => {
      let i = 0;
      for (const value of table.index.keys()) {
        const length = table.lengths[i++] as number;
        buf[at++] = tag;
        at = writeVarint(buf, at, length);
        at += buf.write(value, at, length, 'utf8');
      }
    };
    strings(TAG_PARTITION_KEY, this.partitionKeys);
    strings(TAG_HASH_KEY, this.hashKeys);
    for (let r = 0; r < this.records.length; r++) {
      const data = (this.records[r] as AggregatedUserRecord).data;
      buf[at++] = TAG_RECORD;
      at = writeVarint(buf, at, this.inner[r] as number);
      buf[at++] = TAG_PK_INDEX;
      at = writeVarint(buf, at, this.pkIndexes[r] as number);
      const ehk = this.ehkIndexes[r] as number;
      if (ehk >= 0) {
        buf[at++] = TAG_EHK_INDEX;
        at = writeVarint(buf, at, ehk);
      }
      buf[at++] = TAG_DATA;
      at = writeVarint(buf, at, data.byteLength);
      buf.set(data, at);
      at += data.byteLength;
    }
    const digest = createHash('md5').update(buf.subarray(KPL_MAGIC.length, at)).digest();
    digest.copy(buf, at);
    at += digest.byteLength;
    if (at !== buf.byteLength) throw new Error(`aggregate encoder: wrote ${at} of ${buf.byteLength} bytes`);
    return buf;
  }
}
