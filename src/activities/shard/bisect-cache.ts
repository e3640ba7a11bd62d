/**
 * Worker-local copy of a batch being bisected, so the halves of a failing batch are handed out
 * without reading the same records from Kinesis again for every split: each read costs one of the
 * shard's 5 GetRecords per second and 200 ms of spacing, and up to 10 MB of its read throughput.
 * An optimisation only, like the iterator cache (DESIGN.md rule 2): a miss reads from Kinesis, an
 * entry serves only checkpoints at or after the one it was read from, and it is bounded in bytes
 * and age. Another worker simply reads the records again.
 */
import type { Checkpoint } from '../../records';
import { compareCheckpoint } from '../../records';
import type { FetchResult } from './reader';

/** Entries older than this are read again (well within the iterator's 300 s). */
const MAX_AGE_MS = 120_000;
/** All entries together; a batch larger than this is not kept. */
const MAX_BYTES = 64 * 1024 * 1024;

interface Entry {
  from: Checkpoint | null;
  fetch: FetchResult;
  bytes: number;
  at: number;
}

export class BisectBatchCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The kept batch of `key`, when it still holds records after `checkpoint`; read as if fetched now. */
  take(key: string, checkpoint: Checkpoint | null): FetchResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const last = entry.fetch.records[entry.fetch.records.length - 1]?.SequenceNumber;
    const fresh = this.now() - entry.at < MAX_AGE_MS;
    const covers =
      entry.from === null ? true : checkpoint !== null && compareCheckpoint(checkpoint, entry.from) >= 0;
    const more =
      last !== undefined &&
      (checkpoint === null || compareCheckpoint({ sequenceNumber: last }, checkpoint) > 0);
    if (!(fresh && covers && more)) {
      this.drop(key);
      return undefined;
    }
    return { ...entry.fetch, getRecordsCalls: 0, throttled: 0, waitedMs: 0 };
  }

  /** Keeps the batch read from `from` for the splits that follow. */
  put(key: string, from: Checkpoint | null, fetch: FetchResult): void {
    this.drop(key);
    const bytes = fetch.records.reduce((n, r) => n + (r.Data?.byteLength ?? 0), 0);
    if (bytes > MAX_BYTES) return;
    for (const [oldest] of this.entries) {
      if (this.bytes + bytes <= MAX_BYTES) break;
      this.drop(oldest);
    }
    this.entries.set(key, { from, fetch, bytes, at: this.now() });
    this.bytes += bytes;
  }

  drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
