/**
 * Client-side operations for resharding: start the reshard workflow (one per stream: a second is
 * refused, naming the running one), and wait for its validation or its result, with refusals
 * turned into TargetErrors that carry the limit's message.
 */
import {
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
} from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import { formatDuration } from '../config/duration';
import type { reshardWorkflow } from '../workflows/reshard';
import {
  type ReshardProgress,
  type ReshardRequest,
  type ReshardResult,
  type ReshardWorkflowInput,
  reshardProgressQuery,
  reshardWorkflowId,
} from '../workflows/reshard-messages';
import { KSP_STREAM } from '../workflows/search-attributes';
import { type StartMetadata, describeReshardRequest, reshardStartMetadata } from '../workflows/start-details';
import { TargetError } from './stream-control';

export type ReshardHandle = WorkflowHandle<typeof reshardWorkflow>;

/**
 * Starts a per-stream workflow that must never run twice (conflict policy FAIL); when one is
 * running, throws a TargetError with `refusal()`'s explanation.
 */
export async function startExclusive<T extends Workflow>(
  client: Client,
  workflowType: string,
  start: { workflowId: string; taskQueue: string; streamName: string; args: Parameters<T> } & StartMetadata,
  refusal: () => Promise<string>,
): Promise<WorkflowHandle<T>> {
  try {
    const options = {
      workflowId: start.workflowId,
      taskQueue: start.taskQueue,
      args: start.args,
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [{ key: KSP_STREAM, value: start.streamName }],
      staticSummary: start.staticSummary,
      staticDetails: start.staticDetails,
    } as unknown as WorkflowStartOptions<T>; // args: Parameters<T>, as the SDK types them
    return await client.workflow.start<T>(workflowType, options);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new TargetError(await refusal());
    throw err;
  }
}

/** `4 → 8`, `split shardId-…`, `merge a + b`. */
export function describeRequest(request: ReshardRequest): string {
  return describeReshardRequest(request);
}

async function describeRunningReshard(client: Client, streamName: string): Promise<string> {
  const handle = client.workflow.getHandle(reshardWorkflowId(streamName));
  try {
    const [description, progress] = await Promise.all([
      handle.describe(),
      handle.query(reshardProgressQuery),
    ]);
    const age = formatDuration(Date.now() - description.startTime.getTime());
    return `started ${age} ago, ${describeRequest(progress.request)}, now ${progress.phase} (${progress.completedSteps.length} of ${progress.plannedSteps.length} steps done)`;
  } catch {
    return 'its progress is not available yet';
  }
}

/**
 * Starts the reshard workflow. Refuses (TargetError) while another reshard of the stream runs:
 * the workflow ID is per stream and the conflict policy FAIL.
 */
export async function startReshard(
  client: Client,
  taskQueue: string,
  input: ReshardWorkflowInput,
): Promise<ReshardHandle> {
  const { streamName } = input;
  const workflowId = reshardWorkflowId(streamName);
  return startExclusive<typeof reshardWorkflow>(
    client,
    'reshardWorkflow',
    {
      workflowId,
      taskQueue,
      streamName,
      args: [input],
      ...reshardStartMetadata(streamName, input.request),
    },
    async () =>
      `a reshard of stream "${streamName}" is already running (workflow ${workflowId}: ${await describeRunningReshard(client, streamName)}); Kinesis reshards one change at a time: wait for it (\`ksp reshard ${streamName} --status\`) or cancel it (\`temporal workflow cancel --workflow-id ${workflowId}\`)`,
  );
}

/** The failure's message when Kinesis limits refused the reshard; otherwise the error itself. */
function asTargetError(err: unknown): unknown {
  if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
    return new TargetError(err.cause.message);
  }
  return err;
}

/** Waits for the reshard's result; a refusal or failure becomes a TargetError with its reason. */
export async function reshardResult(handle: ReshardHandle): Promise<ReshardResult> {
  try {
    return await handle.result();
  } catch (err) {
    throw asTargetError(err);
  }
}

/**
 * Waits until the reshard has passed validation (the progress phase moves on) or failed it,
 * so a CLI that does not wait for the whole reshard still reports a refusal at once.
 */
export async function reshardValidated(handle: ReshardHandle, timeoutMs = 60_000): Promise<ReshardProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') {
      await reshardResult(handle); // throws the refusal, if that is how it ended
      return handle.query(reshardProgressQuery);
    }
    try {
      const progress = await handle.query(reshardProgressQuery);
      if (progress.phase !== 'validating') return progress;
    } catch {
      // No worker has run it yet: poll again.
    }
    if (Date.now() > deadline) {
      throw new Error(
        `reshard workflow ${handle.workflowId} is still validating after ${formatDuration(timeoutMs)}: is a worker running on the task queue?`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
