import { checkpointOf, compareCheckpoint, compareSequence, idempotencyKey } from '../../src/records';
import { makeRecord, sequenceNumber } from '../helpers/records';

const A = '49590338271490256608559692538361571095921575989136588898'; // 56 digits, as Kinesis issues them
const B = '49590338271490256608559692538361571095921575989136588899'; // A + 1
const C = '49590338271490256608559692540925702759324208523137515618'; // far after A

const sign = (n: number): number => Math.sign(n);

describe('compareSequence', () => {
  describe.each([
    ['equal', A, A, 0],
    ['one apart in the last digit', A, B, -1],
    ['one apart, reversed', B, A, 1],
    ['differing in the middle', C, A, 1],
    ['beyond 2^53 where Number would tie', '9007199254740993', '9007199254740992', 1],
    ['shorter is smaller', '999', '1000', -1],
    ['leading zeros ignored', `000${A}`, A, 0],
    ['leading zeros do not make a number larger', '0009', '10', -1],
    ['zero and zeros', '0', '000', 0],
    [
      '128-bit maximum',
      '340282366920938463463374607431768211455',
      '340282366920938463463374607431768211454',
      1,
    ],
  ])('%s', (_what, a, b, expected) => {
    it(`compares as ${expected}, and as its opposite reversed`, () => {
      // Act
      const forward = sign(compareSequence(a, b));
      const backward = sign(compareSequence(b, a));
      // Assess
      expect(forward).toBe(expected);
      expect(backward).toBe(-expected || 0);
    });
  });

  it('sorts like BigInt', () => {
    // Prepare
    const values = [C, `0${B}`, A, '1', '00', B, '12345678901234567890'];
    // Act
    const sorted = [...values].sort(compareSequence);
    // Assess
    expect(sorted.map((v) => BigInt(v))).toEqual(
      [...values].map((v) => BigInt(v)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    );
  });
});

describe('compareCheckpoint', () => {
  describe.each([
    ['same plain record', { sequenceNumber: A }, { sequenceNumber: A }, 0],
    [
      'same sub-record',
      { sequenceNumber: A, subSequenceNumber: 2 },
      { sequenceNumber: A, subSequenceNumber: 2 },
      0,
    ],
    [
      'earlier sub-record of one aggregate',
      { sequenceNumber: A, subSequenceNumber: 1 },
      { sequenceNumber: A, subSequenceNumber: 2 },
      -1,
    ],
    [
      'sub-number 10 after 9 (numeric, not lexical)',
      { sequenceNumber: A, subSequenceNumber: 10 },
      { sequenceNumber: A, subSequenceNumber: 9 },
      1,
    ],
    [
      'a part of an aggregate before the whole aggregate',
      { sequenceNumber: A, subSequenceNumber: 5 },
      { sequenceNumber: A },
      -1,
    ],
    [
      'the sequence number decides first',
      { sequenceNumber: A, subSequenceNumber: 99 },
      { sequenceNumber: B, subSequenceNumber: 0 },
      -1,
    ],
  ])('%s', (_what, a, b, expected) => {
    it(`compares as ${expected}`, () => {
      // Act
      const forward = sign(compareCheckpoint(a, b));
      const backward = sign(compareCheckpoint(b, a));
      // Assess
      expect(forward).toBe(expected);
      expect(backward).toBe(-expected || 0);
    });
  });
});

describe('idempotencyKey', () => {
  describe.each([
    ['a plain record', undefined, `shardId-000000000001:${A}`],
    ['the first user record of an aggregate', 0, `shardId-000000000001:${A}:0`],
    ['a later user record of an aggregate', 12, `shardId-000000000001:${A}:12`],
  ])('for %s', (_what, sub, expected) => {
    it(`is ${expected}`, () => {
      // Act
      const key = idempotencyKey('shardId-000000000001', A, sub);
      // Assess
      expect(key).toBe(expected);
    });
  });

  it('differs between shards for the same sequence number', () => {
    // Act
    const keys = new Set(['shardId-000000000001', 'shardId-000000000002'].map((s) => idempotencyKey(s, A)));
    // Assess
    expect(keys.size).toBe(2);
  });
});

describe('checkpointOf', () => {
  describe.each([
    [
      'a plain record',
      makeRecord({ sequenceNumber: sequenceNumber(3) }),
      { sequenceNumber: sequenceNumber(3) },
    ],
    [
      'a user record of an aggregate',
      makeRecord({ sequenceNumber: sequenceNumber(3), subSequenceNumber: 0 }),
      { sequenceNumber: sequenceNumber(3), subSequenceNumber: 0 },
    ],
  ])('for %s', (_what, record, expected) => {
    it('keeps only the position, as plain JSON', () => {
      // Act
      const checkpoint = checkpointOf(record);
      // Assess
      expect(checkpoint).toStrictEqual(expected);
      expect(JSON.parse(JSON.stringify(checkpoint))).toStrictEqual(expected);
    });
  });
});
