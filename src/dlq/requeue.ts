/**
 * Messages a replay writes: the part of a DLQ message it did not replay, put back as an envelope of
 * its own (same stream, shard, condition and time, so filters still find it), and a message moved
 * to the parking queue with the reason. Pure: the replay activity sends what these build.
 */
import { Buffer } from 'node:buffer';
import type { KinesisRecord } from '../records';
import { attributeValue, buildDlqMessages } from './build';
import type { DlqBatchInput, DlqEnvelope, DlqMessage, DlqMessageAttribute } from './format';

/**
 * Replay tries a message has used, set on the messages a replay writes back. Counted here rather
 * than from SQS' ApproximateReceiveCount, which peeks and dry runs raise too.
 */
export const REPLAY_TRIES_ATTRIBUTE = 'ksp.replayTries';
/** SQS allows at most 10 message attributes. */
export const SQS_MAX_ATTRIBUTES = 10;

/** An SQS message attribute as received (strings, numbers or binary). */
export interface ReceivedAttribute {
  DataType: string | undefined;
  StringValue?: string | undefined;
  BinaryValue?: Uint8Array | undefined;
}

/** Replay tries a message has used so far (0 for a message the batch activity wrote). */
export function priorTries(attributes: Record<string, ReceivedAttribute> | undefined): number {
  const n = Number(attributes?.[REPLAY_TRIES_ATTRIBUTE]?.StringValue);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * The messages that carry `records` (a subset of the envelope's) back to the queue: as the
 * envelope they came from, with `error` when replaying them failed, and the tries used so far.
 */
export function requeueMessages(
  envelope: DlqEnvelope,
  records: readonly KinesisRecord[],
  options: { maxMessageBytes: number; tries: number; error?: DlqBatchInput['error'] },
): DlqMessage[] {
  const tries = attributeValue(String(options.tries));
  const triesBytes =
    Buffer.byteLength(REPLAY_TRIES_ATTRIBUTE) +
    Buffer.byteLength(tries.DataType) +
    Buffer.byteLength(tries.StringValue);
  const input: DlqBatchInput = {
    streamName: envelope.streamName,
    shardId: envelope.KinesisBatchInfo.shardId,
    records,
    streamArn: envelope.KinesisBatchInfo.streamArn,
    condition: envelope.requestContext.condition,
    error: options.error ?? envelope.error,
    attempts: envelope.attempts,
    approximateInvokeCount: envelope.requestContext.approximateInvokeCount,
    handler: envelope.handler,
    now: new Date(envelope.timestamp),
  };
  return buildDlqMessages(input, { maxMessageBytes: options.maxMessageBytes - triesBytes }).map((m) => ({
    body: m.body,
    attributes: { ...m.attributes, [REPLAY_TRIES_ATTRIBUTE]: tries },
  }));
}

/**
 * The message as it goes back to the queue after a failed try: the body untouched, the attributes
 * kept, the tries updated. Only our envelopes are tried, and they leave room for the attribute.
 */
export function retriedMessage(
  body: string,
  attributes: Record<string, ReceivedAttribute> | undefined,
  tries: number,
): { body: string; attributes: Record<string, OutgoingAttribute> } {
  return {
    body,
    attributes: { ...copyAttributes(attributes), [REPLAY_TRIES_ATTRIBUTE]: attributeValue(String(tries)) },
  };
}

function copyAttributes(
  attributes: Record<string, ReceivedAttribute> | undefined,
): Record<string, OutgoingAttribute> {
  const out: Record<string, OutgoingAttribute> = {};
  for (const [name, a] of Object.entries(attributes ?? {})) {
    out[name] = {
      DataType: a.DataType ?? 'String',
      ...(a.StringValue !== undefined ? { StringValue: a.StringValue } : {}),
      ...(a.BinaryValue !== undefined ? { BinaryValue: a.BinaryValue } : {}),
    };
  }
  return out;
}

/** Why and from where a message was parked, and the tries it used. */
export interface ParkInfo {
  reason: string;
  sourceQueueUrl: string;
  tries: number;
  at: Date;
}

/** An attribute in the shape SendMessage takes. */
export type OutgoingAttribute =
  | DlqMessageAttribute
  | { DataType: string; StringValue?: string; BinaryValue?: Uint8Array };

function attributeBytes(name: string, a: ReceivedAttribute): number {
  return (
    Buffer.byteLength(name) +
    Buffer.byteLength(a.DataType ?? '') +
    (a.StringValue !== undefined ? Buffer.byteLength(a.StringValue) : 0) +
    (a.BinaryValue?.byteLength ?? 0)
  );
}

/**
 * The message as it goes to the parking queue: the body untouched, the original attributes kept,
 * plus `ksp.parked*` attributes and the tries, as many as SQS' 10-attribute and size limits allow
 * (a foreign message may already use them all: it is then moved exactly as it was).
 */
export function parkedMessage(
  body: string,
  attributes: Record<string, ReceivedAttribute> | undefined,
  info: ParkInfo,
  maxMessageBytes: number,
): { body: string; attributes: Record<string, OutgoingAttribute> } {
  const out = copyAttributes(attributes);
  let bytes = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes ?? {})) bytes += attributeBytes(name, a);
  const ours: Array<[string, DlqMessageAttribute]> = [
    ['ksp.parkedReason', attributeValue(info.reason)],
    [REPLAY_TRIES_ATTRIBUTE, attributeValue(String(info.tries))],
    ['ksp.parkedFrom', attributeValue(info.sourceQueueUrl)],
    ['ksp.parkedAt', attributeValue(info.at.toISOString())],
  ];
  for (const [name, a] of ours) {
    const size = attributeBytes(name, a);
    const replaces = name in out;
    if ((!replaces && Object.keys(out).length >= SQS_MAX_ATTRIBUTES) || bytes + size > maxMessageBytes)
      continue;
    if (replaces) bytes -= attributeBytes(name, out[name] as ReceivedAttribute);
    out[name] = a;
    bytes += size;
  }
  return { body, attributes: out };
}
