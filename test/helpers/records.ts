/**
 * Record factories for unit tests: realistic 56-digit sequence numbers, one shard, one stream.
 */
import type { HandlerContext } from '../../src/handler/contract';
import { idempotencyKey, type KinesisRecord } from '../../src/records';

/** The shard every factory record belongs to unless overridden. */
export const SHARD_ID = 'shardId-000000000003';
/** The stream every factory record belongs to unless overridden. */
export const STREAM_NAME = 'orders';

/** A 56-digit sequence number ordered by `n` (as Kinesis issues them: same prefix, growing tail). */
export function sequenceNumber(n: number): string {
  return `4959${String(n).padStart(52, '0')}`;
}

/** Overrides for {@link makeRecord}; `data` may be given as text. */
export type RecordOverrides = Partial<Omit<KinesisRecord, 'data'>> & { data?: string | Uint8Array };

/** One record; the idempotency key follows shard, sequence and sub-sequence unless overridden. */
export function makeRecord(overrides: RecordOverrides = {}): KinesisRecord {
  const shardId = overrides.shardId ?? SHARD_ID;
  const seq = overrides.sequenceNumber ?? sequenceNumber(1);
  const data = overrides.data ?? 'hello';
  const record: KinesisRecord = {
    partitionKey: 'customer-1',
    approximateArrivalTimestamp: new Date('2026-03-01T12:00:00.123Z'),
    streamName: STREAM_NAME,
    ...overrides,
    data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
    shardId,
    sequenceNumber: seq,
    idempotencyKey: overrides.idempotencyKey ?? idempotencyKey(shardId, seq, overrides.subSequenceNumber),
  };
  return record;
}

/** `count` consecutive records (sequence numbers 1…count, arrivals one second apart, data `record-<i>`). */
export function makeBatch(
  count: number,
  overrides: (index: number) => RecordOverrides = () => ({}),
): KinesisRecord[] {
  return Array.from({ length: count }, (_, i) =>
    makeRecord({
      sequenceNumber: sequenceNumber(i + 1),
      data: `record-${i}`,
      partitionKey: `key-${i % 3}`,
      approximateArrivalTimestamp: new Date(Date.UTC(2026, 2, 1, 12, 0, i)),
      ...overrides(i),
    }),
  );
}

/** The user records of one KPL aggregate: same sequence number, sub-sequence numbers 0…count-1. */
export function makeAggregate(count: number, seq = sequenceNumber(7)): KinesisRecord[] {
  return Array.from({ length: count }, (_, i) =>
    makeRecord({
      sequenceNumber: seq,
      subSequenceNumber: i,
      data: `user-record-${i}`,
      partitionKey: `agg-${i}`,
    }),
  );
}

/** A handler context for the factory records' shard, with a jest mock heartbeat and a live signal. */
export function makeHandlerContext(
  overrides: Partial<HandlerContext> = {},
): HandlerContext & { heartbeat: jest.Mock } {
  const noop = (): void => undefined;
  return {
    streamName: STREAM_NAME,
    shardId: SHARD_ID,
    attempt: 1,
    log: { debug: noop, info: noop, warn: noop, error: noop },
    signal: new AbortController().signal,
    ...overrides,
    heartbeat: jest.fn(),
  };
}
