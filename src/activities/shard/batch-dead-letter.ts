/**
 * The batch activity's way to the DLQ: records that must leave the shard unhandled (too old,
 * corrupt, or failed on their last attempt) are written with the full error, never dropped.
 */
import type { DlqBatchInput } from '../../dlq/envelope';
import { type Checkpoint, type KinesisRecord, checkpointOf } from '../../records';
import type { ProcessBatchDeps, ProcessBatchInput } from './batch-contract';
import type { CorruptRecord } from './user-records';

/** What the caller says about the records it dead-letters; the rest comes from the input. */
export type DeadLetterDetails = Pick<DlqBatchInput, 'condition' | 'error' | 'attempts'>;

export type DeadLetter = (
  input: ProcessBatchInput,
  records: readonly KinesisRecord[],
  details: DeadLetterDetails,
) => Promise<void>;

/** Writes records to the input's DLQ; resolves once SQS has accepted them. */
export function createDeadLetter(
  deps: Pick<ProcessBatchDeps, 'dlq' | 'streamArn' | 'handlerName'>,
  now: () => number,
): DeadLetter {
  return async (input, records, details) => {
    if (input.dlqQueueUrl === null) {
      // compileStreamOptions refuses every setting that dead-letters without a DLQ: never drop records.
      throw new Error(`records must go to the DLQ (${details.condition}) but no dlqQueueUrl was given`);
    }
    await deps.dlq.write(input.dlqQueueUrl, {
      ...details,
      records,
      streamName: input.streamName,
      streamArn: await deps.streamArn(input.streamName),
      shardId: input.shardId,
      handler: deps.handlerName,
      now: new Date(now()),
    });
  };
}

/**
 * Corrupt KPL aggregates (bad checksum or protobuf) lead the batch: each goes to the DLQ as the one
 * raw record it is (condition CorruptRecord), without reaching the handler or using an attempt,
 * since no retry can make it readable. Returns the checkpoint past them.
 */
export async function deadLetterCorrupt(
  deadLetter: DeadLetter,
  input: ProcessBatchInput,
  corrupt: readonly CorruptRecord[],
): Promise<Checkpoint> {
  for (const { record, reason } of corrupt) {
    await deadLetter(input, [record], {
      condition: 'CorruptRecord',
      error: { type: 'CorruptRecord', message: reason },
      attempts: 0,
    });
  }
  return checkpointOf((corrupt[corrupt.length - 1] as CorruptRecord).record);
}

/** How many records at the head of the batch are older than `maxAgeMs` (0 when there is no limit). */
export function countExpired(
  records: readonly KinesisRecord[],
  maxAgeMs: number | null,
  nowMs: number,
): number {
  if (maxAgeMs === null) return 0;
  let n = 0;
  while (
    n < records.length &&
    nowMs - (records[n] as KinesisRecord).approximateArrivalTimestamp.getTime() > maxAgeMs
  )
    n++;
  return n;
}
