/**
 * Client-side operations for autoscaling: start the autoscale workflow (one per stream), read its
 * decisions, stop it.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  type AutoscaleOptions,
  type CompiledAutoscaleOptions,
  compileAutoscaleOptions,
} from '../config/autoscale-options';
import { isCompiledOptions } from '../config/raw-input';
import type { autoscaleWorkflow } from '../workflows/autoscale';
import { AUTOSCALE_INPUT } from '../workflows/autoscale-input';
import { autoscaleStartMetadata } from '../workflows/start-details';
import {
  type AutoscaleStatus,
  autoscaleStatusQuery,
  autoscaleWorkflowId,
  stopAutoscaleSignal,
  stopAutoscaleUpdate,
} from '../workflows/autoscale-messages';
import { startExclusive } from './reshard-control';
import { updateOrSignal } from './update-or-signal';

export type AutoscaleHandle = WorkflowHandle<typeof autoscaleWorkflow>;

/**
 * Starts autoscaling; refuses while an autoscaler for the stream runs (stop it to change options).
 * `options` as the user wrote them (the workflow compiles them, as for `temporal workflow start`;
 * compile them first for a fast error) or already compiled.
 */
export async function startAutoscale(
  client: Client,
  taskQueue: string,
  options: AutoscaleOptions | CompiledAutoscaleOptions,
): Promise<AutoscaleHandle> {
  const { streamName } = options;
  const workflowId = autoscaleWorkflowId(streamName);
  return startExclusive<typeof autoscaleWorkflow>(
    client,
    'autoscaleWorkflow',
    {
      workflowId,
      taskQueue,
      streamName,
      args: [{ options }],
      ...autoscaleStartMetadata(compiledAutoscale(options)),
    },
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

/**
 * Stops autoscaling after the decision in flight; answers the status it leaves ("stopping"), or
 * null from an autoscaler whose worker predates the stop Update (sent the signal instead).
 */
export async function stopAutoscale(client: Client, streamName: string): Promise<AutoscaleStatus | null> {
  return updateOrSignal(autoscaleHandle(client, streamName), stopAutoscaleUpdate, stopAutoscaleSignal);
}

/** The compiled options the start summary describes (the workflow compiles raw ones the same way). */
function compiledAutoscale(options: AutoscaleOptions | CompiledAutoscaleOptions): CompiledAutoscaleOptions {
  return isCompiledOptions(options, AUTOSCALE_INPUT.compiledKey) ? options : compileAutoscaleOptions(options);
}
