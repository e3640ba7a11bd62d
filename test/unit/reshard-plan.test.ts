/**
 * The SplitShard / MergeShards plans that stand in for UpdateShardCount on backends without it,
 * applied to a model of the hash space: the result covers it exactly, with the asked-for count.
 */
import { MAX_HASH_KEY, areAdjacent, hashShare } from '../../src/workflows/hash-range';
import type { OpenShard, ReshardCall } from '../../src/workflows/reshard-messages';
import { planCountChange, planMerges, planSplits } from '../../src/workflows/reshard-plan';

const SPACE = MAX_HASH_KEY + 1n;

function equalShards(n: number): OpenShard[] {
  return Array.from({ length: n }, (_, i) => ({
    shardId: `s${i}`,
    startingHashKey: ((SPACE * BigInt(i)) / BigInt(n)).toString(),
    endingHashKey: ((SPACE * BigInt(i + 1)) / BigInt(n) - 1n).toString(),
    parentShardIds: [],
  }));
}

/** Applies calls the way Kinesis would, naming new shards n0, n1, … */
function apply(open: OpenShard[], calls: ReshardCall[]): OpenShard[] {
  let shards = [...open];
  let next = 0;
  for (const call of calls) {
    if (call.op === 'SplitShard') {
      const s = shards.find((x) => x.shardId === call.shardId)!;
      const key = BigInt(call.newStartingHashKey);
      expect(key > BigInt(s.startingHashKey) + 1n && key < BigInt(s.endingHashKey)).toBe(true);
      shards = shards.filter((x) => x !== s);
      shards.push(
        {
          shardId: `n${next++}`,
          startingHashKey: s.startingHashKey,
          endingHashKey: (key - 1n).toString(),
          parentShardIds: [s.shardId],
        },
        {
          shardId: `n${next++}`,
          startingHashKey: key.toString(),
          endingHashKey: s.endingHashKey,
          parentShardIds: [s.shardId],
        },
      );
    } else if (call.op === 'MergeShards') {
      const a = shards.find((x) => x.shardId === call.shardId)!;
      const b = shards.find((x) => x.shardId === call.adjacentShardId)!;
      expect(areAdjacent(a, b)).toBe(true);
      const [lo, hi] = BigInt(a.startingHashKey) < BigInt(b.startingHashKey) ? [a, b] : [b, a];
      shards = shards.filter((x) => x !== a && x !== b);
      shards.push({
        shardId: `n${next++}`,
        startingHashKey: lo.startingHashKey,
        endingHashKey: hi.endingHashKey,
        parentShardIds: [a.shardId, b.shardId],
      });
    }
  }
  return shards.sort((x, y) => (BigInt(x.startingHashKey) < BigInt(y.startingHashKey) ? -1 : 1));
}

function coversHashSpace(shards: OpenShard[]): boolean {
  let expected = 0n;
  for (const s of shards) {
    if (BigInt(s.startingHashKey) !== expected) return false;
    expected = BigInt(s.endingHashKey) + 1n;
  }
  return expected === SPACE;
}

test('4 → 8 splits every shard in the middle: 8 equal shards', () => {
  // Act
  const plan = planSplits(equalShards(4), 8);
  const after = apply(equalShards(4), plan);
  // Assess
  expect(plan.map((c) => c.op)).toEqual(Array(4).fill('SplitShard'));
  expect(after).toHaveLength(8);
  expect(coversHashSpace(after)).toBe(true);
  expect(after.map(hashShare)).toEqual(Array(8).fill(0.125));
});

test('8 → 4 merges neighbours pairwise: 4 equal shards; 4 → 3 then merges one pair', () => {
  const eight = apply(equalShards(4), planSplits(equalShards(4), 8));
  const four = apply(eight, planMerges(eight, 4));
  expect(four.map(hashShare)).toEqual([0.25, 0.25, 0.25, 0.25]);
  const three = apply(four, planMerges(four, 3));
  expect(coversHashSpace(three)).toBe(true);
  expect(three.map(hashShare).sort()).toEqual([0.25, 0.25, 0.5]);
});

test('merging never strands a needed pair: 4 → 2 where the narrowest pair sits in the middle', () => {
  // Prepare: the middle two shards are the narrowest, but merging them leaves no second pair.
  const widths = [3n, 1n, 1n, 3n];
  const total = widths.reduce((a, b) => a + b);
  let start = 0n;
  const shards = widths.map((w, i) => {
    const end = i === widths.length - 1 ? SPACE - 1n : start + (SPACE * w) / total - 1n;
    const s = {
      shardId: `s${i}`,
      startingHashKey: start.toString(),
      endingHashKey: end.toString(),
      parentShardIds: [],
    };
    start = end + 1n;
    return s;
  });
  // Act
  const plan = planMerges(shards, 2);
  // Assess
  expect(plan).toHaveLength(2);
  expect(apply(shards, plan)).toHaveLength(2);
});

test.each([
  [3, 5],
  [5, 10],
  [7, 4],
  [10, 5],
  [6, 6],
])('%i → %i covers the hash space with the target count', (from, to) => {
  const after = apply(equalShards(from), planCountChange(equalShards(from), to));
  expect(after).toHaveLength(to);
  expect(coversHashSpace(after)).toBe(true);
});

test('asking for more than one call can do is a programming error', () => {
  expect(() => planSplits(equalShards(2), 5)).toThrow(RangeError);
  expect(() => planMerges(equalShards(8), 3)).toThrow(RangeError);
});
