/**
 * The producer's hand-written aggregate encoder (src/producer/aggregate-encoder.ts) against the
 * kpl encoder (protobufjs) it replaces on the hot path: byte for byte, and the same sizes.
 */
import { type AggregatedUserRecord, AggregateBuilder, deaggregate, encodeAggregate } from '../../src/kpl';
import { AggregateEncoder } from '../../src/producer/aggregate-encoder';

/** A seeded generator, so a failure names its case. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function records(seed: number): AggregatedUserRecord[] {
  const random = prng(seed);
  const count = 1 + Math.floor(random() * 400);
  const keys = 1 + Math.floor(random() * 300); // > 127: two-byte indexes
  const sizes = [0, 1, 100, 127, 128, 300, 16_383, 16_384, 70_000];
  return Array.from({ length: count }, (_, i) => {
    const k = Math.floor(random() * keys);
    const size = random() < 0.9 ? Math.floor(random() * 200) : (sizes[i % sizes.length] as number);
    const data = new Uint8Array(size);
    for (let b = 0; b < size; b += 97) data[b] = Math.floor(random() * 256);
    const record: AggregatedUserRecord = { partitionKey: k % 7 === 0 ? `ключ-${k}-🔑` : `key-${k}`, data };
    if (random() < 0.2) record.explicitHashKey = String(Math.floor(random() * 1e15) * (k + 1));
    return record;
  });
}

describe('producer aggregate encoder', () => {
  it('writes the bytes the kpl encoder writes, and knows their size before building', () => {
    for (let seed = 1; seed <= 60; seed++) {
      // Arrange
      const input = records(seed);
      const encoder = new AggregateEncoder();
      const reference = new AggregateBuilder();
      // Act
      for (const r of input) {
        const predicted = encoder.sizeWith(r);
        expect(predicted).toBe(reference.sizeWith(r));
        encoder.add(r);
        reference.add(r);
        expect(encoder.sizeBytes).toBe(predicted);
      }
      const built = encoder.build();
      // Assess
      expect(built.byteLength).toBe(encoder.sizeBytes);
      expect(Buffer.compare(built, encodeAggregate(input))).toBe(0);
      expect(encoder.count).toBe(input.length);
    }
  });

  it('adds a record it was not asked about first, and one asked about twice', () => {
    // Arrange
    const input = records(7).slice(0, 20);
    const encoder = new AggregateEncoder();
    // Act
    input.forEach((r, i) => {
      if (i % 3 === 0) encoder.sizeWith(r);
      if (i % 3 === 1) encoder.sizeWith(input[0] as AggregatedUserRecord);
      encoder.add(r);
    });
    // Assess
    expect(Buffer.compare(encoder.build(), encodeAggregate(input))).toBe(0);
  });

  it('round-trips through deaggregate', () => {
    // Arrange
    const input = records(99);
    const encoder = new AggregateEncoder();
    for (const r of input) encoder.add(r);
    // Act
    const out = deaggregate(encoder.build());
    // Assess
    if (out.kind !== 'aggregate') throw new Error(`not an aggregate: ${out.kind}`);
    expect(out.records.map((r) => r.partitionKey)).toEqual(input.map((r) => r.partitionKey));
    expect(out.records.map((r) => r.explicitHashKey)).toEqual(input.map((r) => r.explicitHashKey));
    expect(out.records.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(
      input.map((r) => Buffer.from(r.data).toString('hex')),
    );
  });
});
