/**
 * GetRecords calls per second per shard over a window: how much of a shard's 5 reads/s a
 * consumer uses (issue 14 goal 3: at most half, 2.5, on average).
 */
import type { MeterReading } from './kinesis-meter';

/** A shard serves 5 GetRecords per second, shared by every consumer of the shard. */
export const SHARD_READS_PER_SECOND = 5;

/** Calls per second per shard; NaN when the window or the shard count is empty. */
export function callsPerShardSecond(calls: number, shards: number, windowMs: number): number {
  if (shards <= 0 || windowMs <= 0) return Number.NaN;
  return calls / shards / (windowMs / 1000);
}

/** GetRecords calls in a meter reading (0 when none were made). */
export function getRecordsCalls(reading: MeterReading): number {
  return reading.GetRecords?.calls ?? 0;
}
