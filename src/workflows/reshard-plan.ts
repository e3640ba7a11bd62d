/**
 * Plans the SplitShard / MergeShards calls equivalent to one UpdateShardCount call, for backends
 * without it (kinesalite). Pure: the reshard workflow runs the plan one call at a time, waiting for
 * ACTIVE after each.
 *
 * Up from n to m shards (m ≤ 2n): split the m − n widest shards in the middle. Down from n to m
 * (m ≥ ⌈n/2⌉): merge n − m disjoint pairs of adjacent shards, narrowest pair first, never taking a
 * pair that would leave too few disjoint pairs for the rest. From equal shards this gives equal
 * shards whenever the count halves or doubles (4 → 8 → 4), as UNIFORM_SCALING would.
 */
import type { OpenShard, ReshardCall } from './reshard-messages';
import { middleHashKey } from './hash-range';

function width(shard: OpenShard): bigint {
  return BigInt(shard.endingHashKey) - BigInt(shard.startingHashKey) + 1n;
}

function byHashRange(shards: readonly OpenShard[]): OpenShard[] {
  return [...shards].sort((a, b) => {
    const d = BigInt(a.startingHashKey) - BigInt(b.startingHashKey);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
}

/** Splits the `target − open` widest shards (ties: lowest hash range first). */
export function planSplits(open: readonly OpenShard[], target: number): ReshardCall[] {
  const sorted = byHashRange(open);
  const count = target - sorted.length;
  if (count <= 0) return [];
  if (count > sorted.length)
    throw new RangeError(`cannot go from ${sorted.length} to ${target} shards with one split each`);
  const widest = sorted
    .map((shard, index) => ({ shard, index }))
    .sort((a, b) => {
      const d = width(b.shard) - width(a.shard);
      return d < 0n ? -1 : d > 0n ? 1 : a.index - b.index;
    })
    .slice(0, count)
    .sort((a, b) => a.index - b.index);
  return widest.map(({ shard }) => ({
    op: 'SplitShard',
    shardId: shard.shardId,
    newStartingHashKey: middleHashKey(shard),
  }));
}

/** How many disjoint adjacent pairs the free shards can still form. */
function pairCapacity(taken: readonly boolean[]): number {
  let capacity = 0;
  let run = 0;
  for (const t of [...taken, true]) {
    if (t) {
      capacity += Math.floor(run / 2);
      run = 0;
    } else run++;
  }
  return capacity;
}

/** Merges `open − target` disjoint adjacent pairs, narrowest combined range first. */
export function planMerges(open: readonly OpenShard[], target: number): ReshardCall[] {
  const sorted = byHashRange(open);
  const needed = sorted.length - target;
  if (needed <= 0) return [];
  if (needed > Math.floor(sorted.length / 2)) {
    throw new RangeError(`cannot go from ${sorted.length} to ${target} shards with disjoint merges`);
  }
  const pairs = sorted
    .slice(0, -1)
    .map((shard, i) => ({ i, combined: width(shard) + width(sorted[i + 1] as OpenShard) }))
    .sort((a, b) => (a.combined < b.combined ? -1 : a.combined > b.combined ? 1 : a.i - b.i));
  const taken = sorted.map(() => false);
  const chosen: number[] = [];
  for (const { i } of pairs) {
    if (chosen.length === needed) break;
    if (taken[i] || taken[i + 1]) continue;
    taken[i] = taken[i + 1] = true;
    if (pairCapacity(taken) < needed - chosen.length - 1) {
      taken[i] = taken[i + 1] = false; // would strand the remaining merges
      continue;
    }
    chosen.push(i);
  }
  return chosen
    .sort((a, b) => a - b)
    .map((i) => ({
      op: 'MergeShards',
      shardId: (sorted[i] as OpenShard).shardId,
      adjacentShardId: (sorted[i + 1] as OpenShard).shardId,
    }));
}

/** The calls that take `open` shards to `target` in one step (within 2× up or ½ down). */
export function planCountChange(open: readonly OpenShard[], target: number): ReshardCall[] {
  return target > open.length ? planSplits(open, target) : planMerges(open, target);
}
