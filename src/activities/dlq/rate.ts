/**
 * The replay's rate limit: a token bucket of records per second, one second of burst. A message
 * larger than the bucket goes through once the bucket is full and leaves it in debt, so the
 * average rate holds whatever the message sizes.
 */
export class RecordRateLimiter {
  private tokens: number;
  private updatedAt: number;

  constructor(
    /** Records per second; null for no limit. */
    private readonly perSecond: number | null,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.tokens = perSecond ?? 0;
    this.updatedAt = now();
  }

  private refill(): void {
    if (this.perSecond === null) return;
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.updatedAt) * this.perSecond) / 1000);
    this.updatedAt = t;
  }

  /**
   * Takes `records` tokens: undefined when they may go at once (no limit, or enough tokens), else a
   * promise that resolves when they may. The common case makes no promise: a replay calls this per
   * message.
   */
  take(records: number): Promise<void> | undefined {
    if (this.perSecond === null) return undefined;
    this.refill();
    const needed = Math.min(records, this.perSecond);
    if (this.tokens < needed) return this.takeLater(records, needed, this.perSecond);
    this.tokens -= records;
    return undefined;
  }

  private async takeLater(records: number, needed: number, perSecond: number): Promise<void> {
    await this.sleep(Math.ceil(((needed - this.tokens) * 1000) / perSecond));
    this.refill();
    this.tokens -= records;
  }
}
