/**
 * Counts what a worker's fair share of shards is made of (loop-share.ts): the shard workflows
 * running on its task queue (a visibility count) and the workers polling that queue for
 * activities (DescribeTaskQueue's pollers, by identity, seen within POLLER_FRESH_MS). Neither is a
 * billable action. Any failure counts as unknown, and no loop leaves for a share it cannot count.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ShareCount } from './loop-share';

/** A poller not seen for this long is taken for a worker that died (the server lists it for minutes). */
export const POLLER_FRESH_MS = 70_000;

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
  return async () => {
    const client = deps.client();
    const taskQueue = deps.taskQueue();
    const [described, counted] = await Promise.all([
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      }),
      client.workflow.count(runningShardsQuery(taskQueue)),
    ]);
    const since = deps.now() - POLLER_FRESH_MS;
    const workers = new Set(
      (described.pollers ?? [])
        .filter((p) => p.identity && epochMs(p.lastAccessTime) >= since)
        .map((p) => p.identity),
    ).size;
    if (workers === 0 || counted.count <= 0) return null;
    return { shards: counted.count, workers };
  };
}
