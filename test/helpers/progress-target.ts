/**
 * A shard workflow that reports progress, and the stream workflow it reports to: an open workflow
 * nobody runs, so every report is simply recorded in its history (for replay tests of reports).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ShardWorkflowInput } from '../../src/workflows/shard';
import { testOptions } from './fake-batches';

export async function startProgressTarget(client: Client, taskQueue: string): Promise<WorkflowHandle> {
  return client.workflow.start('shardWorkflow', {
    taskQueue: `${taskQueue}-nobody`,
    workflowId: `${taskQueue}-stream`,
    args: [
      {
        streamName: 'x',
        shardId: 's',
        streamWorkflowId: null,
        options: testOptions(),
        startPosition: { type: 'TRIM_HORIZON' },
      },
    ],
  });
}

export function reportingShardInput(streamWorkflowId: string, progressInterval: string): ShardWorkflowInput {
  return {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId,
    options: testOptions({ progressInterval }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
}
