/**
 * Client-side operations for autoscaling: start the autoscale workflow (one per stream), read its
 * decisions, stop it.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { CompiledAutoscaleOptions } from '../config/autoscale-options';
import type { autoscaleWorkflow } from '../workflows/autoscale';
import { autoscaleStartMetadata } from '../workflows/start-details';
import {
  type AutoscaleStatus,
  autoscaleStatusQuery,
  autoscaleWorkflowId,
  stopAutoscaleSignal,
} from '../workflows/autoscale-messages';
import { startExclusive } from './reshard-control';

export type AutoscaleHandle = WorkflowHandle<typeof autoscaleWorkflow>;

/** Starts autoscaling; refuses while an autoscaler for the stream runs (stop it to change options). */
export async function startAutoscale(
  client: Client,
  taskQueue: string,
  options: CompiledAutoscaleOptions,
): Promise<AutoscaleHandle> {
  const { streamName } = options;
  const workflowId = autoscaleWorkflowId(streamName);
  return startExclusive<typeof autoscaleWorkflow>(
    client,
    'autoscaleWorkflow',
    { workflowId, taskQueue, streamName, args: [{ options }], ...autoscaleStartMetadata(options) },
    async () =>
      `stream "${streamName}" is already autoscaled (workflow ${workflowId}); to change its options stop it first (\`ksp autoscale ${streamName} --stop\`)`,
  );
}

export function autoscaleHandle(client: Client, streamName: string): AutoscaleHandle {
  return client.workflow.getHandle(autoscaleWorkflowId(streamName));
}

export async function autoscaleStatus(client: Client, streamName: string): Promise<AutoscaleStatus> {
  return autoscaleHandle(client, streamName).query(autoscaleStatusQuery);
}

export async function stopAutoscale(client: Client, streamName: string): Promise<void> {
  await autoscaleHandle(client, streamName).signal(stopAutoscaleSignal);
}
