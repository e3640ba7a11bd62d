/**
 * Shard hash ranges: 128-bit keys as decimal strings (JSON-safe), compared and halved as BigInt.
 * Pure: the reshard workflow, its plan and checks, the CLI and tests use it.
 */
import type { OpenShard } from './reshard-messages';

/** Hash keys span 0 … 2^128 − 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** Two shards whose hash ranges touch (in either order). */
export function areAdjacent(a: OpenShard, b: OpenShard): boolean {
  return (
    BigInt(a.endingHashKey) + 1n === BigInt(b.startingHashKey) ||
    BigInt(b.endingHashKey) + 1n === BigInt(a.startingHashKey)
  );
}

/** The hash key that splits a shard's range in two halves (the upper half starts here). */
export function middleHashKey(shard: Pick<OpenShard, 'startingHashKey' | 'endingHashKey'>): string {
  const start = BigInt(shard.startingHashKey);
  const end = BigInt(shard.endingHashKey);
  return (start + (end - start + 1n) / 2n).toString();
}

/** Fraction of the whole hash space a shard covers. */
export function hashShare(shard: Pick<OpenShard, 'startingHashKey' | 'endingHashKey'>): number {
  const width = BigInt(shard.endingHashKey) - BigInt(shard.startingHashKey) + 1n;
  return Number((width * 1_000_000n) / (MAX_HASH_KEY + 1n)) / 1_000_000;
}
