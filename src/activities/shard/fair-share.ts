/**
 * Counts what a worker's fair share of shards is made of (loop-share.ts): the shard workflows
 * running on its task queue (a visibility count, at most once per SHARDS_RECOUNT_MS) and the
 * workers polling that queue for activities (DescribeTaskQueue's pollers, by identity, seen
 * within POLLER_FRESH_MS), once per SHARE_REFRESH_MS. Neither is a billable action. Any failure counts as unknown, and no loop leaves for a share it cannot count.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ShareCount } from './loop-share';

/**
 * A poller not seen for this long is not counted. The server lists a dead worker's pollers for
 * minutes, and counting a dead worker makes the share too small (loops bounce); a live worker
 * re-polls each time it is handed a task, but one that waits a long poll for a task is seen only
 * when that poll started (up to about a minute ago): not counting it makes the share too large,
 * which only moves fewer shards. So the window is short: shorter than the heartbeat timeout, so that
 * by the time a dead worker's busy shards are retried elsewhere it is no longer counted.
 */
export const POLLER_FRESH_MS = 10_000;
/** The shard count changes rarely (streams start, reshard): it is counted again after this long. */
export const SHARDS_RECOUNT_MS = 10_000;

export interface ShareCounterDeps {
  /** The worker's client (in an activity: `getClient`). */
  client(): Client;
  /** The task queue of the activity asking. */
  taskQueue(): string;
  now(): number;
}

/** The visibility query for the shard workflows running on `taskQueue`. */
export function runningShardsQuery(taskQueue: string): string {
  return `WorkflowType = 'shardWorkflow' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
}

function epochMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1_000 + (t.nanos ?? 0) / 1e6;
}

export function createShareCounter(deps: ShareCounterDeps): () => Promise<ShareCount | null> {
  let shards: { count: number; at: number } | null = null;
  const countShards = async (client: Client, taskQueue: string): Promise<number> => {
    if (shards !== null && deps.now() - shards.at < SHARDS_RECOUNT_MS) return shards.count;
    const counted = await client.workflow.count(runningShardsQuery(taskQueue));
    shards = { count: counted.count, at: deps.now() };
    return counted.count;
  };
  return async () => {
    const client = deps.client();
    const taskQueue = deps.taskQueue();
    const [described, count] = await Promise.all([
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      }),
      countShards(client, taskQueue),
    ]);
    const since = deps.now() - POLLER_FRESH_MS;
    const workers = new Set(
      (described.pollers ?? [])
        .filter((p) => p.identity && epochMs(p.lastAccessTime) >= since)
        .map((p) => p.identity),
    ).size;
    if (workers === 0 || count <= 0) return null;
    return { shards: count, workers };
  };
}
