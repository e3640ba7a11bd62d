import { createHash } from 'node:crypto';
import {
  AggregateBuilder,
  type AggregatedUserRecord,
  KPL_MAGIC,
  deaggregate,
  encodeAggregate,
  isExplicitHashKey,
  partitionKeyHash,
} from '../../src/kpl';
import { AggregatedRecordType } from '../../src/kpl/format';

/** aws-kinesis-agg 4.2.8, an independent implementation of the format (test dependency). */
interface AwsKinesisAgg {
  RecordAggregator: new () => {
    addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
    build(): { partitionKey: string; data: Buffer; ExplicitHashKey?: string };
  };
  deaggregateSync(
    record: { partitionKey: string; sequenceNumber: string; data: string },
    computeChecksums: boolean,
    callback: (
      err: Error | null,
      records?: Array<{
        partitionKey: string;
        explicitPartitionKey?: string;
        subSequenceNumber: number;
        data: string;
      }>,
    ) => void,
  ): void;
}
const awsAgg = require('aws-kinesis-agg') as AwsKinesisAgg;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const SEQ = '49590338271490256608559692538361571095921575989136588898';

/** A mix that exercises both key tables: repeated keys, explicit hash keys, empty and binary data. */
function sampleRecords(): AggregatedUserRecord[] {
  return [
    { partitionKey: 'customer-1', data: text('{"n":0}') },
    {
      partitionKey: 'customer-2',
      explicitHashKey: '170141183460469231731687303715884105728',
      data: text('x'),
    },
    { partitionKey: 'customer-1', data: new Uint8Array(0) },
    { partitionKey: 'clé-ünïcødé-🔑', data: Uint8Array.from([0, 255, 0xf3, 0x89, 0x9a, 0xc2]) },
    { partitionKey: 'customer-3', explicitHashKey: '0', data: text('y'.repeat(300)) },
    {
      partitionKey: 'customer-2',
      explicitHashKey: '170141183460469231731687303715884105728',
      data: text('z'),
    },
  ];
}

/**
 * The records both implementations handle alike. aws-kinesis-agg 4.2.8 has two bugs we keep away
 * from: it builds its key tables with `Object.keys`, which puts integer-like keys ("0", "42")
 * first, so their indexes point at the wrong entries; and its reader takes the protobuf default
 * (index 0) for records without an explicit hash key, reporting the first table entry for them.
 */
function compatibleRecords(): AggregatedUserRecord[] {
  return sampleRecords().map((r) =>
    r.explicitHashKey === '0' ? { ...r, explicitHashKey: '99999999999999999999999' } : r,
  );
}

function deaggregated(data: Uint8Array): AggregatedUserRecord[] {
  const out = deaggregate(data);
  if (out.kind !== 'aggregate') throw new Error(`expected an aggregate, got ${JSON.stringify(out)}`);
  return out.records;
}

function normalise(records: readonly AggregatedUserRecord[]) {
  return records.map((r) => ({
    partitionKey: r.partitionKey,
    explicitHashKey: r.explicitHashKey,
    data: Buffer.from(r.data).toString('hex'),
  }));
}

/** A syntactically valid aggregate around arbitrary protobuf bytes (correct magic and MD5). */
function wrap(protobuf: Uint8Array): Buffer {
  return Buffer.concat([KPL_MAGIC, protobuf, createHash('md5').update(protobuf).digest()]);
}

describe('KPL aggregation round trip', () => {
  it('gives back every user record, in order, with its keys and bytes', () => {
    // Prepare
    const records = sampleRecords();
    // Act
    const data = encodeAggregate(records);
    // Assess
    expect([...data.subarray(0, 4)]).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
    expect(normalise(deaggregated(data))).toEqual(normalise(records));
  });

  it('predicts the encoded size exactly as records are added', () => {
    // Prepare
    const builder = new AggregateBuilder();
    const records = [
      ...sampleRecords(),
      // varints past one byte: a 200-byte key, 20,000 bytes of data, >127 keys in the table
      { partitionKey: 'k'.repeat(200), data: new Uint8Array(20_000) },
      ...Array.from({ length: 140 }, (_, i) => ({ partitionKey: `key-${i}`, data: text(`v${i}`) })),
    ];
    for (const record of records) {
      const predicted = builder.sizeWith(record);
      // Act
      builder.add(record);
      // Assess
      expect(builder.sizeBytes).toBe(predicted);
      expect(builder.build().byteLength).toBe(predicted);
    }
    expect(builder.count).toBe(records.length);
  });

  it('an empty aggregate decodes to no user records', () => {
    expect(deaggregated(encodeAggregate([]))).toEqual([]);
  });
});

