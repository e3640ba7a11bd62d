/**
 * `ksp stop <stream> --deregister-consumer [--consumer <name>]`: after the stream workflow has
 * ended (its shards closed their subscriptions), deregisters the stream's enhanced fan-out
 * consumer. The consumer name comes from `--consumer`, else from the options of the stream
 * workflow's last run (its start event), so a plain `ksp stop --deregister-consumer` does it.
 */
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { KinesisClientPool } from '../../aws/client-pool';
import { deregisterConsumer } from '../../client/efo-consumer';
import { streamParams } from '../../aws/stream-ref';
import { streamHandle } from '../../client/stream-control';
import { inputOptions } from '../../config/raw-input';
import type { StreamWorkflowInput } from '../../workflows/stream-input';
import type { CliContext } from '../context';
import { UsageError } from '../usage';

interface RunConsumer {
  name?: string;
  roleArn?: string;
}

/** The consumer name and role of the stream workflow's last run, from its start event. */
async function consumerOfRun(client: Client, stream: string): Promise<RunConsumer> {
  const history = await streamHandle(client, stream).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return {};
  const input = defaultPayloadConverter.fromPayload<StreamWorkflowInput>(payload);
  // Raw (as the user wrote it, maybe the bare options object) or compiled: read what is there.
  const options = inputOptions(input) as {
    consumer?: { type?: unknown; name?: unknown };
    roleArn?: unknown;
  };
  const consumer = options.consumer;
  return {
    ...(consumer?.type === 'efo' && typeof consumer.name === 'string' ? { name: consumer.name } : {}),
    ...(typeof options.roleArn === 'string' ? { roleArn: options.roleArn } : {}),
  };
}

export async function deregisterStreamConsumer(
  ctx: CliContext,
  client: Client,
  stream: string,
  given: string | undefined,
): Promise<{ consumer: string; deregistered: boolean }> {
  const none: RunConsumer = {};
  const run = await consumerOfRun(client, stream).catch(() => none);
  const name = given ?? run.name;
  if (!name) {
    throw new UsageError(
      `--deregister-consumer: the stream ${stream} was not read with an enhanced fan-out consumer; name it with --consumer <name>`,
    );
  }
  const aws = ctx.awsConfig();
  const pool = new KinesisClientPool({
    base: aws.kinesis,
    defaultClient: ctx.kinesis(),
    ...(aws.stsEndpoint ? { stsEndpoint: aws.stsEndpoint } : {}),
  });
  const kinesis = pool.forStream(stream, run.roleArn);
  const summary = await kinesis.send(new DescribeStreamSummaryCommand(streamParams(stream)));
  const arn = summary.StreamDescriptionSummary?.StreamARN ?? '';
  const deregistered = await deregisterConsumer(kinesis, arn, name);
  return { consumer: name, deregistered };
}
