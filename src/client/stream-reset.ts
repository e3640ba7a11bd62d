/**
 * `ksp start --reset` and the check `ksp start` makes before it starts: is the stream under this
 * name still the one the recorded checkpoints belong to (src/workflows/stream-identity.ts)?
 * A reset deletes the stream workflow and every shard workflow of the stream (every run Temporal
 * lists for it), so nothing carries over: the next start reads every shard from the start position.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { shardWorkflowId, streamWorkflowId } from '../constants';
import { KSP_STREAM } from '../workflows/search-attributes';
import { streamStatusQuery } from '../workflows/stream-messages';
import {
  type StreamIdentity,
  asIdentity,
  identityProblem,
  streamIdentityQuery,
} from '../workflows/stream-identity';

/** How long a query of a (possibly closed) workflow may take before it counts as unanswered. */
const QUERY_DEADLINE_MS = 5_000;

async function briefly<T>(client: Client, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, fn);
  } catch {
    return null;
  }
}

/**
 * The refusal when the stream workflow recorded another stream of this name, else null (nothing
 * recorded, the same stream, or no worker answers: the workflows check again themselves).
 */
export async function recordedIdentityProblem(
  client: Client,
  streamName: string,
  current: StreamIdentity | null,
): Promise<string | null> {
  if (!current) return null;
  const handle = client.workflow.getHandle(streamWorkflowId(streamName));
  const recorded = asIdentity(await briefly(client, () => handle.query(streamIdentityQuery)));
  return identityProblem(streamName, recorded, current);
}

export interface ResetResult {
  /** Workflow executions deleted, as `<workflowId>` or `<workflowId>/<runId>`. */
  deleted: string[];
}

/** Deletes every workflow execution of the stream (running ones are terminated first). */
export async function resetStream(
  client: Client,
  streamName: string,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<ResetResult> {
  const namespace = client.options.namespace;
  const streamId = streamWorkflowId(streamName);
  const ids = new Set<string>();
  const status = await briefly(client, () => client.workflow.getHandle(streamId).query(streamStatusQuery));
  for (const shard of status?.shards ?? []) ids.add(shardWorkflowId(streamName, shard.shardId));
  const runs: Array<{ workflowId: string; runId?: string }> = [{ workflowId: streamId }];
  for await (const execution of client.workflow.list({ query: `${KSP_STREAM.name} = "${streamName}"` })) {
    runs.push({ workflowId: execution.workflowId, runId: execution.runId });
    ids.add(execution.workflowId);
  }
  for (const id of ids) runs.push({ workflowId: id });
  const deleted: string[] = [];
  // The stream workflow first, so it starts no shard workflow while they are deleted.
  for (const run of runs) {
    try {
      await client.workflowService.deleteWorkflowExecution({
        namespace,
        workflowExecution: { workflowId: run.workflowId, ...(run.runId ? { runId: run.runId } : {}) },
      });
      deleted.push(run.runId ? `${run.workflowId}/${run.runId}` : run.workflowId);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 5) throw err; // 5 = NOT_FOUND: already gone
    }
  }
  // Deletion is asynchronous: wait until no current run remains, so the start finds none.
  const deadline = Date.now() + timeoutMs;
  for (const id of [streamId, ...ids]) {
    for (;;) {
      try {
        await client.workflow.getHandle(id).describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) break;
        throw err;
      }
      if (Date.now() > deadline)
        throw new Error(`workflow ${id} is still not deleted after ${timeoutMs} ms: run the reset again`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { deleted: [...new Set(deleted)] };
}
