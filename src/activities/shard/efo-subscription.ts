/**
 * One enhanced fan-out subscription of one shard on this worker: it pumps the events Kinesis pushes
 * (SubscribeToShard) into a bounded buffer that the EFO reader hands out as batches. It renews the
 * subscription when Kinesis ends it (every 5 minutes on AWS; `renewAfterMs` ends it earlier, for
 * tests) from where it stopped, waits out `ResourceInUseException` (an old subscription still
 * open, on this or a dead worker) with backoff, and records the shard's end (ChildShards).
 *
 * Positions: `anchor` is the checkpoint just before `records[0]`. A fetch from a checkpoint that is
 * the anchor, or one of the buffered records, is served from the buffer (a retried batch reads the
 * same records again); any other checkpoint needs a new subscription from it (`positionOf` → -1).
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import type { Checkpoint } from '../../records';

/** One pushed event, as the subscription needs it. */
export interface EfoEvent {
  records: _Record[];
  /** Where to resume; null at the shard's end. */
  continuation: string | null;
  millisBehindLatest: number | null;
  /** Set (non-empty) when the shard has ended. */
  childShardIds: string[] | null;
}

/** Where a subscription starts: SubscribeToShard's StartingPosition. */
export type EfoStart =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: string }
  | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface SubscriptionDeps {
  /** Opens SubscribeToShard from `start`; the events end when the subscription ends. */
  open(start: EfoStart, signal: AbortSignal): Promise<AsyncIterable<EfoEvent>>;
  /** An old subscription is still open (ResourceInUseException): wait and subscribe again. */
  isResourceInUse(err: unknown): boolean;
  /** End and renew each subscription after this long (AWS ends it after 5 minutes itself). */
  renewAfterMs: number;
  /** Stop reading events while this many records wait in the buffer (HTTP/2 flow control holds the rest). */
  maxBuffered: number;
  /** Plain timer. */
  sleep(ms: number): Promise<void>;
  /** Told of each (re)subscription and each ResourceInUseException (logs, tests). */
  onEvent?(event: 'subscribed' | 'renewed' | 'resource-in-use', start: EfoStart): void;
}

const IN_USE_BACKOFF_MS = [500, 1_000, 2_000, 4_000, 5_000];

function sameCheckpoint(a: Checkpoint | null, b: Checkpoint | null): boolean {
  if (a === null || b === null) return a === b;
  return a.sequenceNumber === b.sequenceNumber && a.subSequenceNumber === b.subSequenceNumber;
}

