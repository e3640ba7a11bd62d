/**
 * What `ksp dlq peek` shows about a DLQ message: a summary built from its body and SQS metadata,
 * and the readable listing of many. Pure: no SQS here, the CLI receives the messages.
 */
import { Buffer } from 'node:buffer';
import type { DlqParseProblem } from './parse';
import { parseDlqMessage } from './parse';
import { formatTable } from '../cli/table';

/** What SQS tells about a received message besides its body. */
export interface ReceivedMeta {
  messageId: string;
  /** ApproximateReceiveCount, including this receive (peeks and dry runs raise it too). */
  receiveCount: number | null;
  /** Replay tries the message has used (its `ksp.replayTries` attribute). */
  replayTries: number;
  /** SentTimestamp, ISO-8601. */
  sentAt: string | null;
}

export type DlqMessageSummary = ReceivedMeta &
  (
    | {
        readable: true;
        streamName: string;
        shardId: string;
        condition: string;
        error: { type: string; message: string };
        attempts: number;
        /** Records the message stands for (KinesisBatchInfo.batchSize). */
        records: number;
        recordsIncluded: boolean;
        part: { index: number; count: number };
        deadLetteredAt: string;
        startSequenceNumber: string;
        /** The first record's data, printable, or its first bytes in hex; null when not included. */
        firstData: string | null;
        firstPartitionKey: string | null;
      }
    | { readable: false; problem: DlqParseProblem; reason: string; bodyPreview: string }
  );

/** Bytes shown of a record's data or an unreadable body. */
export const PREVIEW_BYTES = 48;

/** Text when the bytes are printable UTF-8 (control characters escaped), otherwise hex; cut to `max` bytes. */
export function previewBytes(bytes: Uint8Array, max = PREVIEW_BYTES): string {
  const head = bytes.subarray(0, max);
  const more = bytes.byteLength > max ? '…' : '';
  const text = Buffer.from(head).toString('utf8');
  // A cut in the middle of a code point leaves one replacement character at the end: allow it.
  const body = more ? text.replace(/\uFFFD$/, '') : text;
  const printable = !body.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F\u007F]/.test(body);
  if (printable) return JSON.stringify(body).slice(1, -1) + more;
  return `0x${Buffer.from(head).toString('hex')}${more}`;
}

export function describeDlqMessage(body: string, meta: ReceivedMeta): DlqMessageSummary {
  const parsed = parseDlqMessage(body);
  if (!parsed.ok) {
    return {
      ...meta,
      readable: false,
      problem: parsed.problem,
      reason: parsed.reason,
      bodyPreview: previewBytes(Buffer.from(body, 'utf8')),
    };
  }
  const e = parsed.envelope;
  const first = e.records?.[0];
  return {
    ...meta,
    readable: true,
    streamName: e.streamName,
    shardId: e.KinesisBatchInfo.shardId,
    condition: e.requestContext.condition,
    error: { type: e.error.type, message: e.error.message },
    attempts: e.attempts,
    records: e.KinesisBatchInfo.batchSize,
    recordsIncluded: e.recordsIncluded,
    part: e.part,
    deadLetteredAt: e.timestamp,
    startSequenceNumber: e.KinesisBatchInfo.startSequenceNumber,
    firstData: first ? previewBytes(Buffer.from(first.data, 'base64')) : null,
    firstPartitionKey: first?.partitionKey ?? null,
  };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The listing `ksp dlq peek` prints: one row per message, foreign and broken ones flagged. */
export function formatDlqPeek(queueUrl: string, summaries: readonly DlqMessageSummary[]): string {
  if (summaries.length === 0) return `${queueUrl}: no visible messages`;
  const rows = [['MESSAGE', 'STREAM/SHARD', 'ERROR', 'TRIES', 'RECORDS', 'DEAD-LETTERED', 'FIRST DATA']];
  for (const s of summaries) {
    const id = cut(s.messageId, 13);
    if (!s.readable) {
      rows.push([
        id,
        `!! ${s.problem.toUpperCase()}`,
        cut(s.reason, 60),
        '-',
        '-',
        s.sentAt ?? '-',
        s.bodyPreview,
      ]);
      continue;
    }
    const part = s.part.count > 1 ? ` (part ${s.part.index + 1}/${s.part.count})` : '';
    rows.push([
      id,
      `${s.streamName}/${s.shardId}`,
      cut(`${s.condition}: ${s.error.type}: ${s.error.message}`, 60),
      `${s.attempts}+${s.replayTries}`,
      `${s.records}${s.recordsIncluded ? '' : ' (metadata only)'}${part}`,
      s.deadLetteredAt,
      s.firstData === null ? '(re-read from the stream on replay)' : `${s.firstPartitionKey}: ${s.firstData}`,
    ]);
  }
  const unreadable = summaries.filter((s) => !s.readable).length;
  const records = summaries.reduce((n, s) => n + (s.readable ? s.records : 0), 0);
  return [
    `${queueUrl}: ${summaries.length} message(s), ${records} record(s)${unreadable ? `, ${unreadable} not replayable (!!): a replay leaves them for a person` : ''}`,
    'TRIES = handler attempts before the DLQ + replay tries since',
    formatTable(rows),
  ].join('\n');
}
