/**
 * Builds the SQS messages for a failed batch: records included while they fit, split over several
 * messages rather than truncated, metadata only for a record too large to travel alone. The error
 * travels whole up to its bounds, and is cut further when the queue's messages are too small for
 * it: a huge error never keeps records out of the DLQ.
 */
import { Buffer } from 'node:buffer';
import { ERROR_TYPE_MAX_BYTES, truncateUtf8 } from '../handler/error-text';
import type { KinesisRecord } from '../records';
import {
  DLQ_ENVELOPE_KIND,
  DLQ_ENVELOPE_VERSION,
  ERROR_MESSAGE_MAX_BYTES,
  STACK_MAX_BYTES,
  STACK_MAX_LINES,
  type DlqBatchInfo,
  type DlqEnvelope,
  type DlqError,
  type DlqBatchInput,
  type DlqMessage,
  type DlqMessageAttribute,
  type DlqRecord,
} from './format';

export { truncateUtf8 };

/** Keeps the first {@link STACK_MAX_LINES} lines of a stack, at most {@link STACK_MAX_BYTES} bytes. */
export function trimStack(stack: string): string {
  const lines = stack.split('\n');
  const kept = lines.slice(0, STACK_MAX_LINES);
  if (lines.length > STACK_MAX_LINES) kept.push(`    … ${lines.length - STACK_MAX_LINES} more lines`);
  return truncateUtf8(kept.join('\n'), STACK_MAX_BYTES);
}

/**
 * JSON that SQS accepts: JSON.stringify already escapes control characters and lone surrogates;
 * U+FFFE and U+FFFF, which SQS rejects, can only occur inside strings, so they are escaped too.
 */
function toSqsJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** An attribute value SQS accepts: non-empty, allowed characters only, bounded. */
export function attributeValue(value: string): DlqMessageAttribute {
  const clean = value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  return { DataType: 'String', StringValue: truncateUtf8(clean, 256) || 'unknown' };
}

