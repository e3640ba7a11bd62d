/**
 * Lineage order (DESIGN.md rule 5), as pure functions over plain JSON so the stream workflow
 * can use them deterministically and tests can table them.
 */
import type { ShardRunState } from './messages';

export interface LineageEntry {
  shardId: string;
  parentShardIds: string[];
  state: ShardRunState;
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
