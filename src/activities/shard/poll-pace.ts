/**
 * Adaptive GetRecords spacing for a busy shard, as a pure class (unit-tested without a clock):
 * - a full batch, or a shard more than a second behind its tip: the next call at Kinesis' limit
 *   (200 ms, 5 calls/s), to drain a backlog as fast as the shard allows;
 * - records, but fewer than a batch: a steady stream, read every `busyMs` (400 ms by default:
 *   half the shard's 5 reads/s, a record waits 200 ms on average and at most 400 ms);
 * - nothing: back off by half each time, up to `idleMs` (1 s by default).
 * Spacing runs from the start of one call to the start of the next: handling overlaps the wait.
 */
import { MIN_GET_RECORDS_INTERVAL_MS } from './reader';

/** A shard this far behind its tip is draining a backlog: read at the limit. */
export const BEHIND_MS = 1_000;
/** Growth of the spacing per empty poll. */
export const BACKOFF_FACTOR = 1.5;

export interface PaceOptions {
  /** Spacing while records keep arriving in batches short of `batchSize`. */
  busyMs: number;
  /** The longest spacing, after empty polls. */
  idleMs: number;
  batchSize: number;
}

/** What one poll found. */
export interface PollOutcome {
  fetched: number;
  millisBehindLatest: number | null;
}

export class PollPace {
  private spacing: number;
  private lastCallAt: number | null = null;

  constructor(private readonly options: PaceOptions) {
    this.spacing = MIN_GET_RECORDS_INTERVAL_MS;
  }

  /** How long to wait at `now` before the next call. */
  delayMs(now: number): number {
    if (this.lastCallAt === null) return 0;
    return Math.max(0, this.lastCallAt + this.spacing - now);
  }

  /** The call that started at `calledAt` found `outcome`: sets the spacing before the next one. */
  record(calledAt: number, outcome: PollOutcome): void {
    this.lastCallAt = calledAt;
    this.spacing = nextSpacingMs(this.options, this.spacing, outcome);
  }

  /** The spacing now in force (for tests and logs). */
  get spacingMs(): number {
    return this.spacing;
  }
}

/** The spacing after a poll that found `outcome`, the spacing before it being `previous`. */
export function nextSpacingMs(options: PaceOptions, previous: number, outcome: PollOutcome): number {
  const floor = MIN_GET_RECORDS_INTERVAL_MS;
  const busy = Math.max(floor, Math.min(options.busyMs, options.idleMs));
  const idle = Math.max(busy, options.idleMs);
  if (outcome.fetched >= options.batchSize || (outcome.millisBehindLatest ?? 0) > BEHIND_MS) return floor;
  if (outcome.fetched > 0) return busy;
  return Math.min(idle, Math.max(busy, Math.round(previous * BACKOFF_FACTOR)));
}
