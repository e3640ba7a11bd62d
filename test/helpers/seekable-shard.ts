/**
 * An open in-memory shard whose reads honour the start position (TRIM_HORIZON, LATEST,
 * AT_TIMESTAMP, AT/AFTER_SEQUENCE_NUMBER) the way Kinesis derives an iterator from it, for the
 * live-seek tests: with the real batch activity over it, a seek's effect on delivery is visible.
 */
import type { FetchRequest, FetchResult } from '../../src/activities/shard/reader';
import { compareCheckpoint } from '../../src/records';
import { seq } from './fake-batches';
import { MemoryShard } from './memory-shard';

export class SeekableShard extends MemoryShard {
  /** Children named when the shard is read to its end; null while it is open. */
  closedWith: string[] | null = null;

  /** Writes `count` more records, arrived at `arrival`. */
  append(count: number, arrival: Date): void {
    for (let n = 0; n < count; n++) {
      const i = this.records.length;
      this.records.push({
        SequenceNumber: seq(i),
        Data: new TextEncoder().encode(`record-${i}`),
        PartitionKey: `key-${i % 7}`,
        ApproximateArrivalTimestamp: arrival,
      });
    }
  }

  /** Never ends: it stays open, as a live shard does. */
  override async fetch(req: FetchRequest): Promise<FetchResult> {
    this.fetches++;
    const start = this.startIndex(req);
    const records = this.records.slice(start, start + req.limit);
    const ended = this.closedWith !== null && start + records.length >= this.records.length;
    return {
      records,
      nextIterator: ended ? null : `iterator-${start + records.length}`,
      millisBehindLatest: 0,
      childShardIds: ended ? this.closedWith : null,
      getRecordsCalls: 1,
      throttled: 0,
      waitedMs: 0, // an empty poll returns at once: the workflow waits out the poll window itself
      issuedAt: 0,
    };
  }

  private startIndex(req: FetchRequest): number {
    const seqOf = (i: number): string => this.records[i]?.SequenceNumber ?? '';
    const firstWhere = (ok: (i: number) => boolean): number => {
      const i = this.records.findIndex((_, n) => ok(n));
      return i === -1 ? this.records.length : i;
    };
    const after = req.checkpoint;
    if (after !== null) return firstWhere((i) => compareCheckpoint({ sequenceNumber: seqOf(i) }, after) > 0);
    const p = req.startPosition;
    switch (p.type) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return this.records.length;
      case 'AT_TIMESTAMP':
        return firstWhere(
          (i) => (this.records[i]?.ApproximateArrivalTimestamp?.getTime() ?? 0) >= Date.parse(p.timestamp),
        );
      case 'AT_SEQUENCE_NUMBER':
        return firstWhere(
          (i) => compareCheckpoint({ sequenceNumber: seqOf(i) }, { sequenceNumber: p.sequenceNumber }) >= 0,
        );
      case 'AFTER_SEQUENCE_NUMBER':
        return firstWhere(
          (i) => compareCheckpoint({ sequenceNumber: seqOf(i) }, { sequenceNumber: p.sequenceNumber }) > 0,
        );
    }
  }
}
