/**
 * Counts what a worker's fair share of shards is made of (loop-share.ts): the shard workflows
 * running on its task queue (a visibility count, at most once per SHARDS_RECOUNT_MS, or
 * SHARDS_RECOUNT_CHANGING_MS while it changes) and the
 * workers polling that queue for activities (DescribeTaskQueue's pollers, by identity, seen
 * within POLLER_FRESH_MS), once per SHARE_REFRESH_MS. Neither is a billable action. Any failure counts as unknown, and no loop leaves for a share it cannot count.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ShareCount } from './loop-share';

/**
 * A poller not seen for this long is not counted. A live worker is seen each time one of its
 * polls starts: when it is handed a task, or about once a minute when its long poll returns
 * empty. The server lists a dead worker's polls for minutes, and counting a dead worker makes the
 * share too small: its shards bounce when they arrive. So the workers whose busy loops were
 * retried elsewhere are left out (`LoopShare.workerLost`), and the worker counting counts itself.
 */
export const POLLER_FRESH_MS = 70_000;
/** The shard count changes rarely (streams start, reshard): it is counted again after this long. */
export const SHARDS_RECOUNT_MS = 10_000;
/**
 * While the count is changing (the last count differed from the one before: a stream starting its
 * shards, a reshard) it is counted again after this long instead: a count taken while a stream's
 * shards were still starting made the share too small for 10 s, and three workers starting
 * together measured 1.59× in the first 16 s.
 */
export const SHARDS_RECOUNT_CHANGING_MS = 2_000;

export interface ShareCounterDeps {
  /** The worker's client (in an activity: `getClient`). */
  client(): Client;
  /** The task queue of the activity asking. */
  taskQueue(): string;
  now(): number;
  /** This worker's identity: always counted. */
  self: string;
  /** Workers not to count (their busy loops were retried elsewhere). */
  lost(): ReadonlySet<string>;
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
  let shards: { count: number; at: number; changing: boolean } | null = null;
  const countShards = async (client: Client, taskQueue: string): Promise<number> => {
    const recountMs = shards?.changing !== false ? SHARDS_RECOUNT_CHANGING_MS : SHARDS_RECOUNT_MS;
    if (shards !== null && deps.now() - shards.at < recountMs) return shards.count;
    const counted = await client.workflow.count(runningShardsQuery(taskQueue));
    shards = {
      count: counted.count,
      at: deps.now(),
      changing: shards === null || shards.count !== counted.count,
    };
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
    const lost = deps.lost();
    const identities = new Set([deps.self]);
    for (const p of described.pollers ?? []) {
      if (p.identity && epochMs(p.lastAccessTime) >= since && !lost.has(p.identity))
        identities.add(p.identity);
    }
    const workers = identities.size;
    if (count <= 0) return null;
    return { shards: count, workers };
  };
}
