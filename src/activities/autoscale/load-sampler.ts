/**
 * The autoscale workflow's measurement: the stream's read counters as the shard workflows report
 * them (live), the open shard count and status from Kinesis, and the account's shard limit.
 * Refuses to measure while consumption is paused or stopped: zero reads would look like zero load.
 */
import {
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { classifyAwsError } from '../../aws/classify';
import { liveStreamStatus } from '../../client/stream-control';
import { streamWorkflowId } from '../../constants';
import { ErrorType } from '../../errors';
import type { LoadSample } from '../../workflows/autoscale-load';

/** ApplicationFailure type: the load cannot be measured now (the autoscaler holds and retries later). */
export const NO_MEASUREMENT = ErrorType.NoLoadMeasurement;

export interface LoadSamplerDeps {
  kinesis: KinesisClient;
  client(): Client;
}

function unmeasurable(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, NO_MEASUREMENT);
}

export function createLoadSampler(deps: LoadSamplerDeps) {
  return async function sampleStreamLoad(input: { streamName: string }): Promise<LoadSample> {
    const { streamName } = input;
    let status;
    try {
      status = await liveStreamStatus(deps.client(), streamName);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw unmeasurable(
          `no stream workflow ${streamWorkflowId(streamName)}: start consuming the stream (ksp start) so its load can be measured`,
        );
      }
      throw err;
    }
    if (status.state !== 'running') {
      throw unmeasurable(
        `consumption of stream "${streamName}" is ${status.state}: reads say nothing about the write load until it runs`,
      );
    }
    const paused = status.shards.filter((s) => s.state === 'paused').map((s) => s.shardId);
    if (paused.length > 0) {
      throw unmeasurable(
        `shard${paused.length > 1 ? 's' : ''} ${paused.join(', ')} ${paused.length > 1 ? 'are' : 'is'} paused: their load cannot be measured`,
      );
    }
    let summary;
    try {
      summary = (await deps.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
        .StreamDescriptionSummary;
    } catch (err) {
      throw classifyAwsError(err, { operation: 'DescribeStreamSummary', streamName });
    }
    let account: LoadSample['account'] = null;
    try {
      const limits = await deps.kinesis.send(new DescribeLimitsCommand({}));
      if (limits.ShardLimit !== undefined && limits.OpenShardCount !== undefined)
        account = { shardLimit: limits.ShardLimit, openShardCount: limits.OpenShardCount };
    } catch {
      // No DescribeLimits on this backend (kinesalite) or not allowed: the configured maximum applies.
    }
    let records = 0;
    let bytes = 0;
    const shards: LoadSample['shards'] = [];
    for (const s of status.shards) {
      if (!('handled' in s)) continue;
      records += s.handled + s.deadLettered;
      bytes += s.bytes;
      if (s.state === 'running') shards.push([s.shardId, s.handled + s.deadLettered, s.bytes]);
    }
    return {
      at: Date.now(),
      streamStatus: summary?.StreamStatus ?? 'UNKNOWN',
      openShardCount: summary?.OpenShardCount ?? shards.length,
      account,
      records,
      bytes,
      maxLagMs: status.totals.maxMillisBehindLatest,
      shards,
    };
  };
}
