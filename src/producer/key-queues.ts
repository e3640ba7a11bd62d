/**
 * The ordering guard: one FIFO queue per partition key, and at most one Kinesis record of a key in
 * flight at any time.
 *
 * Why: PutRecords may fail entry i and succeed a later entry j of the same request. If i and j
 * were records of one key, retrying i would land it after j. So a key's next records wait until its
 * in-flight record is settled; several records of one key travel together only inside one KPL
 * aggregate, where they share the fate of a single Kinesis record. A failed record goes back to the
 * front of its key's queue, so nothing behind it can overtake it.
 *
 * The price: without aggregation a partition key moves at most one record per PutRecords round
 * trip (~1/RTT records/s per key, e.g. 50/s at 20 ms); throughput comes from many keys in flight
 * at once. With aggregation a key moves up to one aggregate (50 KiB by default) per round trip.
 */
import { Fifo } from './fifo';
import type { HashKey } from './hash-keys';
import type { Settle } from './settlements';

/** A user record between `put` and its settlement. */
export interface PendingRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  /** Shared by every record of its key (hash-keys.ts). */
  readonly hashKey: HashKey;
  readonly data: Uint8Array;
  /** Data plus partition key bytes. */
  readonly bytes: number;
  /** When it entered the buffer (for the buffering deadline and the TTL). */
  readonly acceptedAt: number;
  /** Failed attempts so far. */
  attempts: number;
  /** The key's queue it belongs to. */
  readonly key: KeyQueue;
  /** How to settle its put, while unsettled (settlements.ts). */
  settler?: Settle | undefined;
}

export type KeyStatus = 'idle' | 'ready' | 'in-flight' | 'waiting';

export interface KeyQueue {
  readonly partitionKey: string;
  readonly pending: Fifo<PendingRecord>;
  status: KeyStatus;
  /** While waiting: when the key may be sent again (backoff or the shard's rate limit). */
  until: number;
}

export class KeyQueues {
  private readonly keys = new Map<string, KeyQueue>();
  /** Keys whose front record may be sent now, in the order they became ready. */
  private readonly ready = new Fifo<KeyQueue>();
  /** Keys held back until a time (retry backoff, rate-limited shard, unroutable). */
  private waiting: KeyQueue[] = [];
  /** Records buffered and not in flight. */
  queuedRecords = 0;
  queuedBytes = 0;

  /** Appends a record to its key's queue. */
  add(partitionKey: string, make: (key: KeyQueue) => PendingRecord): PendingRecord {
    let key = this.keys.get(partitionKey);
    if (!key) {
      key = { partitionKey, pending: new Fifo(), status: 'idle', until: 0 };
      this.keys.set(partitionKey, key);
    }
    const record = make(key);
    key.pending.push(record);
    this.queuedRecords++;
    this.queuedBytes += record.bytes;
    if (key.status === 'idle') this.makeReady(key);
    return record;
  }

  private makeReady(key: KeyQueue): void {
    key.status = 'ready';
    this.ready.push(key);
  }

  /** The key whose turn it is, without removing it (keys emptied by a rejection are skipped). */
  peekReady(): KeyQueue | undefined {
    for (let key = this.ready.peek(); key; key = this.ready.peek()) {
      if (key.pending.length > 0) return key;
      this.ready.shift();
      this.settled(key);
    }
    return undefined;
  }

  /** Moves the front key to waiting until `until` (its shard is rate-limited or unknown). */
  deferFront(until: number): void {
    const key = this.ready.shift();
    if (!key) return;
    key.status = 'waiting';
    key.until = until;
    this.waiting.push(key);
  }

  /** Takes the front key's first `count` records for one Kinesis record; the key is then in flight. */
  takeFront(count: number): PendingRecord[] {
    const key = this.ready.shift();
    if (!key) return [];
    const taken: PendingRecord[] = [];
    for (let i = 0; i < count; i++) {
      const record = key.pending.shift();
      if (!record) break;
      taken.push(record);
      this.queuedRecords--;
      this.queuedBytes -= record.bytes;
    }
    key.status = 'in-flight';
    return taken;
  }

  /** The key's in-flight record is settled: its next record may go. */
  settled(key: KeyQueue): void {
    if (key.pending.length > 0) this.makeReady(key);
    else {
      key.status = 'idle';
      this.keys.delete(key.partitionKey);
    }
  }

  /** The key's in-flight records failed: back to the front, in order; the key waits until `until`. */
  retryLater(key: KeyQueue, records: PendingRecord[], until: number): void {
    key.pending.unshift(...records);
    for (const r of records) {
      this.queuedRecords++;
      this.queuedBytes += r.bytes;
    }
    key.status = 'waiting';
    key.until = until;
    this.waiting.push(key);
  }

  /** Removes and returns every record still queued for `key` (they will be rejected). */
  dropQueued(key: KeyQueue): PendingRecord[] {
    const dropped = key.pending.drain();
    for (const r of dropped) {
      this.queuedRecords--;
      this.queuedBytes -= r.bytes;
    }
    return dropped;
  }

  /** Makes the keys whose wait is over ready; returns when the next waiting key is due, if any. */
  wake(now: number): number | undefined {
    if (this.waiting.length === 0) return undefined;
    let next: number | undefined;
    const still: KeyQueue[] = [];
    for (const key of this.waiting) {
      if (key.until <= now) {
        if (key.pending.length > 0) this.makeReady(key);
        else this.settled(key);
      } else {
        still.push(key);
        next = next === undefined ? key.until : Math.min(next, key.until);
      }
    }
    this.waiting = still;
    return next;
  }

  /** Every key that has records queued (for failing them all at once). */
  keysWithRecords(): KeyQueue[] {
    return [...this.keys.values()].filter((k) => k.pending.length > 0);
  }
}
