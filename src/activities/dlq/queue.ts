/**
 * The SQS calls a DLQ replay makes, each classified once at this boundary (STYLE.md habit 8):
 * receive with the attributes a replay needs (the message attributes, which count its tries; not
 * ApproximateReceiveCount, which dry runs and peeks raise too), delete and change visibility in
 * batches of ten, and send (put back or park) within the queue's own size limit. Every call is
 * bounded (see src/aws/call.ts): a lost attempt aborts it, and sends nothing more afterwards.
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
import { type CallBounds, boundedCall, classifiedCall, isAbortedCall, throwIfAborted } from '../../aws/call';
import { classifyAwsError } from '../../aws/classify';

/** A message as the replay sees it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

/** A message to send: a body and its attributes. */
export interface OutgoingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  /** Deliver after this many seconds (0–900). */
  delaySeconds?: number;
}

function toReceived(m: Message): ReceivedMessage {
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: m.MessageAttributes ?? {},
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
    /** Bounds of each call: a replay attempt that is lost must not delete, hide or send afterwards. */
    private readonly bounds: () => CallBounds = () => ({}),
  ) {}

  /** Long-polls for up to `max` (≤ 10) messages, hiding them for `visibilitySeconds`. */
  async receive(
    queueUrl: string,
    options: { max: number; waitSeconds: number; visibilitySeconds: number; abortSignal?: AbortSignal },
  ): Promise<ReceivedMessage[]> {
    const command = new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, options.max)),
      WaitTimeSeconds: options.waitSeconds,
      VisibilityTimeout: options.visibilitySeconds,
      MessageAttributeNames: ['All'],
    });
    // The long poll's own wait does not count against the call's deadline.
    const deadline = this.bounds().timeoutMs;
    const bounds = {
      ...(options.abortSignal ? { signal: options.abortSignal } : {}),
      ...(deadline === undefined ? {} : { timeoutMs: deadline + options.waitSeconds * 1000 }),
    };
    try {
      const out = await boundedCall(bounds, (o) => this.sqs.send(command, o));
      return (out.Messages ?? []).map(toReceived);
    } catch (err) {
      if (isAbortedCall(err)) return []; // stopped during the long poll: nothing received
      throw classifyAwsError(err, { operation: 'ReceiveMessage', queueUrl });
    }
  }

  /** Deletes by receipt handle; returns the handles SQS refused (an expired handle: the message comes back). */
  async delete(queueUrl: string, receiptHandles: readonly string[]): Promise<string[]> {
    const refused: string[] = [];
    for (const batch of chunks(receiptHandles, 10)) {
      const command = new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
      });
      const out = await classifiedCall(this.bounds(), { operation: 'DeleteMessageBatch', queueUrl }, (o) =>
        this.sqs.send(command, o),
      );
      for (const f of out.Failed ?? []) refused.push(batch[Number(f.Id)] ?? '');
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
      const command = new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((e, i) => ({
          Id: String(i),
          ReceiptHandle: e.receiptHandle,
          VisibilityTimeout: e.seconds,
        })),
      });
      const out = await classifiedCall(
        this.bounds(),
        { operation: 'ChangeMessageVisibilityBatch', queueUrl },
        (o) => this.sqs.send(command, o),
      );
      accepted += out.Successful?.length ?? 0;
    }
    return accepted;
  }

  async send(queueUrl: string, message: OutgoingMessage): Promise<void> {
    await sendMessage(this.sqs, queueUrl, message, this.bounds());
  }
}

/**
 * One SendMessage, bounded and classified: the DLQ writer and the replay both send this way. Not
 * sent at all when the bounding signal has already aborted (a lost attempt writes nothing).
 */
export async function sendMessage(
  sqs: SQSClient,
  queueUrl: string,
  message: OutgoingMessage,
  bounds: CallBounds = {},
): Promise<void> {
  throwIfAborted(bounds.signal);
  const command = new SendMessageCommand({
    QueueUrl: queueUrl,
    MessageBody: message.body,
    MessageAttributes: message.attributes,
    ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
  });
  await classifiedCall(bounds, { operation: 'SendMessage', queueUrl }, (o) => sqs.send(command, o));
}
