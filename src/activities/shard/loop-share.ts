/**
 * A worker's fair share of the shards on its task queue, and which of its consuming loops return
 * so that another worker takes their shard (issue 14 goal 5). Temporal hands an activity to
 * whichever worker polls first and a consuming loop keeps its shard for minutes, so nothing
 * evens the spread out by itself: each worker counts the loops it holds and, knowing the shards
 * and the workers on the task queue (`ShareCount`, fair-share.ts), returns the newest ones beyond
 * ceil(shards ÷ workers). A returned loop's shard is started again at once and lands on whichever
 * worker polls first; one that lands on a worker already at its share returns before reading
 * (`rebalance`). Every TOLERANCE_STEP such returns in a row let the shard's next loop stay on a
 * worker holding one more than its share, and after MAX_REBALANCES it stays anywhere; a loop that
 * has run SETTLE_MS is judged by the share alone again. So a count that is briefly wrong (a worker
 * that just died and is still listed as polling) costs a few activity starts, never a shard that
 * bounces for ever, and a loop let in above its share moves once the count is right. Pure but for
 * the injected count; unit-tested with a fake one.
 */

/** Returns in a row after which a shard's loop stays wherever it landed. */
export const MAX_REBALANCES = 20;
/** Returns in a row per extra shard a worker may hold to let a bounced shard land. */
export const TOLERANCE_STEP = 10;
/** A loop that has run this long is judged by the share alone (its arrival's tolerance is over). */
export const SETTLE_MS = 10_000;
/** After a loop left, the worker stops polling this long if it still holds its share. */
export const GATE_MS = 3_000;
/** How often the share is counted again (a DescribeTaskQueue; see fair-share.ts). */
export const SHARE_REFRESH_MS = 1_000;

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
  /** Told each time the share changes (null: unknown), with the count and the loops held. */
  onChange?(share: number | null, count: ShareCount | null, held: number): void;
}

/** ceil(shards ÷ workers), at least 1. */
export function fairShare(count: ShareCount): number {
  return Math.max(1, Math.ceil(count.shards / Math.max(1, count.workers)));
}

export class LoopShare {
  private nextToken = 0;
  /** The loops this worker holds (token, start time), oldest first. */
  private readonly held: { token: number; at: number }[] = [];
  private count: ShareCount | null = null;
  private countedAt = -Infinity;
  private counting = false;
  /** When a loop of this worker last left for another worker. */
  private leftAt = -Infinity;
  /** Workers whose busy loops were retried here (their heartbeat timed out): identity → until when not counted. */
  private readonly lost = new Map<string, number>();

  constructor(private readonly deps: LoopShareDeps) {}

  /**
   * ceil(shards ÷ workers), the shards being at least the loops this worker holds: the visibility
   * count lags behind shard workflows that just started (and is kept SHARDS_RECOUNT_MS), and a
   * share below what one worker holds would send its loops away from a stream that just started
   * with no other worker to take them (a drain of 32 shards on one worker ran at 0.16× the plain
   * loop, its loops bouncing through `rebalance` and the poll gate).
   */
  private get share(): number | null {
    const count = this.count;
    if (count === null) return null;
    return fairShare({ shards: Math.max(count.shards, this.held.length), workers: count.workers });
  }

  /** A loop starts on this worker: its token. */
  enter(): number {
    const token = this.nextToken++;
    this.held.push({ token, at: this.deps.now() });
    this.refresh();
    return token;
  }

  /** The loop holding `token` returned. */
  leave(token: number): void {
    const at = this.held.findIndex((h) => h.token === token);
    if (at >= 0) this.held.splice(at, 1);
  }

  /**
   * True when the loop holding `token` should return so another worker takes its shard: it is
   * among this worker's newest loops beyond its share, widened while it settles by one per
   * TOLERANCE_STEP `rebalances` (the returns in a row that brought the shard here).
   */
  mustLeave(token: number, rebalances: number): boolean {
    this.refresh();
    const index = this.held.findIndex((h) => h.token === token);
    const loop = this.held[index];
    const share = this.share;
    if (share === null || loop === undefined) return false;
    const leave =
      this.deps.now() - loop.at >= SETTLE_MS
        ? index >= share
        : rebalances < MAX_REBALANCES && index >= share + Math.floor(rebalances / TOLERANCE_STEP);
    if (leave) this.leftAt = this.deps.now();
    return leave;
  }

  /**
   * Whether this worker should start another poll for activities, `waiting` of its polls being
   * at the server already: for GATE_MS after one of its loops left for another worker, only while
   * what it holds and may be handed stays below its share, so that the shard it handed over lands
   * on a worker below its share rather than back here (src/workers/share-gated-slots.ts). Only
   * that briefly: a worker that does not poll is not seen polling, and the workers seen polling
   * are the share's divisor.
   */
  mayPoll(waiting: number): boolean {
    const share = this.share;
    if (share === null || this.deps.now() - this.leftAt >= GATE_MS) return true;
    return this.held.length + waiting < share;
  }

  /**
   * Whether this worker polls the rebalance queue for another loop (src/rebalance-queue.ts),
   * `waiting` of its polls being there already: only while what it holds and may be handed stays
   * below its share, so a shard sent there lands on a worker that keeps it. Counts the share again
   * when due (a worker holding no loop runs nothing else that would); while it is unknown only a
   * worker holding nothing polls, once.
   */
  wantsShards(waiting: number): boolean {
    this.refresh();
    return this.held.length + waiting < (this.share ?? 1);
  }

  /**
   * A busy loop of worker `identity` was retried here: it died (or lost its activities). It is
   * not counted for a while, although the server lists its polls for minutes: otherwise the
   * share is too small just when the dead worker's shards arrive, and they bounce.
   */
  workerLost(identity: string, forMs: number): void {
    const known = this.lost.has(identity);
    this.lost.set(identity, this.deps.now() + forMs);
    if (known) return;
    // The share counted it: unknown (no loop leaves) until counted again, at the next look.
    this.count = null;
    this.countedAt = -Infinity;
  }

  /** Workers not to count now (see `workerLost`). */
  lostWorkers(): ReadonlySet<string> {
    const now = this.deps.now();
    for (const [identity, until] of this.lost) if (until <= now) this.lost.delete(identity);
    return new Set(this.lost.keys());
  }

  /** The share last counted (null: unknown), and the loops held: for logs and tests. */
  get state(): { share: number | null; held: number } {
    return { share: this.share, held: this.held.length };
  }

  private counted(count: ShareCount | null): void {
    const before = this.share;
    this.count = count;
    const share = this.share;
    if (share !== before) this.deps.onChange?.(share, count, this.held.length);
  }

  private refresh(): void {
    const now = this.deps.now();
    if (this.counting || now - this.countedAt < (this.deps.refreshMs ?? SHARE_REFRESH_MS)) return;
    this.counting = true;
    this.countedAt = now;
    void this.deps
      .count()
      .then(
        (count) => this.counted(count),
        () => this.counted(null),
      )
      .finally(() => {
        this.counting = false;
      });
  }
}
