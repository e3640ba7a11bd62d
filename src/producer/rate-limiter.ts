/**
 * Per-shard write rate: two token buckets per shard (records and bytes), refilled continuously at
 * `rateLimit` percent of the shard's limits and holding at most one second's worth. A request may
 * take a shard's last tokens and go into debt by its own size; the shard then waits until the
 * buckets are positive again. So a producer never asks a shard for more than it can take, instead
 * of hammering it into throttling.
 *
 * A shard that ran dry resumes only once 5% of a second's worth has come back (50 ms of refill),
 * so that a saturated shard gets requests of tens of records rather than one record per refill.
 *
 * Other writers share the shard, so throttling can still happen: each throttle halves that shard's
 * rate (down to a tenth), which then grows back by a tenth of the limit per second without throttles.
 */
import { SHARD_WRITE_LIMITS } from './limits';

interface Bucket {
  records: number;
  bytes: number;
  at: number;
  /** Multiplier after throttling, 0.1 to 1. */
  factor: number;
  /** Ran dry: waits for {@link RESUME_SHARE} of the capacity before sending again. */
  dry: boolean;
}

const MIN_FACTOR = 0.1;
const RECOVERY_PER_SECOND = 0.1;
const RESUME_SHARE = 0.05;

export class ShardRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly recordsPerMs: number;
  private readonly bytesPerMs: number;

  constructor(
    rateLimitPercent: number,
    private readonly now: () => number = Date.now,
    limits: { recordsPerSecond: number; bytesPerSecond: number } = SHARD_WRITE_LIMITS,
  ) {
    this.recordsPerMs = (limits.recordsPerSecond * rateLimitPercent) / 100 / 1000;
    this.bytesPerMs = (limits.bytesPerSecond * rateLimitPercent) / 100 / 1000;
  }

  private bucket(shardId: string): Bucket {
    const now = this.now();
    let b = this.buckets.get(shardId);
    if (!b) {
      b = {
        records: this.recordsPerMs * 1000,
        bytes: this.bytesPerMs * 1000,
        at: now,
        factor: 1,
        dry: false,
      };
      this.buckets.set(shardId, b);
      return b;
    }
    const elapsed = now - b.at;
    if (elapsed > 0) {
      b.factor = Math.min(1, b.factor + (elapsed / 1000) * RECOVERY_PER_SECOND);
      b.records = Math.min(
        this.recordsPerMs * 1000 * b.factor,
        b.records + elapsed * this.recordsPerMs * b.factor,
      );
      b.bytes = Math.min(this.bytesPerMs * 1000 * b.factor, b.bytes + elapsed * this.bytesPerMs * b.factor);
      b.at = now;
    }
    return b;
  }

  /** The levels a shard must reach to send: one record and one byte, or the resume share after running dry. */
  private thresholds(b: Bucket): { records: number; bytes: number } {
    return b.dry
      ? {
          records: Math.max(1, this.recordsPerMs * 1000 * b.factor * RESUME_SHARE),
          bytes: this.bytesPerMs * 1000 * b.factor * RESUME_SHARE,
        }
      : { records: 1, bytes: 1 };
  }

  /** True when the shard may take another record now. */
  canSend(shardId: string): boolean {
    const b = this.bucket(shardId);
    const need = this.thresholds(b);
    const ok = b.records >= need.records && b.bytes >= need.bytes;
    if (ok) b.dry = false;
    return ok;
  }

  /** Milliseconds until {@link canSend} turns true (0 when it is). */
  waitMs(shardId: string): number {
    const b = this.bucket(shardId);
    const need = this.thresholds(b);
    const forRecords = Math.max(0, need.records - b.records) / (this.recordsPerMs * b.factor);
    const forBytes = Math.max(0, need.bytes - b.bytes) / (this.bytesPerMs * b.factor);
    return Math.ceil(Math.max(forRecords, forBytes));
  }

  /** Spends tokens for one Kinesis record (an aggregate counts as one) of `bytes`. */
  take(shardId: string, bytes: number): void {
    const b = this.bucket(shardId);
    b.records -= 1;
    b.bytes -= bytes;
    if (b.records < 1 || b.bytes < 1) b.dry = true;
  }

  /** The shard answered ProvisionedThroughputExceeded: empty it and halve its rate. */
  throttled(shardId: string): void {
    const b = this.bucket(shardId);
    b.factor = Math.max(MIN_FACTOR, b.factor / 2);
    b.records = Math.min(b.records, 0);
    b.bytes = Math.min(b.bytes, 0);
    b.dry = true;
  }
}
