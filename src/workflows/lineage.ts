/**
 * Lineage order (DESIGN.md rule 5), as pure functions over plain JSON so the stream workflow
 * can use them deterministically and tests can table them.
 */
import type { Checkpoint } from '../records';
import { type ShardStartPosition, type StartPosition, shardStartPosition } from '../config/stream-options';
import type { ShardRunState } from './shard-messages';

export interface LineageEntry {
  shardId: string;
  parentShardIds: string[];
  state: ShardRunState;
  /** Found after the stream workflow's first discovery: created by a reshard while consuming. */
  createdWhileConsuming?: boolean;
  /** Where the shard's workflow ended (its last checkpoint), once read to its end. */
  endCheckpoint?: Checkpoint | null;
}

/**
 * Shards that may start now: not started yet, and every parent either finished or absent from
 * the stream (aged out of retention, so nothing of it is left to read).
 */
export function startableShards(shards: Record<string, LineageEntry>): string[] {
  const out: string[] = [];
  for (const entry of Object.values(shards)) {
    if (entry.state !== 'waiting-for-parents') continue;
    const ready = entry.parentShardIds.every((p) => {
      const parent = shards[p];
      return parent === undefined || parent.state === 'finished';
    });
    if (ready) out.push(entry.shardId);
  }
  return out.sort();
}

/**
 * Where a shard without a checkpoint starts. The configured position (LATEST, AT_TIMESTAMP…)
 * applies to the shards that exist when consumption starts. A shard created by a reshard while
 * consuming, or whose parent was read by ksp, continues its parents' records: it starts at
 * TRIM_HORIZON, or the records written to it before its workflow starts would be skipped.
 */
export function startPositionFor(
  shards: Record<string, LineageEntry>,
  shardId: string,
  configured: StartPosition,
): ShardStartPosition {
  const entry = shards[shardId];
  const continuesParents =
    entry !== undefined &&
    (entry.createdWhileConsuming === true ||
      entry.parentShardIds.some((p) => {
        const checkpoint = shards[p]?.endCheckpoint;
        return checkpoint !== undefined && checkpoint !== null;
      }));
  return continuesParents ? { type: 'TRIM_HORIZON' } : shardStartPosition(configured, shardId);
}
