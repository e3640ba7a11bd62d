/**
 * A steady producer for the latency measurement: every record carries the time it was put
 * (`{"t": <epoch ms just before PutRecords>, "n": <index>}`), so a handler can compute now − t.
 */
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { type DemoProducerStats, putAll } from '../src/producer/demo-producer';
import { sleep } from './wait';

export interface TimedRecord {
  /** Put time, epoch ms. */
  t: number;
  n: number;
}

const TICK_MS = 50;

/** Parses a record written by {@link produceTimed}; null for anything else. */
export function parseTimedRecord(data: Uint8Array | undefined): TimedRecord | null {
  if (!data) return null;
  try {
    const value = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<TimedRecord>;
    return typeof value.t === 'number' && typeof value.n === 'number' ? { t: value.t, n: value.n } : null;
  } catch {
    return null;
  }
}

/** Puts `ratePerSecond` records a second over `keys` partition keys (default 64) until `signal` aborts; returns what it put. */
export async function produceTimed(
  kinesis: KinesisClient,
  streamName: string,
  ratePerSecond: number,
  signal: AbortSignal,
  /** Partition keys; more than the shards, or some shards get no records. */
  keys = 64,
): Promise<TimedRecord[]> {
  const stats: DemoProducerStats = { produced: 0, failedAttempts: 0, lastSequenceByShard: {} };
  const put: TimedRecord[] = [];
  const started = performance.now();
  while (!signal.aborted) {
    const due = Math.floor(((performance.now() - started) / 1000) * ratePerSecond);
    const t = Date.now();
    const entries: PutRecordsRequestEntry[] = [];
    for (let n = put.length; n < due; n++) {
      put.push({ t, n });
      entries.push({ PartitionKey: `k${n % keys}`, Data: Buffer.from(JSON.stringify({ t, n })) });
    }
    // After a stall (a busy event loop) more than one call's worth is due: PutRecords takes 500.
    for (let i = 0; i < entries.length; i += 500)
      await putAll(kinesis, streamName, entries.slice(i, i + 500), stats);
    await sleep(TICK_MS, signal).catch(() => undefined);
  }
  return put;
}
