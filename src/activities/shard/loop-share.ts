/**
 * A worker's fair share of the shards on its task queue, and which of its consuming loops return
 * so that another worker takes their shard (issue 14 goal 5). Temporal hands an activity to
 * whichever worker polls first and a consuming loop keeps its shard for minutes, so nothing
 * evens the spread out by itself: each worker counts the loops it holds and, knowing the shards
 * and the workers on the task queue (`ShareCount`, fair-share.ts), returns the newest ones beyond
 * ceil(shards ÷ workers). A returned loop's shard is started again at once and lands on whichever
 * worker polls first; one that lands on a worker already at its share returns before reading
 * (`rebalance`). Each such return in a row lets the shard's next loop stay on a worker holding one
 * more than its share, and after MAX_REBALANCES it stays anywhere, so a stale count (a worker
 * that died but is still listed as polling) costs a few activity starts, never a shard that
 * bounces for ever. Pure but for the injected count; unit-tested with a fake one.
 */

/** Returns in a row after which a shard's loop stays wherever it landed. */
export const MAX_REBALANCES = 3;
/** How often the share is counted again (one DescribeTaskQueue and one visibility count). */
export const SHARE_REFRESH_MS = 2_000;

/** Shard workflows running on the task queue, and the workers polling it for activities. */
export interface ShareCount {
  shards: number;
  workers: number;
}

export interface LoopShareDeps {
  /** Counts shards and workers; null (or a rejection) when unknown: then no loop leaves. */
  count(): Promise<ShareCount | null>;
  now(): number;
  /** @default SHARE_REFRESH_MS */
  refreshMs?: number;
}

/** ceil(shards ÷ workers), at least 1. */
export function fairShare(count: ShareCount): number {
  return Math.max(1, Math.ceil(count.shards / Math.max(1, count.workers)));
}

export class LoopShare {
  private nextToken = 0;
  /** Tokens of the loops this worker holds, oldest first. */
  private readonly held: number[] = [];
  private share: number | null = null;
  private countedAt = -Infinity;
  private counting = false;

  constructor(private readonly deps: LoopShareDeps) {}

  /** A loop starts on this worker: its token. */
  enter(): number {
    const token = this.nextToken++;
    this.held.push(token);
    this.refresh();
    return token;
  }

  /** The loop holding `token` returned. */
  leave(token: number): void {
    const at = this.held.indexOf(token);
    if (at >= 0) this.held.splice(at, 1);
  }

  /**
   * True when the loop holding `token` should return so another worker takes its shard: it is
   * among this worker's newest loops beyond its share, widened by one per `rebalances` (the
   * returns in a row that brought the shard here).
   */
  mustLeave(token: number, rebalances: number): boolean {
    this.refresh();
    if (this.share === null || rebalances >= MAX_REBALANCES) return false;
    const index = this.held.indexOf(token);
    return index >= 0 && index >= this.share + rebalances;
  }

  /** The share last counted (null: unknown), and the loops held: for logs and tests. */
  get state(): { share: number | null; held: number } {
    return { share: this.share, held: this.held.length };
  }

  private refresh(): void {
    const now = this.deps.now();
    if (this.counting || now - this.countedAt < (this.deps.refreshMs ?? SHARE_REFRESH_MS)) return;
    this.counting = true;
    this.countedAt = now;
    void this.deps
      .count()
      .then(
        (count) => (this.share = count === null ? null : fairShare(count)),
        () => (this.share = null),
      )
      .finally(() => {
        this.counting = false;
      });
  }
}
