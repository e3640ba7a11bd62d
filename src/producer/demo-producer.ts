/**
 * A steady demo load: JSON records over many partition keys, each carrying a per-key counter so
 * a reader can check per-key order. For the dev stack and tests; it writes through the producer
 * library (`createProducer`), so the demo keeps the shards' limits and per-key order too.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../aws/classify';
import { runLoad } from './load';
import { createProducer } from './producer';

export interface DemoRecord {
  key: string;
  n: number;
  at: string;
}

export interface DemoProducerOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** Records per second. */
  rate: number;
  /** Distinct partition keys. */
  keys: number;
  /** Stop after this many records (default: until aborted). */
  count?: number;
  signal?: AbortSignal;
}

export interface DemoProducerStats {
  produced: number;
  failedAttempts: number;
  /** shardId → highest sequence number written. */
  lastSequenceByShard: Record<string, string>;
}

function noteSequence(stats: DemoProducerStats, shardId: string, sequenceNumber: string): void {
  const prev = stats.lastSequenceByShard[shardId];
  if (
    prev === undefined ||
    prev.length < sequenceNumber.length ||
    (prev.length === sequenceNumber.length && prev < sequenceNumber)
  ) {
    stats.lastSequenceByShard[shardId] = sequenceNumber;
  }
}

/**
 * Writes `entries` with PutRecords in one go, retrying failed entries until all are in: everything
 * from the first failure on is sent again in its original order (so some records may be written
 * twice). A bulk helper for tests and benchmarks that want one call per 500 records; use
 * `createProducer` for anything else.
 */
export async function putAll(
  kinesis: KinesisClient,
  streamName: string,
  entries: PutRecordsRequestEntry[],
  stats: DemoProducerStats,
): Promise<void> {
  let pending = entries;
  while (pending.length > 0) {
    let out;
    try {
      out = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
    } catch (err) {
      throw classifyAwsError(err, { operation: 'PutRecords', streamName });
    }
    const retry: PutRecordsRequestEntry[] = [];
    (out.Records ?? []).forEach((r, i) => {
      const entry = pending[i];
      if (!entry) return;
      if (r.ErrorCode || !r.SequenceNumber || !r.ShardId) {
        retry.push(entry);
        return;
      }
      stats.produced++;
      noteSequence(stats, r.ShardId, r.SequenceNumber);
    });
    if (retry.length > 0) {
      stats.failedAttempts += retry.length;
      // Keep per-key order: a retried entry must not be overtaken by a later one of its key, so
      // everything after the first failure is retried in its original order.
      const firstFailed = (out.Records ?? []).findIndex((r) => !!r.ErrorCode);
      pending = pending.slice(firstFailed);
      await new Promise((r) => setTimeout(r, 100));
    } else {
      pending = [];
    }
  }
}

export function demoEntry(key: string, n: number): PutRecordsRequestEntry {
  const record: DemoRecord = { key, n, at: new Date().toISOString() };
  return { PartitionKey: key, Data: Buffer.from(JSON.stringify(record)) };
}

/** Writes demo records at `rate` until aborted or `count` are in the stream. */
export async function runDemoProducer(options: DemoProducerOptions): Promise<DemoProducerStats> {
  const stats: DemoProducerStats = { produced: 0, failedAttempts: 0, lastSequenceByShard: {} };
  const producer = createProducer({ kinesis: options.kinesis, streamName: options.streamName });
  try {
    const summary = await runLoad({
      producer,
      rate: options.rate,
      keys: options.keys,
      ...(options.count !== undefined ? { count: options.count } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onWritten: (result) => {
        stats.produced++;
        noteSequence(stats, result.shardId, result.sequenceNumber);
      },
    });
    if (summary.failed > 0) {
      throw summary.firstError instanceof Error ? summary.firstError : new Error(String(summary.firstError));
    }
  } finally {
    await producer.close();
    stats.failedAttempts = producer.stats().retries;
  }
  return stats;
}