function after(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

export class ShardSubscription {
  /** Records received and not yet confirmed handled, in shard order. */
  private records: _Record[] = [];
  private anchor: Checkpoint | null;
  /** Last record received (resume and de-duplication point). */
  private lastReceived: string | undefined;
  private continuation: string | undefined;
  private millisBehind: number | null = null;
  private endedWith: { childShardIds: string[] | null } | null = null;
  private failed: unknown = null;
  private closed = false;
  private current: AbortController | null = null;
  private wakeReader: (() => void)[] = [];
  private wakePump: (() => void) | null = null;
  /** When a fetch last used this subscription (the registry closes idle ones). */
  lastUsedAt = 0;
  /** Subscriptions opened so far (1 + renewals + retries). */
  subscriptions = 0;

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly start: EfoStart,
    checkpoint: Checkpoint | null,
  ) {
    this.anchor = checkpoint;
  }

  /** Starts pumping; resolves when the subscription is closed, failed or the shard ended. */
  run(): Promise<void> {
    return this.pump();
  }

  close(): void {
    this.closed = true;
    this.current?.abort(new Error('subscription closed'));
    this.wakePump?.();
    this.notifyReaders();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The error that stopped the subscription (not ResourceInUse, which is waited out), or null. */
  get failure(): unknown {
    return this.failed;
  }

  /**
   * Index in the buffer of the first record after `checkpoint`, dropping the records before it
   * (handled); -1 when the buffer does not hold that position.
   */
  positionOf(checkpoint: Checkpoint | null): number {
    if (sameCheckpoint(checkpoint, this.anchor)) return 0;
    if (checkpoint === null) return -1;
    const i = this.records.findIndex((r) => r.SequenceNumber === checkpoint.sequenceNumber);
    if (i < 0) return -1;
    // Inside a KPL aggregate the record is read again (its handled sub-records are skipped).
    const drop = checkpoint.subSequenceNumber === undefined ? i + 1 : i;
    this.records = this.records.slice(drop);
    this.anchor = checkpoint;
    this.wakePump?.();
    return 0;
  }

  /** Up to `limit` buffered records after the anchor, and whether they reach the shard's end. */
  peek(limit: number): {
    records: _Record[];
    ended: boolean;
    childShardIds: string[] | null;
    millisBehindLatest: number | null;
  } {
    const records = this.records.slice(0, limit);
    const ended = this.endedWith !== null && records.length === this.records.length;
    return {
      records,
      ended,
      childShardIds: ended ? (this.endedWith?.childShardIds ?? null) : null,
      millisBehindLatest: this.millisBehind,
    };
  }

  /** Resolves when records arrive, the shard ends, the subscription fails, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wakeReader.push(done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private notifyReaders(): void {
    const waiting = this.wakeReader;
    this.wakeReader = [];
    for (const wake of waiting) wake();
  }

  /** Where the next subscription starts: after the last record received, else where Kinesis said. */
  private resumeAt(): EfoStart {
    if (this.lastReceived !== undefined)
      return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastReceived };
    if (this.continuation !== undefined)
      return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.continuation };
    return this.start;
  }

  private accept(event: EfoEvent): void {
    for (const r of event.records) {
      const seq = r.SequenceNumber;
      if (seq === undefined) continue;
      // A renewed subscription may push a record again: keep each once.
      if (this.lastReceived !== undefined && !after(seq, this.lastReceived)) continue;
      this.records.push(r);
      this.lastReceived = seq;
    }
    this.millisBehind = event.millisBehindLatest;
    if (event.continuation !== null) this.continuation = event.continuation;
    const children = event.childShardIds;
    if ((children !== null && children.length > 0) || event.continuation === null) {
      this.endedWith = { childShardIds: children && children.length > 0 ? children : null };
    }
    this.notifyReaders();
  }

  private async roomInBuffer(): Promise<void> {
    while (!this.closed && this.records.length >= this.deps.maxBuffered) {
      await new Promise<void>((resolve) => {
        this.wakePump = resolve;
      });
      this.wakePump = null;
    }
  }

  private async pump(): Promise<void> {
    let inUse = 0;
    while (!this.closed && this.endedWith === null) {
      const start = this.resumeAt();
      const controller = new AbortController();
      this.current = controller;
      let renewed = false;
      const timer = setTimeout(() => {
        renewed = true;
        controller.abort(new Error('subscription renewal'));
      }, this.deps.renewAfterMs);
      try {
        const events = await this.deps.open(start, controller.signal);
        this.subscriptions++;
        this.deps.onEvent?.(this.subscriptions === 1 ? 'subscribed' : 'renewed', start);
        inUse = 0;
        for await (const event of events) {
          this.accept(event);
          if (this.endedWith !== null || this.closed || renewed) break;
          await this.roomInBuffer();
          if (this.closed || renewed) break;
        }
        // The events ended: Kinesis closed the subscription (or we renewed it): subscribe again.
      } catch (err) {
        if (this.closed || renewed) continue;
        if (this.deps.isResourceInUse(err)) {
          this.deps.onEvent?.('resource-in-use', start);
          await this.deps.sleep(IN_USE_BACKOFF_MS[Math.min(inUse++, IN_USE_BACKOFF_MS.length - 1)] ?? 5_000);
          continue;
        }
        this.failed = err;
        this.closed = true;
        this.notifyReaders();
        return;
      } finally {
        clearTimeout(timer);
        if (!controller.signal.aborted) controller.abort(new Error('subscription done'));
        this.current = null;
      }
    }
    this.notifyReaders();
  }
}
