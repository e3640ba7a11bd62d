/**
 * The baseline: a plain GetRecords loop per shard, no Temporal, with the ksp reader's polling
 * rules: calls at least 200 ms apart (Kinesis allows 5 per second per shard), and the poll
 * interval after an empty response.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { setMaxListeners } from 'node:events';
import { MIN_GET_RECORDS_INTERVAL_MS } from '../src/activities/shard/reader';
import { compareSequence } from '../src/records';
import { sleep } from './wait';

export interface PlainLoopOptions {
  kinesis: KinesisClient;
  streamName: string;
  shardIds: readonly string[];
  /** GetRecords Limit. */
  limit: number;
  /** Pause after an empty GetRecords. */
  emptyPollIntervalMs: number;
  /** Least time between two GetRecords of a shard. @default MIN_GET_RECORDS_INTERVAL_MS (200 ms); 0 = unpaced, the machine's ceiling */
  minIntervalMs?: number;
  /** The no-op (or measuring) handler: called with every non-empty batch. */
  onBatch(shardId: string, records: _Record[]): void;
  /** shardId → last sequence number written: a shard's loop ends there (drain). Omitted: run until aborted. */
  until?: Record<string, string>;
  signal: AbortSignal;
}

async function loopShard(
  options: PlainLoopOptions,
  shardId: string,
  target: string | undefined,
): Promise<void> {
  const { kinesis, signal } = options;
  const start = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: options.streamName,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
    { abortSignal: signal },
  );
  let iterator = start.ShardIterator;
  let lastCallAt = 0;
  while (iterator && !signal.aborted) {
    const wait = lastCallAt + (options.minIntervalMs ?? MIN_GET_RECORDS_INTERVAL_MS) - performance.now();
    if (wait > 0) await sleep(wait, signal);
    lastCallAt = performance.now();
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.limit }), {
      abortSignal: signal,
    });
    const records = out.Records ?? [];
    if (records.length > 0) {
      options.onBatch(shardId, records);
      const last = records[records.length - 1]?.SequenceNumber;
      if (target !== undefined && last !== undefined && compareSequence(last, target) >= 0) return;
    }
    iterator = out.NextShardIterator;
    if (records.length === 0) await sleep(options.emptyPollIntervalMs, signal);
  }
}

/** Runs one loop per shard until each reached its target (or the signal aborts). */
export async function runPlainLoops(options: PlainLoopOptions): Promise<void> {
  const shards = options.until
    ? options.shardIds.filter((id) => options.until?.[id] !== undefined)
    : options.shardIds;
  // Every loop waits on the one signal (its sleep, or its call's abort listener, which the SDK
  // removes when the request closes): one listener per shard at a time, not a leak, but above
  // Node's warning threshold of 10 from 11 shards on (MaxListenersExceededWarning).
  setMaxListeners(Math.max(10, shards.length + 10), options.signal);
  await Promise.all(
    shards.map((id) =>
      loopShard(options, id, options.until?.[id]).catch((err: unknown) => {
        if (!options.signal.aborted) throw err;
      }),
    ),
  );
}
