/**
 * The autoscaler's measure of load: samples of the stream's read counters, and the load between
 * two samples against the Kinesis write limits. Pure: the autoscale workflow and tests use it.
 *
 * Load is what the shard workflows read: records and bytes over all shards (handled and
 * dead-lettered counters, finished shards included, so a reshard does not reset them). With the
 * consumers caught up, what they read is what producers wrote. Utilisation is that load over the
 * stream's write capacity, 1,000 records/s or 1 MiB/s per open shard, whichever is the larger share.
 * Records are counted after KPL de-aggregation, so aggregating producers look busier than they are.
 */
import type { StreamShape } from './reshard-limits';

/** Kinesis write limits per shard. */
export const WRITE_LIMITS = { recordsPerSecond: 1_000, bytesPerSecond: 1_048_576 } as const;

/** One reading of the stream's counters (what the sampling activity returns). */
export interface LoadSample {
  /** When it was read: workflow time, ms since the epoch. */
  at: number;
  streamStatus: string;
  openShardCount: number;
  account: StreamShape['account'];
  /** Records read so far over every shard, finished ones included (handled + dead-lettered). */
  records: number;
  bytes: number;
  /** Highest MillisBehindLatest of a shard being read; null when none reported one. */
  maxLagMs: number | null;
  /** Per shard being read: [shardId, records, bytes] counters. */
  shards: Array<[string, number, number]>;
}

/** The load between two consecutive samples. */
export interface LoadInterval {
  from: number;
  to: number;
  openShards: number;
  recordsPerSecond: number;
  bytesPerSecond: number;
  /** The load in shards' worth of write capacity (the larger of the two dimensions). */
  shardsOfLoad: number;
  utilisation: number;
  /** The busiest shard read in both samples: a hot key shows here (uniform scaling cannot fix it). */
  hottestShard: { shardId: string; utilisation: number } | null;
  maxLagMs: number | null;
}

function shareOf(recordsPerSecond: number, bytesPerSecond: number): number {
  return Math.max(
    recordsPerSecond / WRITE_LIMITS.recordsPerSecond,
    bytesPerSecond / WRITE_LIMITS.bytesPerSecond,
  );
}

/** The load between two samples, or why the pair is no evidence. */
export function toInterval(prev: LoadSample, cur: LoadSample): LoadInterval | { skipped: string } {
  const seconds = (cur.at - prev.at) / 1000;
  if (seconds <= 0) return { skipped: 'samples out of order' };
  if (cur.streamStatus !== 'ACTIVE' || prev.streamStatus !== 'ACTIVE')
    return { skipped: `stream ${cur.streamStatus !== 'ACTIVE' ? cur.streamStatus : prev.streamStatus}` };
  if (cur.openShardCount !== prev.openShardCount) return { skipped: 'the shard count changed' };
  if (cur.records < prev.records || cur.bytes < prev.bytes) return { skipped: 'counters went back' };
  const recordsPerSecond = (cur.records - prev.records) / seconds;
  const bytesPerSecond = (cur.bytes - prev.bytes) / seconds;
  const shardsOfLoad = shareOf(recordsPerSecond, bytesPerSecond);
  const before = new Map(prev.shards.map(([id, r, b]) => [id, [r, b] as const]));
  let hottestShard: LoadInterval['hottestShard'] = null;
  for (const [shardId, r, b] of cur.shards) {
    const p = before.get(shardId);
    if (!p || r < p[0] || b < p[1]) continue;
    const utilisation = shareOf((r - p[0]) / seconds, (b - p[1]) / seconds);
    if (!hottestShard || utilisation > hottestShard.utilisation) hottestShard = { shardId, utilisation };
  }
  return {
    from: prev.at,
    to: cur.at,
    openShards: cur.openShardCount,
    recordsPerSecond,
    bytesPerSecond,
    shardsOfLoad,
    utilisation: cur.openShardCount > 0 ? shardsOfLoad / cur.openShardCount : 0,
    hottestShard,
    maxLagMs: cur.maxLagMs,
  };
}
