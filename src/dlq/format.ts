/**
 * The DLQ envelope's format: its types, version and limits. Pure declarations; building is in
 * `build.ts`, reading in `parse.ts`, and `envelope.ts` is the module to import.
 */
import type { KinesisRecord } from '../records';

/** The envelope version this build writes and reads. Bump it on any incompatible change. */
export const DLQ_ENVELOPE_VERSION = 1;

/** Marks a message as ours, so a replay can tell it from anything else in the queue. */
export const DLQ_ENVELOPE_KIND = 'ksp.dlq';

/** The SQS limit on one message: body plus message attributes. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** Why records were dead-lettered (Lambda's first two, plus ours). */
export const DLQ_CONDITIONS = [
  'RetryAttemptsExhausted',
  'RecordAgeExceeded',
  'NonRetryableError',
  'CorruptRecord',
  /** A later record of a partition key already dead-lettered, held back in order (quarantineKeys). */
  'KeyQuarantined',
] as const;

/** One of {@link DLQ_CONDITIONS}. */
export type DlqCondition = (typeof DLQ_CONDITIONS)[number];

/** Lambda's `KinesisBatchInfo`, for the records of this message (or part). */
export interface DlqBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** Beyond Lambda: set when the first record is a user record inside a KPL aggregate. */
  startSubSequenceNumber?: number;
  /** Beyond Lambda: set when the last record is a user record inside a KPL aggregate. */
  endSubSequenceNumber?: number;
  /** ISO-8601. */
  approximateArrivalOfFirstRecord: string;
  /** ISO-8601. */
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/** One dead-lettered record. */
export interface DlqRecord {
  /** Payload, base64. */
  data: string;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  explicitHashKey?: string;
  /** ISO-8601. */
  approximateArrivalTimestamp: string;
}

/**
 * The error that sent the records here, in full up to the bounds below (the activity result and
 * workflow history get a shorter, redactable summary); cut further only when a queue's
 * MaximumMessageSize leaves no room for it beside a record's metadata.
 */
export interface DlqError {
  /** The thrown error's `name`, at most ERROR_TYPE_MAX_BYTES (256) bytes. */
  type: string;
  /** At most {@link ERROR_MESSAGE_MAX_BYTES} bytes. */
  message: string;
  /** At most {@link STACK_MAX_LINES} lines and {@link STACK_MAX_BYTES} bytes. */
  stack: string;
}

/** The JSON body of every DLQ message. */
export interface DlqEnvelope {
  kind: typeof DLQ_ENVELOPE_KIND;
  version: typeof DLQ_ENVELOPE_VERSION;
  /** When the message was built, ISO-8601. */
  timestamp: string;
  requestContext: { condition: DlqCondition; approximateInvokeCount: number };
  KinesisBatchInfo: DlqBatchInfo;
  streamName: string;
  error: DlqError;
  attempts: number;
  /** Which handler failed, e.g. `native handler /srv/app/dist/handler.js#handler`. */
  handler: string;
  /** False when one record alone is too large for a message: replay re-reads it from the stream by its KinesisBatchInfo. */
  recordsIncluded: boolean;
  /** Exactly the records of KinesisBatchInfo, in stream order; null when not included. */
  records: DlqRecord[] | null;
  /** This message's place among those built from one failed batch (index from 0). */
  part: { index: number; count: number };
}

/** What the batch activity knows when it dead-letters records. */
export interface DlqBatchInput {
  streamName: string;
  shardId: string;
  /** The records to dead-letter, in stream order, all from `shardId`. */
  records: readonly KinesisRecord[];
  streamArn: string;
  condition: DlqCondition;
  error: { type: string; message: string; stack?: string };
  attempts: number;
  /** @default attempts */
  approximateInvokeCount?: number;
  handler: string;
  /** @default new Date() */
  now?: Date;
}

/** An SQS message attribute. */
export interface DlqMessageAttribute {
  DataType: 'String';
  StringValue: string;
}

/** One SQS message, ready for SendMessage(Batch). */
export interface DlqMessage {
  body: string;
  /** `ksp.stream`, `ksp.shard`, `ksp.errorType`, `ksp.condition`, `ksp.version`: for filtering without parsing. */
  attributes: Record<string, DlqMessageAttribute>;
}

/** Stack traces are cut to this many lines… */
export const STACK_MAX_LINES = 20;
/** …and this many UTF-8 bytes. */
export const STACK_MAX_BYTES = 4096;
/** Error messages are cut to this many UTF-8 bytes (16 KiB); less when the queue's messages are smaller. */
export const ERROR_MESSAGE_MAX_BYTES = 16_384;
