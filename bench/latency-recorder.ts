/**
 * Collects put → handler latencies of the records put inside the measured window, first
 * delivery only, and says which of them a consumer has not delivered yet.
 */
import { type Summary, summarize } from './stats';
import { parseTimedRecord } from './timed-producer';

export interface LatencyResult extends Summary {
  /** Records put in the window that this consumer never handed over. */
  missing: number;
}

export class LatencyRecorder {
  private readonly latencies = new Map<number, number>();

  /** Measures records put in [windowStart, windowEnd) (epoch ms). */
  constructor(
    private readonly windowStart: number,
    private readonly windowEnd: number,
  ) {}

  inWindow(t: number): boolean {
    return t >= this.windowStart && t < this.windowEnd;
  }

  observe(data: Uint8Array | undefined): void {
    const now = Date.now();
    const record = parseTimedRecord(data);
    if (record && this.inWindow(record.t) && !this.latencies.has(record.n)) {
      this.latencies.set(record.n, now - record.t);
    }
  }

  has(n: number): boolean {
    return this.latencies.has(n);
  }

  result(expected: readonly number[]): LatencyResult {
    return {
      ...summarize([...this.latencies.values()]),
      missing: expected.filter((n) => !this.latencies.has(n)).length,
    };
  }
}
