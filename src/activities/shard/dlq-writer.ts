/**
 * Writes failed records to the SQS dead-letter queue, in the versioned envelope, sized to the
 * queue's own MaximumMessageSize. Records are never truncated: a batch too large for one
 * message is split; a record too large even alone is sent as metadata for replay to re-read.
 * An attempt that lost its activity (timed out, worker shutting down) sends nothing more: the
 * retried attempt writes the batch, so a late send would be a second copy.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type CallBounds, classifiedCall } from '../../aws/call';
import { type DlqBatchInput, buildDlqMessages } from '../../dlq/envelope';
import { sendMessage } from '../dlq/queue';

/** SQS default MaximumMessageSize (256 KiB); used when the queue does not report one. */
const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

export class DlqWriter {
  private readonly maxSizes = new Map<string, number>();

  constructor(
    private readonly sqs: SQSClient,
    /** Bounds of each call, for the attempt running now (aborted when it is lost). */
    private readonly bounds: () => CallBounds = () => ({}),
  ) {}

  /** The queue's MaximumMessageSize, read once per queue. Fails if the queue does not exist. */
  async maxMessageBytes(queueUrl: string): Promise<number> {
    const known = this.maxSizes.get(queueUrl);
    if (known !== undefined) return known;
    const command = new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['MaximumMessageSize'],
    });
    const out = await classifiedCall(this.bounds(), { operation: 'GetQueueAttributes', queueUrl }, (o) =>
      this.sqs.send(command, o),
    );
    const size = Number(out.Attributes?.MaximumMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES);
    const bytes = Number.isFinite(size) && size > 0 ? size : DEFAULT_MAX_MESSAGE_BYTES;
    this.maxSizes.set(queueUrl, bytes);
    return bytes;
  }

  /** Sends the batch's failed records; resolves once SQS has accepted every message. */
  async write(queueUrl: string, input: DlqBatchInput): Promise<{ messages: number; records: number }> {
    const maxMessageBytes = await this.maxMessageBytes(queueUrl);
    const messages = buildDlqMessages(input, { maxMessageBytes });
    // Bounds read per message: each send is checked against the attempt as it is then.
    for (const message of messages) await sendMessage(this.sqs, queueUrl, message, this.bounds());
    return { messages: messages.length, records: input.records.length };
  }
}
