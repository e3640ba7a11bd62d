/**
 * A partition-key replay (`ksp dlq replay --partition-key K`) hands K's records to the handler in
 * their original order: its first receive collects every message visible in the queue (up to a
 * cap), hidden for the run, and orders them by the position of their first record in the stream
 * (sequence number, then sub-sequence number; messages that are not envelopes go last). After a
 * failure the later messages holding records of the same keys are not replayed in that run (see
 * replay.ts), so a later record of a key never overtakes one that failed.
 */
import { compareCheckpoint } from '../../records';
import { parsedMessage } from './parsed-message';
import type { DlqQueue, ReceivedMessage } from './queue';

/** The most messages one ordered receive collects (SQS allows 120,000 in flight on a standard queue). */
export const MAX_ORDERED_MESSAGES = 10_000;

type Receive = DlqQueue['receive'];

/** Wraps `receive`: the first call of each collection drains the queue and returns it in stream order. */
export function orderedReceive(receive: Receive): Receive {
  return async (queueUrl, options) => {
    const all: ReceivedMessage[] = [];
    let wait = options.waitSeconds;
    const cap = Math.min(MAX_ORDERED_MESSAGES, Math.max(1, options.max));
    while (all.length < cap) {
      const got = await receive(queueUrl, { ...options, max: cap - all.length, waitSeconds: wait });
      if (got.length === 0) break;
      all.push(...got);
      wait = 0;
    }
    return sortByPosition(all);
  };
}

export function sortByPosition(messages: readonly ReceivedMessage[]): ReceivedMessage[] {
  const keyed = messages.map((m) => ({ m, at: positionOf(m) }));
  keyed.sort((a, b) => {
    if (a.at === null || b.at === null) return a.at === null ? (b.at === null ? 0 : 1) : -1;
    return compareCheckpoint(a.at, b.at);
  });
  return keyed.map((k) => k.m);
}

function positionOf(m: ReceivedMessage): { sequenceNumber: string; subSequenceNumber?: number } | null {
  const parsed = parsedMessage(m);
  if (!parsed.ok) return null;
  const info = parsed.envelope.KinesisBatchInfo;
  return info.startSubSequenceNumber === undefined
    ? { sequenceNumber: info.startSequenceNumber }
    : { sequenceNumber: info.startSequenceNumber, subSequenceNumber: info.startSubSequenceNumber };
}

/**
 * The selected keys a message holds records of (all selected keys when it holds metadata only or
 * cannot be read: it may hold any of them).
 */
export function selectedKeysOf(m: ReceivedMessage, selected: readonly string[]): string[] {
  const parsed = parsedMessage(m);
  if (!parsed.ok) return [];
  const { records } = parsed.envelope;
  if (records === null) return [...selected];
  return selected.filter((k) => records.some((r) => r.partitionKey === k));
}
