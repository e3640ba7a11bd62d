/**
 * The producer's bookkeeping of puts not yet settled: each record's promise, the flushes waiting
 * for every put made before them, and the rejections that must also reject a key's followers.
 */
import type { ProducerMetrics } from './producer-metrics';
import type { BufferGate } from './backpressure';
import { EarlierRecordFailedError } from '../errors';
import type { KeyQueue, KeyQueues, PendingRecord } from './key-queues';
import { LatencyHistogram } from './latency';
import type { PutResult } from './producer-api';

export interface Settle {
  resolve(result: PutResult): void;
  reject(err: unknown): void;
  calledAt: number;
  id: number;
}

export type Outcome = { result: PutResult } | { error: unknown };

/** A batch's records by their key's queue, in the batch's order. */
export function groupByKey(records: readonly PendingRecord[]): Map<KeyQueue, PendingRecord[]> {
  const byKey = new Map<KeyQueue, PendingRecord[]>();
  for (const r of records) {
    const list = byKey.get(r.key);
    if (list) list.push(r);
    else byKey.set(r.key, [r]);
  }
  return byKey;
}

export class Settlements {
  readonly latency = new LatencyHistogram();
  /** Ids of puts not yet settled, oldest first (a Set keeps insertion order). */
  private readonly unsettled = new Set<number>();
  private readonly flushes: Array<{ upTo: number; resolve: () => void }> = [];
  private putCount = 0;
  /** No put with a smaller id is unsettled (ids are consecutive and settle once). */
  private floorId = 1;

  constructor(
    private readonly queues: KeyQueues,
    private readonly gate: BufferGate,
    private readonly counters: { userRecordsPut: number; failed: number },
    private readonly now: () => number,
    private readonly metrics: ProducerMetrics,
  ) {}

  /** Puts not yet settled. */
  get size(): number {
    return this.unsettled.size;
  }

  /**
   * The oldest unsettled put's id (Infinity when none), in amortized constant time: reading the
   * Set's first entry instead walks past every deleted entry V8 has not compacted yet, which made
   * each settle during a flush cost as much as the puts settled before it.
   */
  private oldestUnsettled(): number {
    while (this.floorId <= this.putCount && !this.unsettled.has(this.floorId)) this.floorId++;
    return this.floorId <= this.putCount ? this.floorId : Infinity;
  }

  /** Counts a new put; its id orders it against flushes. */
  open(): number {
    const id = ++this.putCount;
    this.unsettled.add(id);
    return id;
  }

  /** A put that never reached the buffer. */
  cancel(id: number): void {
    this.unsettled.delete(id);
  }

  /** Remembers how to settle a buffered record's put. */
  track(record: PendingRecord, settle: Settle): void {
    record.settler = settle; // on the record: a WeakMap lookup per put and per settle cost more
  }

  /** Resolves when every put made so far is settled. */
  flushed(): Promise<void> {
    return new Promise<void>((resolve) => this.flushes.push({ upTo: this.putCount, resolve }));
  }

  get flushing(): boolean {
    return this.flushes.length > 0;
  }

  settle(record: PendingRecord, outcome: Outcome): void {
    const s = record.settler;
    if (!s) return;
    record.settler = undefined;
    this.gate.leave(record.bytes);
    this.metrics.buffered(this.gate.records);
    this.unsettled.delete(s.id);
    if ('result' in outcome) {
      this.counters.userRecordsPut++;
      const latencyMs = this.now() - s.calledAt;
      this.latency.record(latencyMs);
      this.metrics.put(latencyMs);
      s.resolve(outcome.result);
    } else {
      this.counters.failed++;
      s.reject(outcome.error);
    }
    if (this.flushes.length > 0) {
      const floor = this.oldestUnsettled();
      for (let i = this.flushes.length - 1; i >= 0; i--) {
        const f = this.flushes[i];
        if (f && f.upTo < floor) {
          this.flushes.splice(i, 1);
          f.resolve();
        }
      }
    }
  }

  /** Rejects records, then everything queued behind them on their keys (see EarlierRecordFailedError). */
  fail(key: KeyQueue, records: readonly PendingRecord[], error: unknown): void {
    for (const r of records) this.settle(r, { error });
    for (const r of this.queues.dropQueued(key)) {
      this.settle(r, { error: new EarlierRecordFailedError(key.partitionKey, error) });
    }
  }

  /** Rejects records that were in flight (and their key's followers) and frees their key. */
  failInFlight(key: KeyQueue, records: readonly PendingRecord[], error: unknown): void {
    this.fail(key, records, error);
    this.queues.settled(key);
  }

  /** Nothing can be sent (the stream is gone, access denied): reject every queued record with the cause. */
  failEverything(error: unknown): void {
    for (const key of this.queues.keysWithRecords()) {
      for (const r of this.queues.dropQueued(key)) this.settle(r, { error });
    }
  }

  /** The map cannot be read for now: records past their TTL are rejected with that error (with their key's followers). */
  expireUnsent(error: unknown, recordTtlMs: number): void {
    const at = this.now();
    for (const key of this.queues.keysWithRecords()) {
      const head = key.pending.peek();
      if (head && at - head.acceptedAt > recordTtlMs) {
        for (const r of this.queues.dropQueued(key)) this.settle(r, { error });
      }
    }
  }
}
