/**
 * Worker-local cache of the next shard iterator, so a busy shard does not pay a GetShardIterator
 * call per batch. An optimisation only (DESIGN.md rule 2): an entry is used solely when it was
 * issued for exactly the checkpoint the workflow hands in, and well before the 300 s expiry.
 */
import type { ShardStartPosition } from '../../config/stream-options';
import type { Checkpoint } from '../../records';

const MAX_AGE_MS = 240_000;

interface Entry {
  checkpointKey: string;
  iterator: string;
  issuedAt: number;
}

/**
 * Where an iterator was derived from. Without a checkpoint that is the start position: an iterator
 * cached after an idle LATEST poll must not serve a shard restarted from TRIM_HORIZON.
 */
export function checkpointKey(checkpoint: Checkpoint | null, start?: ShardStartPosition): string {
  if (checkpoint === null) {
    if (start === undefined) return '';
    const at = 'timestamp' in start ? start.timestamp : 'sequenceNumber' in start ? start.sequenceNumber : '';
    return `${start.type}:${at}`;
  }
  return `${checkpoint.sequenceNumber}/${checkpoint.subSequenceNumber ?? ''}`;
}

export class IteratorCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The cached iterator for this shard positioned right after `checkpoint`, if still fresh. */
  take(
    streamName: string,
    shardId: string,
    checkpoint: Checkpoint | null,
    start?: ShardStartPosition,
  ): string | undefined {
    const key = `${streamName}/${shardId}`;
    const entry = this.entries.get(key);
    this.entries.delete(key);
    if (!entry || entry.checkpointKey !== checkpointKey(checkpoint, start)) return undefined;
    return this.now() - entry.issuedAt < MAX_AGE_MS ? entry.iterator : undefined;
  }

  put(
    streamName: string,
    shardId: string,
    checkpoint: Checkpoint | null,
    iterator: string,
    issuedAt: number,
    start?: ShardStartPosition,
  ): void {
    this.entries.set(`${streamName}/${shardId}`, {
      checkpointKey: checkpointKey(checkpoint, start),
      iterator,
      issuedAt,
    });
  }

  get size(): number {
    return this.entries.size;
  }
}
