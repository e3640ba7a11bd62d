/**
 * DLQ fixtures: queues seeded with envelopes (as the batch activity writes them), foreign and
 * broken messages, and a way to read a queue back with attributes, for replay tests.
 */
import {
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DlqBatchInput, buildDlqMessages } from '../../src/dlq/envelope';
import { type KinesisRecord, idempotencyKey } from '../../src/records';

export const ARN = (stream: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;

/** `count` records of `stream`/`shardId` with data `${prefix}-<i>` and sequence numbers from `firstSeq`. */
export function dlqRecords(
  prefix: string,
  count: number,
  options: { stream?: string; shardId?: string; firstSeq?: number; key?: (i: number) => string } = {},
): KinesisRecord[] {
  const stream = options.stream ?? 'orders';
  const shardId = options.shardId ?? 'shardId-000000000000';
  return Array.from({ length: count }, (_, i) => {
    const sequenceNumber = `4959${String((options.firstSeq ?? 1) + i).padStart(52, '0')}`;
    return {
      data: new TextEncoder().encode(`${prefix}-${i}`),
      partitionKey: options.key?.(i) ?? `key-${i}`,
      sequenceNumber,
      approximateArrivalTimestamp: new Date('2026-03-01T12:00:00Z'),
      shardId,
      streamName: stream,
      idempotencyKey: idempotencyKey(shardId, sequenceNumber),
    };
  });
}

/** Sends the records as DLQ envelopes (split as the writer would); returns the message bodies. */
export async function sendEnvelopes(
  sqs: SQSClient,
  queueUrl: string,
  records: KinesisRecord[],
  over: Partial<DlqBatchInput> = {},
  maxMessageBytes = 262_144,
): Promise<string[]> {
  const first = records[0] as KinesisRecord;
  const messages = buildDlqMessages(
    {
      streamName: first.streamName,
      shardId: first.shardId,
      records,
      streamArn: ARN(first.streamName),
      condition: 'RetryAttemptsExhausted',
      error: { type: 'PoisonError', message: 'handler failed', stack: 'PoisonError: handler failed' },
      attempts: 3,
      handler: 'test handler',
      ...over,
    },
    { maxMessageBytes },
  );
  for (const m of messages) await sendRaw(sqs, queueUrl, m.body, m.attributes);
  return messages.map((m) => m.body);
}

export async function sendRaw(
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  attributes: Record<string, MessageAttributeValue> = {},
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributes }),
  );
}

export interface QueuedMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

/** Receives every visible message (hiding them for two minutes), with their attributes. */
export async function receiveEverything(sqs: SQSClient, queueUrl: string): Promise<QueuedMessage[]> {
  const out: QueuedMessage[] = [];
  for (;;) {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 120,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!got.Messages?.length) return out;
    out.push(...got.Messages.map((m) => ({ body: m.Body ?? '', attributes: m.MessageAttributes ?? {} })));
  }
}

/** Messages a replay must leave alone: foreign JSON with its own attributes, garbage, another version. */
export function unreadableMessages(envelopeBody: string): QueuedMessage[] {
  return [
    {
      body: JSON.stringify({ kind: 'orders.created', orderId: 7 }),
      attributes: { source: { DataType: 'String', StringValue: 'checkout' } },
    },
    { body: '\u00ff\u00fe garbage \ufffd not json', attributes: {} },
    { body: envelopeBody.replace('"version":1', '"version":2'), attributes: {} },
  ];
}
