/**
 * A provisioned Kinesis stream's open shards as a plain model: SplitShard, MergeShards and
 * UpdateShardCount change it the way Kinesis would (new shard IDs, parents, hash ranges).
 */
import { MAX_HASH_KEY } from '../../src/workflows/hash-range';
import type { StreamShape } from '../../src/workflows/reshard-limits';
import type { OpenShard } from '../../src/workflows/reshard-messages';

/** A provisioned stream's open shards, changed by splits, merges and count updates. */
export class StreamModel {
  open: OpenShard[];
  private next = 0;

  constructor(count: number) {
    this.open = this.uniform(count, []);
  }

  private id(): string {
    return `shardId-${String(this.next++).padStart(12, '0')}`;
  }

  uniform(count: number, parents: string[]): OpenShard[] {
    const space = MAX_HASH_KEY + 1n;
    return Array.from({ length: count }, (_, i) => ({
      shardId: this.id(),
      startingHashKey: ((space * BigInt(i)) / BigInt(count)).toString(),
      endingHashKey: ((space * BigInt(i + 1)) / BigInt(count) - 1n).toString(),
      parentShardIds: parents,
    }));
  }

  split(shardId: string, newStartingHashKey: string): void {
    const at = this.open.findIndex((s) => s.shardId === shardId);
    const s = this.open[at]!;
    const lower = { ...s, shardId: this.id(), endingHashKey: (BigInt(newStartingHashKey) - 1n).toString() };
    const upper = { ...s, shardId: this.id(), startingHashKey: newStartingHashKey };
    this.open.splice(at, 1, { ...lower, parentShardIds: [shardId] }, { ...upper, parentShardIds: [shardId] });
  }

  merge(shardId: string, adjacentShardId: string): void {
    const at = this.open.findIndex((s) => s.shardId === shardId);
    const [a, b] = [this.open[at]!, this.open[at + 1]!];
    this.open.splice(at, 2, {
      shardId: this.id(),
      startingHashKey: a.startingHashKey,
      endingHashKey: b.endingHashKey,
      parentShardIds: [shardId, adjacentShardId],
    });
  }

  shape(streamName: string): StreamShape {
    return { streamName, status: 'ACTIVE', mode: 'PROVISIONED', openShards: this.open, account: null };
  }
}
