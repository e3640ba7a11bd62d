/**
 * Worker-local cache of the next shard iterator, so a busy shard does not pay a GetShardIterator
 * call per batch. An optimisation only (DESIGN.md rule 2): an entry is used solely when it was
 * issued for exactly the checkpoint the workflow hands in, and well before the 300 s expiry.
 */
import type { Checkpoint } from '../records';

const MAX_AGE_MS = 240_000;

interface Entry {
  checkpointKey: string;
  iterator: string;
  issuedAt: number;
}

export function checkpointKey(checkpoint: Checkpoint | null): string {
  if (checkpoint === null) return '';
  return `${checkpoint.sequenceNumber}/${checkpoint.subSequenceNumber ?? ''}`;
}

export class IteratorCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The cached iterator for this shard positioned right after `checkpoint`, if still fresh. */
  take(streamName: string, shardId: string, checkpoint: Checkpoint | null): string | undefined {
    const key = `${streamName}/${shardId}`;
    const entry = this.entries.get(key);
    this.entries.delete(key);
    if (!entry || entry.checkpointKey !== checkpointKey(checkpoint)) return undefined;
    return this.now() - entry.issuedAt < MAX_AGE_MS ? entry.iterator : undefined;
  }

  put(
    streamName: string,
    shardId: string,
    checkpoint: Checkpoint | null,
    iterator: string,
    issuedAt: number,
  ): void {
    this.entries.set(`${streamName}/${shardId}`, {
      checkpointKey: checkpointKey(checkpoint),
      iterator,
      issuedAt,
    });
  }

  get size(): number {
    return this.entries.size;
  }
}
