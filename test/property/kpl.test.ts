/**
 * KPL aggregation on random and corrupted input: aggregate(records) → deaggregate gives them back
 * exactly, the builder's size arithmetic matches the encoding, and corrupted bytes never throw:
 * `deaggregate` answers `plain` (no magic: the bytes are one ordinary record), `corrupt` with a
 * reason (the caller dead-letters the raw record), or the original records — never fewer.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  type AggregatedUserRecord,
  AggregateBuilder,
  KPL_DIGEST_BYTES,
  KPL_MAGIC,
  deaggregate,
  encodeAggregate,
  hasKplMagic,
} from '../../src/kpl';
import { applyEdits, byteEdits } from '../helpers/arbitraries';

const RUNS = { numRuns: 200 };

/** User records sharing some partition keys and explicit hash keys, as a producer batches them. */
const userRecords: fc.Arbitrary<AggregatedUserRecord[]> = fc
  .record({
    keys: fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }), {
      minLength: 1,
      maxLength: 5,
    }),
    hashKeys: fc.array(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String), { maxLength: 3 }),
    records: fc.array(
      fc.record({
        key: fc.nat(),
        hashKey: fc.option(fc.nat(), { nil: undefined }),
        data: fc.uint8Array({ maxLength: 300 }),
      }),
      { minLength: 1, maxLength: 40 },
    ),
  })
  .map(({ keys, hashKeys, records }) =>
    records.map(({ key, hashKey, data }) => ({
      partitionKey: keys[key % keys.length]!,
      ...(hashKey === undefined || hashKeys.length === 0
        ? {}
        : { explicitHashKey: hashKeys[hashKey % hashKeys.length]! }),
      data,
    })),
  );

/** Records as comparable values (bytes as hex). */
const comparable = (records: readonly AggregatedUserRecord[]) =>
  records.map((r) => ({ ...r, data: Buffer.from(r.data).toString('hex') }));

/** The outcome of deaggregating corrupted bytes is one of the documented three, and loses nothing. */
function expectDocumented(data: Uint8Array, original: readonly AggregatedUserRecord[]): void {
  const result = deaggregate(data);
  if (result.kind === 'plain') expect(hasKplMagic(data)).toBe(false);
  else if (result.kind === 'corrupt') expect(result.reason).toMatch(/\S/);
  else expect(comparable(result.records)).toEqual(comparable(original));
}

describe('KPL aggregates', () => {
  it('aggregate → deaggregate gives the records back exactly, and the builder knows the size', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        const builder = new AggregateBuilder();
        for (const r of records) {
          const expected = builder.sizeWith(r);
          builder.add(r);
          expect(builder.sizeBytes).toBe(expected);
        }
        const data = builder.build();
        expect(data.byteLength).toBe(builder.sizeBytes);
        expect(data).toEqual(encodeAggregate(records));
        const result = deaggregate(data);
        expect(result.kind).toBe('aggregate');
        if (result.kind === 'aggregate') expect(comparable(result.records)).toEqual(comparable(records));
      }),
      RUNS,
    );
  });

  it('corrupted bytes never throw, and never come back as fewer records', () => {
    fc.assert(
      fc.property(userRecords, byteEdits, (records, edits) => {
        expectDocumented(applyEdits(encodeAggregate(records), edits), records);
      }),
      RUNS,
    );
  });

  it('a corrupted protobuf under a recomputed checksum never throws', () => {
    // Past the MD5 check: the decoder and the key tables meet the damage.
    fc.assert(
      fc.property(userRecords, byteEdits, (records, edits) => {
        const data = encodeAggregate(records);
        const protobuf = applyEdits(
          data.subarray(KPL_MAGIC.length, data.byteLength - KPL_DIGEST_BYTES),
          edits,
        );
        const digest = createHash('md5').update(protobuf).digest();
        const result = deaggregate(Buffer.concat([KPL_MAGIC, protobuf, digest]));
        if (result.kind === 'corrupt') expect(result.reason).toMatch(/\S/);
        else if (result.kind === 'aggregate') {
          for (const r of result.records) {
            expect(typeof r.partitionKey).toBe('string');
            expect(r.data).toBeInstanceOf(Uint8Array);
          }
        } else throw new Error('bytes with the KPL magic were read as a plain record');
      }),
      RUNS,
    );
  });

  it('any bytes after the magic never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const result = deaggregate(Buffer.concat([KPL_MAGIC, tail]));
        expect(['aggregate', 'corrupt']).toContain(result.kind);
      }),
      { numRuns: 500 },
    );
  });
});
