/**
 * The buffer bound: records and bytes accepted and not yet settled. A record that does not fit
 * waits, first come first served (so two puts of one key are admitted in call order), until
 * settled records make room.
 */
import { Fifo } from './fifo';

interface Waiter {
  bytes: number;
  admit: () => void;
}

const ROOM_NOW: Promise<void> = Promise.resolve();

export class BufferGate {
  records = 0;
  bytes = 0;
  maxRecordsSeen = 0;
  maxBytesSeen = 0;
  private readonly waiters = new Fifo<Waiter>();
  private readonly roomWaiters: Array<() => void> = [];

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  /** Puts waiting for room. */
  get waiting(): number {
    return this.waiters.length;
  }

  private fits(bytes: number): boolean {
    return this.records + 1 <= this.maxRecords && this.bytes + bytes <= this.maxBytes;
  }

  /** Calls `admit` once the record fits (at once when it does and nobody is waiting before it). */
  enter(bytes: number, admit: () => void): void {
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.take(bytes);
      admit();
    } else {
      this.waiters.push({ bytes, admit });
    }
  }

  /** A record settled: frees its room and admits those waiting, in order. */
  leave(bytes: number): void {
    this.records--;
    this.bytes -= bytes;
    for (let next = this.waiters.peek(); next && this.fits(next.bytes); next = this.waiters.peek()) {
      this.waiters.shift();
      this.take(next.bytes);
      next.admit();
    }
    if (this.roomWaiters.length > 0 && this.hasRoom())
      for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  /** True when a put would be admitted now without waiting (for a record of average size). */
  hasRoom(): boolean {
    const average = this.records > 0 ? this.bytes / this.records : 0;
    return this.waiters.length === 0 && this.fits(average);
  }

  /** Resolves when {@link hasRoom}. */
  room(): Promise<void> {
    // One settled promise for every call that finds room: a loop pacing each put on ready() allocates nothing.
    if (this.hasRoom()) return ROOM_NOW;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  private take(bytes: number): void {
    this.records++;
    this.bytes += bytes;
    if (this.records > this.maxRecordsSeen) this.maxRecordsSeen = this.records;
    if (this.bytes > this.maxBytesSeen) this.maxBytesSeen = this.bytes;
  }
}
