/**
 * A whole-stream seek as pure decisions over the stream's shard entries (stream-state.ts applies
 * them). A time maps each shard to its own position: AT_TIMESTAMP on every shard, which Kinesis
 * resolves per shard (a shard created after the time reads from its first record; one closed
 * before it reads nothing and ends at once). Lineage order still holds (DESIGN.md rule 5): a
 * rewind re-reads the closed parents that still exist, and their children wait for them again.
 */
import type { SeekPosition } from './seek';
import type { StreamShardEntry } from './stream-state';

/** What a stream seek does, shard by shard. */
export interface StreamSeekPlan {
  /** Running or paused shards moved in place (the `seek` signal). */
  moved: string[];
  /** Running or paused shards stopped, to start again from the position after their parents. */
  held: string[];
  /** Closed shards read again, and shards not started yet: they start from the position. */
  restarted: string[];
}

/** The stream's last seek, as its status shows it. */
export interface StreamSeekRecord extends StreamSeekPlan {
  requestedBy: string;
  at: string;
  to: SeekPosition;
  /** Set when one shard was sought. */
  shardId?: string;
}

const isActive = (e: StreamShardEntry): boolean => e.state === 'running' || e.state === 'paused';

/**
 * Plans a seek of every shard. `listed`: the shards the stream still has (a fresh discovery); a
 * shard not listed has aged out of retention and is left alone. Mutates `shards` (the plan's
 * bookkeeping: start positions, states to wait in) and returns what the workflow must send.
 */
export function planStreamSeek(
  shards: Record<string, StreamShardEntry>,
  position: SeekPosition,
  listed: ReadonlySet<string>,
  requestedBy: string,
  nowIso: string,
): StreamSeekPlan {
  const plan: StreamSeekPlan = { moved: [], held: [], restarted: [] };
  if (position.type === 'LATEST') {
    // Skip ahead: nothing closed is read again. Running shards jump to their tip; shards not
    // started yet skip what was written before now (LATEST as a time, as a start pins it).
    for (const entry of Object.values(shards)) {
      if (isActive(entry)) plan.moved.push(entry.shardId);
      else if (entry.state === 'waiting-for-parents') {
        entry.seek = { position: { type: 'AT_TIMESTAMP', timestamp: nowIso }, requestedBy };
        plan.restarted.push(entry.shardId);
      }
    }
    return sorted(plan);
  }
  // A rewind (a time, or TRIM_HORIZON): every listed shard reads again from the position.
  for (const entry of Object.values(shards)) {
    if (!listed.has(entry.shardId)) continue;
    const parentReRead = entry.parentShardIds.some((p) => listed.has(p) && shards[p] !== undefined);
    if (isActive(entry) && !parentReRead) {
      plan.moved.push(entry.shardId);
      continue;
    }
    if (isActive(entry)) {
      // Its parents are read again first: it stops, then starts again after them.
      entry.awaitingStop = true;
      plan.held.push(entry.shardId);
    } else {
      plan.restarted.push(entry.shardId);
    }
    entry.state = 'waiting-for-parents';
    entry.seek = { position, requestedBy };
    delete entry.endCheckpoint;
  }
  return sorted(plan);
}

function sorted(plan: StreamSeekPlan): StreamSeekPlan {
  return { moved: plan.moved.sort(), held: plan.held.sort(), restarted: plan.restarted.sort() };
}

/** Why one shard cannot be sought through the stream; null when it can. */
export function shardSeekProblem(shards: Record<string, StreamShardEntry>, shardId: string): string | null {
  const entry = shards[shardId];
  if (entry === undefined) {
    const known = Object.keys(shards).sort();
    return `\`shardId\` "${shardId}" is not a shard of this stream (known: ${known.join(', ') || 'none yet'})`;
  }
  if (isActive(entry)) return null;
  return entry.state === 'finished'
    ? `shard ${shardId} is closed and read to its end: to read it again, seek the whole stream to a time (its children then wait for it again)`
    : `shard ${shardId} is ${entry.state}: only a running or paused shard can be sought on its own`;
}