describe('compatibility with aws-kinesis-agg 4.2.8', () => {
  it('aws-kinesis-agg reads our aggregates, checksums verified', () => {
    // Prepare
    const records = compatibleRecords();
    const data = encodeAggregate(records);
    let decoded: Array<{
      partitionKey: string;
      explicitPartitionKey?: string;
      subSequenceNumber: number;
      data: string;
    }> = [];
    // Act
    awsAgg.deaggregateSync(
      { partitionKey: 'customer-1', sequenceNumber: SEQ, data: data.toString('base64') },
      true,
      (err, userRecords) => {
        if (err) throw err;
        decoded = userRecords ?? [];
      },
    );
    // Assess
    expect(
      decoded.map((r, i) => ({
        partitionKey: r.partitionKey,
        // its reader reports a hash key for every record once the table has one (see above)
        explicitHashKey: records[i]?.explicitHashKey === undefined ? undefined : r.explicitPartitionKey,
        data: Buffer.from(r.data, 'base64').toString('hex'),
      })),
    ).toEqual(normalise(records));
    expect(decoded.map((r) => r.subSequenceNumber)).toEqual(records.map((_, i) => i));
  });

  it('we read aws-kinesis-agg aggregates', () => {
    // Prepare
    const aggregator = new awsAgg.RecordAggregator();
    const records = compatibleRecords().filter((r) => r.data.byteLength > 0); // it refuses empty data
    for (const r of records) {
      aggregator.addUserRecord({
        partitionKey: r.partitionKey,
        ...(r.explicitHashKey ? { explicitHashKey: r.explicitHashKey } : {}),
        data: Buffer.from(r.data),
      });
    }
    // Act
    const encoded = aggregator.build();
    // Assess
    expect(normalise(deaggregated(encoded.data))).toEqual(normalise(records));
  });

  it('both produce the same bytes for the same records', () => {
    // Prepare
    const records = compatibleRecords().filter((r) => r.data.byteLength > 0);
    const aggregator = new awsAgg.RecordAggregator();
    for (const r of records) {
      aggregator.addUserRecord({
        partitionKey: r.partitionKey,
        ...(r.explicitHashKey ? { explicitHashKey: r.explicitHashKey } : {}),
        data: Buffer.from(r.data),
      });
    }
    // Act
    const theirs = aggregator.build().data;
    const ours = encodeAggregate(records);
    // Assess
    expect(ours.toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });
});

describe('corrupt and plain records', () => {
  const good = encodeAggregate(sampleRecords());

  it('data without the magic bytes is a plain record', () => {
    expect(deaggregate(text('{"n":1}'))).toEqual({ kind: 'plain' });
    expect(deaggregate(new Uint8Array(0))).toEqual({ kind: 'plain' });
    expect(deaggregate(Uint8Array.of(0xf3, 0x89, 0x9a))).toEqual({ kind: 'plain' });
    expect(deaggregate(Uint8Array.of(0xf3, 0x89, 0x9a, 0xc3, ...good.subarray(4)))).toEqual({
      kind: 'plain',
    });
  });

  describe.each([
    ['a flipped bit in the protobuf (MD5 mismatch)', () => flip(good, 10), /MD5/],
    ['a flipped bit in the MD5 trailer', () => flip(good, good.byteLength - 1), /MD5/],
    ['a truncated aggregate', () => good.subarray(0, good.byteLength - 3), /MD5/],
    ['magic and nothing else', () => Buffer.from(KPL_MAGIC), /shorter than/],
    [
      'bytes that are not protobuf, with a valid MD5',
      () => wrap(Uint8Array.of(0xff, 0xff, 0xff)),
      /does not decode/,
    ],
    [
      'a record without its required data field',
      () => wrap(Uint8Array.of(0x0a, 0x01, 0x61, 0x1a, 0x02, 0x08, 0x00)),
      /does not decode.*data/,
    ],
    [
      'a partition key index outside the table',
      () =>
        wrap(
          AggregatedRecordType.encode({
            partition_key_table: ['a'],
            explicit_hash_key_table: [],
            records: [{ partition_key_index: 3, data: text('x') }],
          }).finish(),
        ),
      /partition key 3 of a table of 1/,
    ],
    [
      'an explicit hash key index outside the table',
      () =>
        wrap(
          AggregatedRecordType.encode({
            partition_key_table: ['a'],
            explicit_hash_key_table: [],
            records: [{ partition_key_index: 0, explicit_hash_key_index: 0, data: text('x') }],
          }).finish(),
        ),
      /explicit hash key 0 of a table of 0/,
    ],
  ])('%s', (_what, make, reason) => {
    it('is reported corrupt with the reason, never thrown', () => {
      // Act
      const out = deaggregate(make());
      // Assess
      expect(out.kind).toBe('corrupt');
      expect(out.kind === 'corrupt' ? out.reason : '').toMatch(reason);
    });
  });
});

describe('hash keys', () => {
  it('the MD5 of the partition key, as an unsigned 128-bit integer', () => {
    expect(partitionKeyHash('a')).toBe(BigInt('0x0cc175b9c0f1b6a831c399e269772661'));
    expect(partitionKeyHash('é')).toBe(BigInt(`0x${createHash('md5').update('é', 'utf8').digest('hex')}`));
  });

  it.each([
    ['0', true],
    ['340282366920938463463374607431768211455', true],
    ['340282366920938463463374607431768211456', false],
    ['-1', false],
    ['01', false],
    ['', false],
    ['1e3', false],
  ])('%j is an explicit hash key: %s', (value, ok) => {
    expect(isExplicitHashKey(value)).toBe(ok);
  });
});

function flip(data: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(data);
  copy[index] = (copy[index] ?? 0) ^ 1;
  return copy;
}
