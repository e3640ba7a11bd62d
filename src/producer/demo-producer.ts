/**
 * A steady demo load: JSON records over many partition keys, each carrying a per-key counter so
 * a reader can check per-key order. For the dev stack and tests; not the production producer.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../aws/classify';

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

/** Writes `records` with PutRecords, retrying failed entries in order until all are in. */
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
      const prev = stats.lastSequenceByShard[r.ShardId];
      if (
        prev === undefined ||
        prev.length < r.SequenceNumber.length ||
        (prev.length === r.SequenceNumber.length && prev < r.SequenceNumber)
      ) {
        stats.lastSequenceByShard[r.ShardId] = r.SequenceNumber;
      }
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

export async function runDemoProducer(options: DemoProducerOptions): Promise<DemoProducerStats> {
  const stats: DemoProducerStats = { produced: 0, failedAttempts: 0, lastSequenceByShard: {} };
  const counters = new Array<number>(options.keys).fill(0);
  const tickMs = 100;
  const started = Date.now();
  let i = 0;
  while (!options.signal?.aborted && (options.count === undefined || i < options.count)) {
    const due = Math.floor(((Date.now() - started + tickMs) / 1000) * options.rate);
    const limit = options.count === undefined ? due : Math.min(due, options.count);
    const entries: PutRecordsRequestEntry[] = [];
    while (i < limit && entries.length < 500) {
      const k = i % options.keys;
      const n = counters[k] ?? 0;
      counters[k] = n + 1;
      entries.push(demoEntry(`key-${k}`, n));
      i++;
    }
    if (entries.length > 0) await putAll(options.kinesis, options.streamName, entries, stats);
    if (i >= due) await new Promise((r) => setTimeout(r, tickMs));
  }
  return stats;
}
