/**
 * The producer's hash keys as 32 hex digits (src/producer/hash-keys.ts) against the BigInt
 * arithmetic they replace: the same value, the same order, the same shard.
 */
import { MAX_HASH_KEY, effectiveHashKey } from '../../src/kpl';
import { HashKeyCache, decimalToHex } from '../../src/producer/hash-keys';
import { openShardRanges } from '../../src/producer/shard-map';

/** `count` shards splitting the hash key space evenly, as CreateStream does. */
function evenShards(count: number) {
  const size = (MAX_HASH_KEY + 1n) / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    ShardId: `shardId-${String(i).padStart(12, '0')}`,
    HashKeyRange: {
      StartingHashKey: (size * BigInt(i)).toString(),
      EndingHashKey: (i === count - 1 ? MAX_HASH_KEY : size * BigInt(i + 1) - 1n).toString(),
    },
    SequenceNumberRange: { StartingSequenceNumber: '1' },
  }));
}

/** The routing the producer did before: BigInt ranges, BigInt comparison. */
function bigintShard(shards: ReturnType<typeof evenShards>, hashKey: bigint): string | undefined {
  return shards.find(
    (s) =>
      hashKey >= BigInt(s.HashKeyRange.StartingHashKey) && hashKey <= BigInt(s.HashKeyRange.EndingHashKey),
  )?.ShardId;
}

function stringShard(ranges: ReturnType<typeof openShardRanges>, hex: string): string | undefined {
  return ranges.find((r) => hex >= r.start && hex <= r.end)?.shardId;
}

describe('producer hash keys', () => {
  it('are the BigInt hash key in 32 hex digits, and the same object for every record of a key', () => {
    // Arrange
    const cache = new HashKeyCache();
    const keys = ['', 'a', 'key-0', 'ключ', '🔑', ...Array.from({ length: 2000 }, (_, i) => `key-${i}`)];
    // Act / Assess
    for (const k of keys) {
      const h = cache.of(k);
      expect(h.hex).toHaveLength(32);
      expect(BigInt(`0x${h.hex}`)).toBe(effectiveHashKey(k));
      expect(h.decimal()).toBe(effectiveHashKey(k).toString());
      expect(cache.of(k)).toBe(h);
    }
    for (const e of [
      '0',
      '1',
      '340282366920938463463374607431768211455',
      '170141183460469231731687303715884105728',
    ]) {
      const h = cache.of('ignored', e);
      expect(h.hex).toBe(BigInt(e).toString(16).padStart(32, '0'));
      expect(h.decimal()).toBe(e);
      expect(decimalToHex(e)).toBe(h.hex);
    }
  });

  it('compare as strings in the order of their numbers, and route to the shard BigInt ranges chose', () => {
    // Arrange
    const cache = new HashKeyCache();
    const keys = Array.from({ length: 3000 }, (_, i) => `pk-${i}-${i * 7919}`);
    // Act / Assess
    for (let i = 1; i < keys.length; i++) {
      const [a, b] = [cache.of(keys[i - 1] as string), cache.of(keys[i] as string)];
      const byNumber = Math.sign(Number(BigInt(`0x${a.hex}`) - BigInt(`0x${b.hex}`)));
      expect(Math.sign(a.hex.localeCompare(b.hex, 'en'))).toBe(byNumber);
      expect(a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0).toBe(byNumber);
    }
    for (const count of [1, 2, 3, 7, 32, 1000]) {
      const shards = evenShards(count);
      const ranges = openShardRanges(shards);
      for (const k of keys.slice(0, 500)) {
        expect(stringShard(ranges, cache.of(k).hex)).toBe(bigintShard(shards, effectiveHashKey(k)));
      }
      // The edges of every range.
      for (const s of shards) {
        for (const edge of [s.HashKeyRange.StartingHashKey, s.HashKeyRange.EndingHashKey]) {
          expect(stringShard(ranges, decimalToHex(edge))).toBe(s.ShardId);
        }
      }
    }
  });
});
