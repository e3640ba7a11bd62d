/**
 * Client-side operations on a stream: check the target before anything starts, start the stream
 * workflow idempotently, and send it messages. Used by the CLI, the dev stack and tests.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Client, type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ErrorType, TargetError } from '../errors';
import { type AwsErrorContext, classifyAwsError } from '../aws/classify';
import { shardWorkflowId, streamWorkflowId } from '../constants';
import { type CompiledStreamOptions, compileStreamOptions } from '../config/stream-options';
import { type PauseInput, shardStatusQuery } from '../workflows/shard-messages';
import {
  type StreamStatus,
  pauseStreamSignal,
  resumeStreamSignal,
  seekStreamUpdate,
  stopStreamSignal,
  streamStatusQuery,
} from '../workflows/stream-messages';
import type { StreamSeekInput } from '../workflows/seek';
import { KSP_STREAM } from '../workflows/search-attributes';
import type { StreamIdentity } from '../workflows/stream-identity';
import { streamParams } from '../aws/stream-ref';
import { streamStartMetadata } from '../workflows/start-details';
import { upgradeCompiledOptions } from '../config/stored-options';
import { isCompiledOptions } from '../config/raw-input';
import { STREAM_INPUT } from '../workflows/stream-input';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../workflows/stream';
import { type ShardOutage, shardOutage } from './shard-outage';

/** A shard's entry in a live status: what it says of itself, and an outage its activity shows. */
export type LiveShardStatus = StreamStatus['shards'][number] & {
  /** Set while the shard's activity is retried after an infrastructure failure (see shard-outage.ts). */
  outage?: ShardOutage;
};

/** {@link liveStreamStatus}: the stream status with each live shard's own answer and outage. */
export interface LiveStreamStatus extends StreamStatus {
  shards: LiveShardStatus[];
}

export { TargetError } from '../errors';

/** A service the target check calls, and how the user points ksp at it. */
interface Service {
  name: string;
  region: string;
  endpoint: string | undefined;
  /** The environment variable that sets the endpoint. */
  variable: string;
  /** Says which part of the target failed, e.g. "dead-letter queue: ". */
  prefix?: string;
}

/**
 * A failed check of the target as a TargetError. The activity-oriented message says "retried";
 * here nothing is retried, so an unreachable service says what to do instead.
 */
function targetError(err: unknown, where: AwsErrorContext, service: Service): TargetError {
  const { region, endpoint } = service;
  const failure = classifyAwsError(err, { ...where, region, ...(endpoint ? { endpoint } : {}) });
  const unavailable = failure.type === ErrorType.AwsUnavailable;
  const cause = failure.cause instanceof Error ? failure.cause.message : 'no answer';
  const message = unavailable
    ? `cannot reach ${service.name} at ${endpoint ?? 'its AWS endpoint'} (${cause}): start it, or fix ${service.variable} / AWS_REGION`
    : failure.message;
  return new TargetError(`${service.prefix ?? ''}${message}`, unavailable);
}

/**
 * Fails fast, before any workflow starts, when the stream or the DLQ does not exist or cannot be
 * reached: nothing is consumed and nothing checkpointed against a wrong target.
 */
export async function validateTarget(
  deps: {
    kinesis: KinesisClient;
    sqs: SQSClient;
    kinesisEndpoint?: string;
    sqsEndpoint?: string;
    region: string;
  },
  options: CompiledStreamOptions,
): Promise<{ streamArn: string; streamStatus: string; identity: StreamIdentity | null }> {
  const { region, kinesisEndpoint, sqsEndpoint } = deps;
  const kinesis = {
    name: 'Kinesis',
    region,
    endpoint: kinesisEndpoint,
    variable: 'AWS_ENDPOINT_URL_KINESIS',
  };
  const sqs = {
    name: 'SQS',
    region,
    endpoint: sqsEndpoint,
    variable: 'AWS_ENDPOINT_URL_SQS',
    prefix: 'dead-letter queue: ',
  };
  let summary;
  try {
    summary = await deps.kinesis.send(new DescribeStreamSummaryCommand(streamParams(options.streamName)));
  } catch (err) {
    throw targetError(err, { operation: 'DescribeStreamSummary', streamName: options.streamName }, kinesis);
  }
  const status = summary.StreamDescriptionSummary?.StreamStatus ?? 'UNKNOWN';
  if (status !== 'ACTIVE' && status !== 'UPDATING') {
    throw new TargetError(
      `stream "${options.streamName}" is ${status}: wait until it is ACTIVE, then start again`,
    );
  }
  if (options.dlqQueueUrl !== null) {
    try {
      await deps.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: options.dlqQueueUrl, AttributeNames: ['QueueArn'] }),
      );
    } catch (err) {
      throw targetError(err, { operation: 'GetQueueAttributes', queueUrl: options.dlqQueueUrl }, sqs);
    }
  }
  const streamArn = summary.StreamDescriptionSummary?.StreamARN ?? '';
  const created = summary.StreamDescriptionSummary?.StreamCreationTimestamp;
  const identity = created && streamArn ? { arn: streamArn, createdAt: created.toISOString() } : null;
  return { streamArn, streamStatus: status, identity };
}

