/**
 * The SQS calls a DLQ replay makes, each classified once at this boundary (STYLE.md habit 8):
 * receive with the attributes a replay needs, delete and change visibility in batches of ten,
 * and send (put back or park) within the queue's own size limit.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { classifyAwsError } from '../../aws/classify';

/** A message as the replay sees it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  /** ApproximateReceiveCount, this receive included. */
  receiveCount: number;
}

/** A message to send: a body and its attributes. */
export interface OutgoingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  /** Deliver after this many seconds (0–900). */
  delaySeconds?: number;
}

function toReceived(m: Message): ReceivedMessage {
  const count = Number(m.Attributes?.ApproximateReceiveCount);
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: m.MessageAttributes ?? {},
    receiveCount: Number.isInteger(count) && count > 0 ? count : 1,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class DlqQueue {
  constructor(
    private readonly sqs: SQSClient,
    /** The queue's MaximumMessageSize (the DLQ writer reads and caches it). */
    readonly maxMessageBytes: (queueUrl: string) => Promise<number>,
  ) {}

  /** Long-polls for up to `max` (≤ 10) messages, hiding them for `visibilitySeconds`. */
  async receive(
    queueUrl: string,
    options: { max: number; waitSeconds: number; visibilitySeconds: number; abortSignal?: AbortSignal },
  ): Promise<ReceivedMessage[]> {
    try {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(10, options.max)),
          WaitTimeSeconds: options.waitSeconds,
          VisibilityTimeout: options.visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
        options.abortSignal ? { abortSignal: options.abortSignal } : {},
      );
      return (out.Messages ?? []).map(toReceived);
    } catch (err) {
      if (options.abortSignal?.aborted) return []; // stopped during the long poll: nothing received
      throw classifyAwsError(err, { operation: 'ReceiveMessage', queueUrl });
    }
  }

  /** Deletes by receipt handle; returns the handles SQS refused (an expired handle: the message comes back). */
  async delete(queueUrl: string, receiptHandles: readonly string[]): Promise<string[]> {
    const refused: string[] = [];
    for (const batch of chunks(receiptHandles, 10)) {
      try {
        const out = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
          }),
        );
        for (const f of out.Failed ?? []) refused.push(batch[Number(f.Id)] ?? '');
      } catch (err) {
        throw classifyAwsError(err, { operation: 'DeleteMessageBatch', queueUrl });
      }
    }
    return refused;
  }

  /** Sets each message's visibility timeout (0: visible again now); returns how many SQS accepted. */
  async setVisibility(
    queueUrl: string,
    entries: ReadonlyArray<{ receiptHandle: string; seconds: number }>,
  ): Promise<number> {
    let accepted = 0;
    for (const batch of chunks(entries, 10)) {
      try {
        const out = await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((e, i) => ({
              Id: String(i),
              ReceiptHandle: e.receiptHandle,
              VisibilityTimeout: e.seconds,
            })),
          }),
        );
        accepted += out.Successful?.length ?? 0;
      } catch (err) {
        throw classifyAwsError(err, { operation: 'ChangeMessageVisibilityBatch', queueUrl });
      }
    }
    return accepted;
  }

  async send(queueUrl: string, message: OutgoingMessage): Promise<void> {
    await sendMessage(this.sqs, queueUrl, message);
  }
}

/** One SendMessage, classified: the DLQ writer and the replay both send this way. */
export async function sendMessage(sqs: SQSClient, queueUrl: string, message: OutgoingMessage): Promise<void> {
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageAttributes: message.attributes,
        ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
      }),
    );
  } catch (err) {
    throw classifyAwsError(err, { operation: 'SendMessage', queueUrl });
  }
}
