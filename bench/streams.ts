/**
 * Bench streams: created fresh for every measurement, filled with the same records, deleted
 * afterwards so the emulator does not carry earlier streams' records into later measurements.
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { StreamDiscovery } from '../src/activities/stream/discovery';
import { type DemoProducerStats, demoEntry, putAll } from '../src/producer/demo-producer';
import { waitUntil } from './wait';

/** Records per PutRecords call (the API maximum) and calls in flight while filling. */
const PUT_BATCH = 500;
const PUT_CONCURRENCY = 4;

let counter = 0;
/** A stream name no earlier measurement of this process used. */
export function freshStreamName(purpose: string): string {
  return `bench-${purpose}-${process.pid}-${++counter}`;
}

/** Creates a stream, waits until it is ACTIVE and returns its shard IDs. */
export async function createStream(
  kinesis: KinesisClient,
  streamName: string,
  shards: number,
): Promise<string[]> {
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  await waitUntil(
    async () =>
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
        .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { what: `stream ${streamName} ACTIVE`, intervalMs: 50, timeoutMs: 30_000 },
  );
  const description = await new StreamDiscovery(kinesis).describe(streamName);
  return description.shards.map((s) => s.shardId);
}

/** Deletes a measurement's stream; skipped once `signal` aborts (the emulator stops with the stack). */
export async function deleteStream(
  kinesis: KinesisClient,
  streamName: string,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  await kinesis.send(new DeleteStreamCommand({ StreamName: streamName })).catch(() => undefined);
}

/** `count` small JSON records ({key, n, at}, ~70 bytes) over `keys` partition keys, built once and reused. */
export function fillEntries(count: number, keys = 1_000): PutRecordsRequestEntry[] {
  return Array.from({ length: count }, (_, i) => demoEntry(`key-${i % keys}`, Math.floor(i / keys)));
}

export interface FillResult {
  /** shardId → last sequence number written: where a consumer has caught up. */
  lastSequenceByShard: Record<string, string>;
  records: number;
  seconds: number;
}

/** Writes every entry (failed entries retried in order) with a few PutRecords calls in flight. */
export async function fillStream(
  kinesis: KinesisClient,
  streamName: string,
  entries: readonly PutRecordsRequestEntry[],
): Promise<FillResult> {
  const stats: DemoProducerStats = { produced: 0, failedAttempts: 0, lastSequenceByShard: {} };
  const started = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < entries.length) {
      const chunk = entries.slice(next, next + PUT_BATCH);
      next += PUT_BATCH;
      await putAll(kinesis, streamName, chunk, stats);
    }
  };
  await Promise.all(Array.from({ length: PUT_CONCURRENCY }, lane));
  return {
    lastSequenceByShard: stats.lastSequenceByShard,
    records: stats.produced,
    seconds: (performance.now() - started) / 1000,
  };
}