export type StreamHandle = WorkflowHandle<(input: StreamWorkflowInput) => Promise<StreamWorkflowResult>>;

/**
 * Starts the stream workflow, or returns the one already running (never a second consumer).
 * `input.options` as the user wrote them (the workflow compiles them, exactly as for
 * `temporal workflow start`; compile them first for a fast error) or already compiled.
 */
export async function startStream(
  client: Client,
  taskQueue: string,
  input: StreamWorkflowInput,
): Promise<{ handle: StreamHandle; alreadyRunning: boolean }> {
  const workflowId = streamWorkflowId(input.options.streamName);
  let alreadyRunning = false;
  try {
    alreadyRunning = (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch {
    // Not found (or not visible yet): start it.
  }
  const handle: StreamHandle = await client.workflow.start('streamWorkflow', {
    workflowId,
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: KSP_STREAM, value: input.options.streamName }],
    ...streamStartMetadata(
      isCompiledOptions(input.options, STREAM_INPUT.compiledKey)
        ? upgradeCompiledOptions(input.options)
        : compileStreamOptions(input.options),
      taskQueue,
    ),
  });
  return { handle, alreadyRunning };
}

export function streamHandle(client: Client, streamName: string): StreamHandle {
  return client.workflow.getHandle(streamWorkflowId(streamName));
}

/** The stream workflow's own view: shard states as last reported (at most `progressInterval` old while busy). */
export async function streamStatus(client: Client, streamName: string): Promise<StreamStatus> {
  return streamHandle(client, streamName).query(streamStatusQuery);
}

/**
 * The stream status with every running or paused shard's entry replaced by that shard workflow's
 * own answer, so checkpoints and lag are current even for a shard idling in a long poll, and with
 * the outage its batch activity shows while it is retried (Kinesis or SQS not answering), which
 * the shard's own answer cannot know.
 */
export async function liveStreamStatus(client: Client, streamName: string): Promise<LiveStreamStatus> {
  const status = await streamStatus(client, streamName);
  const shards = await Promise.all(
    status.shards.map(async (shard): Promise<LiveShardStatus> => {
      if (shard.state !== 'running' && shard.state !== 'paused') return shard;
      const handle = client.workflow.getHandle(shardWorkflowId(streamName, shard.shardId));
      const [own, description] = await Promise.all([
        // e.g. it completed a moment ago: keep the reported entry
        handle.query(shardStatusQuery).catch(() => shard),
        handle.describe().catch(() => null),
      ]);
      const outage = shardOutage(description?.raw.pendingActivities);
      return outage ? { ...own, outage } : own;
    }),
  );
  let handled = 0;
  let deadLettered = 0;
  let maxLag: number | null = null;
  for (const s of shards) {
    if (!('handled' in s)) continue;
    handled += s.handled;
    deadLettered += s.deadLettered;
    if (s.state !== 'finished' && s.millisBehindLatest !== null)
      maxLag = Math.max(maxLag ?? 0, s.millisBehindLatest);
  }
  return { ...status, shards, totals: { handled, deadLettered, maxMillisBehindLatest: maxLag } };
}

export async function pauseStream(client: Client, streamName: string, pause: PauseInput = {}): Promise<void> {
  await streamHandle(client, streamName).signal(pauseStreamSignal, pause);
}

export async function resumeStream(client: Client, streamName: string): Promise<void> {
  await streamHandle(client, streamName).signal(resumeStreamSignal);
}

export async function stopStream(client: Client, streamName: string): Promise<void> {
  await streamHandle(client, streamName).signal(stopStreamSignal);
}

/** The stream workflow refused an Update (its validator, or its handler): the message says why. */
export class RefusedUpdateError extends Error {
  override readonly name = 'RefusedUpdateError';
}

/**
 * Moves every shard of the stream, or one, to `input.position` (the `seek` Update) and returns
 * the stream status it answered with. A refused seek (bad position, unknown or closed shard, a
 * time before the stream's retention) throws RefusedUpdateError with the workflow's reason.
 */
export async function seekStream(
  client: Client,
  streamName: string,
  input: StreamSeekInput,
): Promise<StreamStatus> {
  const requestedBy = input.requestedBy ?? client.options.identity;
  try {
    return await streamHandle(client, streamName).executeUpdate(seekStreamUpdate, {
      args: [{ ...input, ...(requestedBy ? { requestedBy: requestedBy.slice(0, 256) } : {}) }],
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new RefusedUpdateError(err.cause?.message ?? err.message);
    }
    throw err;
  }
}
