/**
 * Watches a consumer drain a backlog: which shards have reached the last record written, when
 * the first and last batches arrived, and how far apart batches of one shard come (the per-batch
 * cycle time). The ksp handler and the plain loop report to the same tracker type.
 */
import { compareSequence } from '../src/records';
import { mean } from './stats';

interface ShardProgress {
  target: string;
  reached: boolean;
  batchTimes: number[];
  records: number;
}

export interface DrainObservation {
  /** ms from the tracker's start to the first record handled. */
  firstRecordMs: number | null;
  /** ms from the start until every shard's last record was handled. */
  caughtUpMs: number | null;
  batches: number;
  records: number;
  /** Mean time between two batches of the same shard, over all shards. */
  meanBatchCycleMs: number | null;
}

export class DrainTracker {
  private readonly shards = new Map<string, ShardProgress>();
  private readonly startedAt = performance.now();
  private firstRecordAt: number | null = null;
  /** shardId → epoch ms of its first record handled (start-up traces). */
  readonly firstRecordEpochByShard = new Map<string, number>();
  private caughtUpAt: number | null = null;
  private resolveCaughtUp!: () => void;
  /** Resolves when every shard with records has handed over its last record. */
  readonly caughtUp = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));

  /** `targets`: shardId → last sequence number written. Shards without records are not waited for. */
  constructor(targets: Record<string, string>) {
    for (const [shardId, target] of Object.entries(targets)) {
      this.shards.set(shardId, { target, reached: false, batchTimes: [], records: 0 });
    }
    this.checkDone();
  }

  /** A batch of `count` records ending at `lastSequenceNumber` was handled for `shardId`. */
  observe(shardId: string, count: number, lastSequenceNumber: string | undefined): void {
    const now = performance.now();
    const shard = this.shards.get(shardId);
    if (!shard || count === 0) return;
    this.firstRecordAt ??= now;
    if (!this.firstRecordEpochByShard.has(shardId))
      this.firstRecordEpochByShard.set(shardId, performance.timeOrigin + now);
    shard.batchTimes.push(now);
    shard.records += count;
    if (
      !shard.reached &&
      lastSequenceNumber !== undefined &&
      compareSequence(lastSequenceNumber, shard.target) >= 0
    ) {
      shard.reached = true;
      this.checkDone();
    }
  }

  private checkDone(): void {
    if (this.caughtUpAt === null && [...this.shards.values()].every((s) => s.reached)) {
      this.caughtUpAt = performance.now();
      this.resolveCaughtUp();
    }
  }

  /** Time origin of the tracker (performance.now()), for measurements that end elsewhere. */
  get origin(): number {
    return this.startedAt;
  }

  /** The tracker's start as epoch ms (comparable with history event times on this machine). */
  get originEpochMs(): number {
    return performance.timeOrigin + this.startedAt;
  }

  result(): DrainObservation {
    const shards = [...this.shards.values()];
    const cycles = shards.flatMap((s) =>
      s.batchTimes.slice(1).map((t, i) => t - (s.batchTimes[i] as number)),
    );
    return {
      firstRecordMs: this.firstRecordAt === null ? null : this.firstRecordAt - this.startedAt,
      caughtUpMs: this.caughtUpAt === null ? null : this.caughtUpAt - this.startedAt,
      batches: shards.reduce((n, s) => n + s.batchTimes.length, 0),
      records: shards.reduce((n, s) => n + s.records, 0),
      meanBatchCycleMs: cycles.length > 0 ? mean(cycles) : null,
    };
  }
}
