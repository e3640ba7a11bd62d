/**
 * The batch activity's first step: the records of this call, fetched from the shard (or, while the
 * workflow bisects a failing batch, from the worker's copy of it), KPL aggregates expanded, cut to
 * the call's limit, with what the fetch tells about the shard.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import type { Checkpoint, KinesisRecord } from '../../records';
import type { ProcessBatchDeps, ProcessBatchInput } from './batch-contract';
import type { FetchSummary } from './batch-results';
import type { BisectBatchCache } from './bisect-cache';
import type { FetchResult } from './reader';
import { type CorruptRecord, expandRecords } from './user-records';

export interface ReadBatch {
  /** User records for the handler, in stream order, at most the call's limit. */
  records: KinesisRecord[];
  /** Corrupt KPL aggregates leading the batch (only when there is a DLQ to take them). */
  corrupt: CorruptRecord[];
  /** What the fetch contributes to every result of the call. */
  summary: FetchSummary;
  /** The last raw record fetched, when any. */
  lastRaw: _Record | undefined;
  /** The shard stayed idle for the whole poll window. */
  idle: boolean;
  /**
   * Marks the batch consumed up to `checkpoint`, so the next call on this worker may go on from
   * the fetch's next iterator; returns the checkpoint.
   */
  consumed(checkpoint: Checkpoint | null): Checkpoint | null;
  /** Keeps the batch on this worker for the halves of a bisection to come. */
  keepForBisect(): void;
}

/** Reads the call's batch; `cache` holds a batch being bisected between calls. */
export async function readBatch(
  reader: ProcessBatchDeps['reader'],
  cache: BisectBatchCache,
  input: ProcessBatchInput,
): Promise<ReadBatch> {
  // With lanes, a call takes up to batchSize records per lane, as Lambda's ParallelizationFactor
  // runs that many batches of batchSize at once.
  const perCall = input.batchSize * Math.max(1, input.parallelization ?? 1);
  const limit = Math.max(1, Math.min(perCall, input.maxRecords ?? perCall));
  // While the workflow narrows a failing batch, its halves come from the worker's copy.
  const shardKey = `${input.streamName}/${input.shardId}`;
  const bisecting = input.maxRecords !== undefined && input.maxRecords !== null;
  if (!bisecting) cache.drop(shardKey);
  const cached = bisecting ? cache.take(shardKey, input.checkpoint) : undefined;
  const fetch: FetchResult =
    cached ??
    (await reader.fetch({
      streamName: input.streamName,
      shardId: input.shardId,
      checkpoint: input.checkpoint,
      startPosition: input.startPosition,
      limit,
      maxPollWaitMs: input.maxPollWaitMs,
      idlePollIntervalMs: input.idlePollIntervalMs,
      batchingWindowMs: bisecting ? 0 : (input.maxBatchingWindowMs ?? 0),
    }));
  const source = { streamName: input.streamName, shardId: input.shardId };
  // KPL aggregates expanded; a corrupt one comes apart for the DLQ (handed over as a plain record
  // when there is no DLQ, as KCL does), and a batch of good records stops before it.
  const expansion = expandRecords(fetch.records, source, input.checkpoint, {
    corrupt: input.dlqQueueUrl === null ? 'plain' : 'separate',
  });
  // A KPL aggregate can hold more user records than the limit: take the limit, the rest comes next.
  const records = expansion.records.slice(0, limit);
  const cut = records.length < expansion.records.length || !expansion.complete;
  return {
    records,
    corrupt: expansion.corrupt,
    summary: {
      fetched: records.length,
      bytes: byteSize(fetch.records),
      millisBehindLatest: fetch.millisBehindLatest,
      childShardIds: fetch.childShardIds,
      lastArrival: lastArrival(fetch.records),
      waitedMs: fetch.waitedMs,
      getRecordsCalls: fetch.getRecordsCalls,
      shardEnded: fetch.nextIterator === null && !cut,
    },
    lastRaw: fetch.records[fetch.records.length - 1],
    idle: fetch.records.length === 0 && fetch.nextIterator !== null,
    consumed(checkpoint) {
      if (checkpoint !== null && fetch.nextIterator !== null && !cut) {
        reader.remember(source, checkpoint, fetch.nextIterator, fetch.issuedAt);
      }
      return checkpoint;
    },
    keepForBisect() {
      if (cached === undefined) cache.put(shardKey, input.checkpoint, fetch);
    },
  };
}

function byteSize(records: readonly _Record[]): number {
  let n = 0;
  for (const r of records) n += (r.Data?.byteLength ?? 0) + (r.PartitionKey?.length ?? 0);
  return n;
}

function lastArrival(records: readonly _Record[]): string | null {
  const t = records[records.length - 1]?.ApproximateArrivalTimestamp;
  return t ? t.toISOString() : null;
}