/** Bytes SQS counts toward its limit: the body, and each attribute's name, data type and value. */
export function sqsMessageBytes(message: DlqMessage): number {
  let bytes = Buffer.byteLength(message.body);
  for (const [name, attr] of Object.entries(message.attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(attr.DataType) + Buffer.byteLength(attr.StringValue);
  }
  return bytes;
}

function toDlqRecord(r: KinesisRecord): DlqRecord {
  return {
    data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
    partitionKey: r.partitionKey,
    sequenceNumber: r.sequenceNumber,
    ...(r.subSequenceNumber === undefined ? {} : { subSequenceNumber: r.subSequenceNumber }),
    ...(r.explicitHashKey === undefined ? {} : { explicitHashKey: r.explicitHashKey }),
    approximateArrivalTimestamp: r.approximateArrivalTimestamp.toISOString(),
  };
}

function batchInfo(records: readonly KinesisRecord[], streamArn: string): DlqBatchInfo {
  const first = records[0];
  const last = records[records.length - 1];
  if (!first || !last) throw new RangeError('a DLQ message needs at least one record');
  return {
    shardId: first.shardId,
    startSequenceNumber: first.sequenceNumber,
    endSequenceNumber: last.sequenceNumber,
    ...(first.subSequenceNumber === undefined ? {} : { startSubSequenceNumber: first.subSequenceNumber }),
    ...(last.subSequenceNumber === undefined ? {} : { endSubSequenceNumber: last.subSequenceNumber }),
    approximateArrivalOfFirstRecord: first.approximateArrivalTimestamp.toISOString(),
    approximateArrivalOfLastRecord: last.approximateArrivalTimestamp.toISOString(),
    batchSize: records.length,
    streamArn,
  };
}

/**
 * The error as the envelope carries it: type, message and stack within their bounds; when `fits`
 * says a metadata-only message could not hold that, the stack goes, then the message is cut to the
 * longest that fits (to nothing, at worst: the records still go to the DLQ).
 */
export function envelopeError(error: DlqBatchInput['error'], fits: (error: DlqError) => boolean): DlqError {
  const type = truncateUtf8(error.type, ERROR_TYPE_MAX_BYTES);
  const cut = (messageBytes: number, stack: string): DlqError => ({
    type,
    message: truncateUtf8(error.message, messageBytes),
    stack,
  });
  const whole = cut(ERROR_MESSAGE_MAX_BYTES, trimStack(error.stack ?? ''));
  if (fits(whole)) return whole;
  // The longest message that fits without a stack: binary search over its byte budget.
  let fitting = 0;
  for (let low = 1, high = ERROR_MESSAGE_MAX_BYTES; low <= high; ) {
    const mid = Math.floor((low + high) / 2);
    if (fits(cut(mid, ''))) {
      fitting = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return cut(fitting, '');
}

/** A run of records [from, to] and whether they travel in the message. */
interface Part {
  from: number;
  to: number;
  included: boolean;
}

/**
 * Builds the SQS messages for one failed batch: as few as the size limit allows, each within
 * `maxMessageBytes` (attributes included, UTF-8 bytes). Records are packed greedily in stream order;
 * a record too large to travel even alone gets a metadata-only message of its own. Returns no
 * message for no records. Throws a RangeError when the limit cannot hold even the metadata.
 */
export function buildDlqMessages(input: DlqBatchInput, options: { maxMessageBytes: number }): DlqMessage[] {
  const { records } = input;
  const { maxMessageBytes } = options;
  if (records.length === 0) return [];
  const foreign = records.find((r) => r.shardId !== input.shardId || r.streamName !== input.streamName);
  if (foreign) {
    throw new RangeError(
      `record ${foreign.idempotencyKey} of stream ${foreign.streamName} does not belong to ${input.streamName}/${input.shardId}`,
    );
  }
  const attributes: Record<string, DlqMessageAttribute> = {
    'ksp.stream': attributeValue(input.streamName),
    'ksp.shard': attributeValue(input.shardId),
    'ksp.errorType': attributeValue(input.error.type),
    'ksp.condition': attributeValue(input.condition),
    'ksp.version': attributeValue(String(DLQ_ENVELOPE_VERSION)),
  };
  const attributeBytes = sqsMessageBytes({ body: '', attributes });
  const common = {
    timestamp: (input.now ?? new Date()).toISOString(),
    requestContext: {
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount ?? input.attempts,
    },
    streamName: input.streamName,
    attempts: input.attempts,
    handler: input.handler,
  };
  const envelope = (
    part: Part,
    dlqRecords: DlqRecord[] | null,
    index: number,
    count: number,
    error: DlqError,
  ): DlqEnvelope => ({
    kind: DLQ_ENVELOPE_KIND,
    version: DLQ_ENVELOPE_VERSION,
    timestamp: common.timestamp,
    requestContext: common.requestContext,
    KinesisBatchInfo: batchInfo(records.slice(part.from, part.to + 1), input.streamArn),
    streamName: common.streamName,
    error,
    attempts: common.attempts,
    handler: common.handler,
    recordsIncluded: part.included,
    records: dlqRecords,
    part: { index, count },
  });
  // Sizes are measured with the widest part numbers possible (n - 1 of n), so the real ones never exceed them.
  const n = records.length;
  const headerBytesWith = (part: Part, error: DlqError): number =>
    Buffer.byteLength(toSqsJson(envelope(part, part.included ? [] : null, n - 1, n, error))) + attributeBytes;
  // The error must leave room for the metadata of any one record, alone in a message. An envelope's
  // size grows by exactly the JSON of its error, so the widest metadata is measured once, without one.
  const noError: DlqError = { type: '', message: '', stack: '' };
  const errorBytes = (e: DlqError): number => Buffer.byteLength(toSqsJson(e));
  let widestBare = 0;
  for (let i = 0; i < n; i++) {
    widestBare = Math.max(widestBare, headerBytesWith({ from: i, to: i, included: false }, noError));
  }
  const room = maxMessageBytes - widestBare + errorBytes(noError);
  const error = envelopeError(input.error, (candidate) => errorBytes(candidate) <= room);
  const headerBytes = (part: Part): number => headerBytesWith(part, error);
  const recordBytes = records.map((r) => Buffer.byteLength(toSqsJson(toDlqRecord(r))));

  const parts: Part[] = [];
  for (let from = 0; from < n; ) {
    let to = from;
    let payload = recordBytes[from] ?? 0;
    if (headerBytes({ from, to, included: true }) + payload > maxMessageBytes) {
      const bare = headerBytes({ from, to, included: false });
      if (bare > maxMessageBytes) {
        throw new RangeError(
          `maxMessageBytes ${maxMessageBytes} cannot hold even the metadata of record ${records[from]?.sequenceNumber} (${bare} bytes)`,
        );
      }
      parts.push({ from, to, included: false });
      from += 1;
      continue;
    }
    while (to + 1 < n) {
      const next = payload + 1 + (recordBytes[to + 1] ?? 0); // 1: the comma between records
      if (headerBytes({ from, to: to + 1, included: true }) + next > maxMessageBytes) break;
      to += 1;
      payload = next;
    }
    parts.push({ from, to, included: true });
    from = to + 1;
  }

  return parts.map((part, index) => {
    const dlqRecords = part.included ? records.slice(part.from, part.to + 1).map(toDlqRecord) : null;
    const body = toSqsJson(envelope(part, dlqRecords, index, parts.length, error));
    const message = { body, attributes };
    if (sqsMessageBytes(message) > maxMessageBytes) {
      throw new Error(`bug: DLQ part ${index} is ${sqsMessageBytes(message)} bytes, over ${maxMessageBytes}`);
    }
    return message;
  });
}
