/**
 * Which worker runs each shard workflow's activity right now: `lastWorkerIdentity` of its
 * started pending activity (DescribeWorkflowExecution), whatever the activity is called, so it
 * measures the shard workflow as it is. Worker identities default to `<pid>@<hostname>`.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { shardWorkflowId } from '../src/constants';
import { historyEvents } from './history-count';
import { type HolderSample, heldSecondsByIdentity } from './worker-spread';
import { timestampMs } from './history-timing';

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

export async function shardHolders(
  client: Client,
  streamName: string,
  shardIds: readonly string[],
): Promise<HolderSample> {
  const entries = await Promise.all(
    shardIds.map(async (shardId): Promise<[string, string | null]> => {
      const { raw } = await client.workflow.getHandle(shardWorkflowId(streamName, shardId)).describe();
      const running = (raw.pendingActivities ?? []).find((a) => a.state === STARTED && a.lastWorkerIdentity);
      return [shardId, running?.lastWorkerIdentity ?? null];
    }),
  );
  return Object.fromEntries(entries);
}

/** The default worker identity of a process (the SDK's `<pid>@<hostname>`). */
export function identityOfPid(pid: number, hostname: string): string {
  return `${pid}@${hostname}`;
}

/**
 * Shard-seconds each worker identity held within [fromMs, toMs], from the shard workflows'
 * histories (closed activities) plus their pending started activities (whose started event is
 * only written when they close).
 */
export async function heldSeconds(
  client: Client,
  streamName: string,
  shardIds: readonly string[],
  fromMs: number,
  toMs: number,
  /** Filled with the activities each identity closed in the window. */
  closed: Record<string, number> = {},
): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  await Promise.all(
    shardIds.map(async (shardId) => {
      const handle = client.workflow.getHandle(shardWorkflowId(streamName, shardId));
      const events = await historyEvents(client, shardWorkflowId(streamName, shardId));
      const held = heldSecondsByIdentity(events, fromMs, toMs, closed);
      const { raw } = await handle.describe();
      for (const a of raw.pendingActivities ?? []) {
        if (a.state !== STARTED || !a.lastWorkerIdentity || !a.lastStartedTime) continue;
        const s = Math.max(timestampMs(a.lastStartedTime) ?? 0, fromMs);
        if (toMs > s) held[a.lastWorkerIdentity] = (held[a.lastWorkerIdentity] ?? 0) + (toMs - s) / 1000;
      }
      for (const [identity, seconds] of Object.entries(held))
        total[identity] = (total[identity] ?? 0) + seconds;
    }),
  );
  return total;
}
