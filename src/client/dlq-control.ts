/**
 * Client-side DLQ operations: look at messages without consuming them, check a replay's targets
 * before it starts, and start, follow and stop the DLQ replay workflow. Used by `ksp dlq` and tests.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { classifyAwsError } from '../aws/classify';
import { ErrorType } from '../errors';
import { type DlqMessageSummary, type ReceivedMeta, describeDlqMessage } from '../dlq/describe';
import { priorTries } from '../dlq/requeue';
import {
  type CompiledDlqReplayOptions,
  type DlqReplayOptions,
  compileDlqReplayOptions,
} from '../config/replay-options';
import { isCompiledOptions } from '../config/raw-input';
import type { DlqReplayWorkflowInput } from '../workflows/dlq-replay';
import { REPLAY_INPUT } from '../workflows/dlq-replay-input';
import {
  type DlqReplayProgress,
  type DlqReplayResult,
  dlqReplayWorkflowId,
  stopDlqReplaySignal,
  stopDlqReplayUpdate,
} from '../workflows/dlq-replay-messages';
import { dlqReplayStartMetadata } from '../workflows/start-details';
import { TargetError } from './stream-control';
import { updateOrSignal } from './update-or-signal';

/** How long peeked messages stay hidden while the listing is collected (then made visible again). */
const PEEK_VISIBILITY_SECONDS = 30;

function metaOf(m: Message): ReceivedMeta {
  const count = Number(m.Attributes?.ApproximateReceiveCount);
  const sent = Number(m.Attributes?.SentTimestamp);
  return {
    messageId: m.MessageId ?? '?',
    receiveCount: Number.isFinite(count) ? count : null,
    replayTries: priorTries(m.MessageAttributes),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : null,
  };
}

/** Makes received messages visible again at once (10 per request, as SQS allows). */
async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages.slice(i, i + 10).map((m, j) => ({
      Id: String(j),
      ReceiptHandle: m.ReceiptHandle ?? '',
      VisibilityTimeout: 0,
    }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

/**
 * Up to `max` visible messages, summarised, in the order SQS returned them. SQS has no true peek:
 * each message is received (its receive count grows by one), hidden while the listing is
 * collected, and made visible again before this returns.
 */
export async function peekDlq(sqs: SQSClient, queueUrl: string, max: number): Promise<DlqMessageSummary[]> {
  const received: Message[] = [];
  try {
    while (received.length < max) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - received.length),
          WaitTimeSeconds: received.length === 0 ? 1 : 0,
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (!out.Messages?.length) break;
      received.push(...out.Messages);
    }
  } catch (err) {
    const failure = classifyAwsError(err, { operation: 'ReceiveMessage', queueUrl });
    throw new TargetError(failure.message, failure.type === ErrorType.AwsUnavailable);
  } finally {
    if (received.length > 0) await release(sqs, queueUrl, received);
  }
  return received.map((m) => describeDlqMessage(m.Body ?? '', metaOf(m)));
}

/** Visible and in-flight messages, as SQS approximates them. */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  let out;
  try {
    out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
  } catch (err) {
    const failure = classifyAwsError(err, { operation: 'GetQueueAttributes', queueUrl });
    throw new TargetError(failure.message, failure.type === ErrorType.AwsUnavailable);
  }
  const attributes: Record<string, string | undefined> = out.Attributes ?? {};
  const n = (name: string): number => Number(attributes[name] ?? 0) || 0;
  return {
    visible: n('ApproximateNumberOfMessages'),
    inFlight: n('ApproximateNumberOfMessagesNotVisible'),
    delayed: n('ApproximateNumberOfMessagesDelayed'),
  };
}

/**
 * Why a partition-key replay cannot keep its key's order now, or null. It orders what it can see:
 * a message delayed (the retry of an earlier, stopped replay) or in flight (another reader) could
 * hold an earlier record of the key, which the records replayed now would overtake, and the key
 * would be released while it is still in the queue.
 */
export function orderedReplayProblem(
  options: Pick<CompiledDlqReplayOptions, 'queueUrl' | 'filters' | 'dryRun' | 'mode'>,
  depth: { inFlight: number; delayed: number },
): string | null {
  if (options.filters.partitionKeys.length === 0 || options.dryRun || options.mode !== 'handler') return null;
  if (depth.delayed === 0 && depth.inFlight === 0) return null;
  return (
    `--partition-key ${options.filters.partitionKeys.join(', ')}: ${options.queueUrl} has ${depth.delayed} delayed and ` +
    `${depth.inFlight} in-flight message(s) (retries of an earlier replay, or another reader); a partition-key replay ` +
    `keeps the key's order only when every message is visible. Wait until \`ksp dlq peek\` and the queue's ` +
    `ApproximateNumberOfMessagesDelayed/NotVisible show none (at most the replay's retryDelay or visibility timeout), then run it again`
  );
}

/**
 * Fails before anything starts when the DLQ, the parking queue or (reput) the target stream does
 * not exist or cannot be reached. Returns the DLQ's depth for the progress display.
 */
export async function validateReplayTargets(
  deps: { sqs: SQSClient; kinesis: KinesisClient },
  options: CompiledDlqReplayOptions,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const depth = await queueDepth(deps.sqs, options.queueUrl);
  if (options.parkingQueueUrl !== null) {
    await queueDepth(deps.sqs, options.parkingQueueUrl).catch((err: TargetError) => {
      throw new TargetError(`parking queue: ${err.message}`, err.unavailable);
    });
  }
  if (options.mode === 'reput' && options.targetStream !== null) {
    try {
      await deps.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: options.targetStream }));
    } catch (err) {
      const failure = classifyAwsError(err, {
        operation: 'DescribeStreamSummary',
        streamName: options.targetStream,
      });
      throw new TargetError(`target stream: ${failure.message}`, failure.type === ErrorType.AwsUnavailable);
    }
  }
  return depth;
}

export type DlqReplayHandle = WorkflowHandle<(input: DlqReplayWorkflowInput) => Promise<DlqReplayResult>>;

export function dlqReplayHandle(client: Client, queueUrl: string): DlqReplayHandle {
  return client.workflow.getHandle(dlqReplayWorkflowId(queueUrl));
}

/**
 * Starts the replay of `options.queueUrl`; refuses when one is already running on that queue.
 * `options` as the user wrote them (the workflow compiles them, as for `temporal workflow start`;
 * compile them first for a fast error) or already compiled.
 */
export async function startDlqReplay(
  client: Client,
  taskQueue: string,
  options: DlqReplayOptions | CompiledDlqReplayOptions,
): Promise<DlqReplayHandle> {
  try {
    return await client.workflow.start('dlqReplayWorkflow', {
      workflowId: dlqReplayWorkflowId(options.queueUrl),
      taskQueue,
      args: [{ options }],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      ...dlqReplayStartMetadata(
        isCompiledOptions(options, REPLAY_INPUT.compiledKey) ? options : compileDlqReplayOptions(options),
        taskQueue,
      ),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new TargetError(
        `a replay of ${options.queueUrl} is already running (workflow ${dlqReplayWorkflowId(options.queueUrl)}): follow it with \`ksp dlq status ${options.queueUrl}\` or end it with \`ksp dlq stop ${options.queueUrl}\``,
      );
    }
    throw err;
  }
}

/**
 * Stops a replay after the message in hand; answers the progress it leaves ("stopping"), or null
 * from a replay whose worker predates the stop Update (sent the signal instead).
 */
export async function stopDlqReplay(handle: DlqReplayHandle): Promise<DlqReplayProgress | null> {
  return updateOrSignal(handle, stopDlqReplayUpdate, stopDlqReplaySignal);
}
