/**
 * The stream's open shards and their hash-key ranges, from ListShards: which shard a hash key
 * goes to, so that the producer can keep each shard's write limit and aggregate per shard.
 *
 * Kinesis routes by hash key, not by our prediction: a prediction can only be stale. The map is
 * re-read when the producer sees signs of resharding (a record landing on another shard than
 * predicted, a hash key no open shard covers, ResourceNotFound), and every `maxAgeMs` anyway.
 */
import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../aws/classify';
import { decimalToHex } from './hash-keys';

export interface ShardRange {
  shardId: string;
  /** First and last hash key, 32 hex digits each (string order is numeric order, see hash-keys.ts). */
  start: string;
  end: string;
}

/** Re-reads are at least this far apart, whatever asks for them. */
const MIN_RELOAD_INTERVAL_MS = 1_000;

/** The open shards of a list (closed ones have an ending sequence number), sorted by range. */
export function openShardRanges(shards: readonly Shard[]): ShardRange[] {
  return shards
    .filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber && s.ShardId && s.HashKeyRange)
    .map((s) => ({
      shardId: s.ShardId as string,
      start: decimalToHex(s.HashKeyRange?.StartingHashKey ?? '0'),
      end: decimalToHex(s.HashKeyRange?.EndingHashKey ?? '0'),
    }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

export class ShardMap {
  private ranges: ShardRange[] = [];
  private loadedAt = -Infinity;
  private stale = true;
  private loading: Promise<void> | null = null;
  /** ListShards reads so far. */
  loads = 0;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a load is due: never loaded, marked stale, or older than the maximum age. */
  get needsLoad(): boolean {
    const age = this.now() - this.loadedAt;
    return (this.stale && age >= MIN_RELOAD_INTERVAL_MS) || age >= this.maxAgeMs;
  }

  /** Whether a hash key can be routed at all (false before the first load). */
  get loaded(): boolean {
    return this.ranges.length > 0;
  }

  get shardCount(): number {
    return this.ranges.length;
  }

  /** Asks for a re-read (at most one per second). */
  invalidate(): void {
    this.stale = true;
  }

  /** When the next load may happen, if one is wanted and not yet allowed. */
  nextLoadAt(): number {
    return this.stale ? this.loadedAt + MIN_RELOAD_INTERVAL_MS : this.loadedAt + this.maxAgeMs;
  }

  /** Reads the shard list (one ListShards pass shared by concurrent callers); throws a classified error. */
  async load(): Promise<void> {
    this.loading ??= this.read().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async read(): Promise<void> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.kinesis.send(
          new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }),
        );
        shards.push(...(out.Shards ?? []));
        nextToken = out.NextToken;
      } while (nextToken);
    } catch (err) {
      this.loadedAt = this.now();
      throw classifyAwsError(err, { operation: 'ListShards', streamName: this.streamName });
    }
    this.loads++;
    this.loadedAt = this.now();
    this.stale = false;
    this.ranges = openShardRanges(shards);
  }

  /** The open shard whose range holds `hashKey` (32 hex digits); undefined when none does (the map is stale). */
  shardFor(hashKey: string): string | undefined {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = this.ranges[mid] as ShardRange;
      if (hashKey < range.start) hi = mid - 1;
      else if (hashKey > range.end) lo = mid + 1;
      else return range.shardId;
    }
    return undefined;
  }
}
